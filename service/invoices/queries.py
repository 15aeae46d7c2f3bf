"""Reading invoices: one, a filtered list, its history; and the one way to show an invoice.

Invoice exceptions and, later, statements and payments read invoices through here.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload, selectinload

from service import journal
from service.context import Context
from service.errors import NotFound
from service.invoices.models import Invoice, InvoiceLine
from service.invoices.schemas import InvoiceLineOut, InvoiceOut
from service.masterdata import queries as masterdata
from service.orders.models import Order
from service.schemas import EventOut
from workflows import Flow


def load(session: Session, invoice_id: int, *, for_update: bool = False) -> Invoice:
    stmt = (
        select(Invoice)
        .where(Invoice.id == invoice_id)
        .options(
            joinedload(Invoice.customer),
            joinedload(Invoice.order).joinedload(Order.contract),
            selectinload(Invoice.lines).joinedload(InvoiceLine.item),
        )
    )
    if for_update:
        # Corrections of one invoice queue here; each then sees what the other made.
        stmt = stmt.with_for_update(of=Invoice).execution_options(populate_existing=True)
    invoice = session.scalar(stmt)
    if invoice is None:
        raise NotFound("invoice.not_found", field="invoice_id", invoice_id=invoice_id)
    return invoice


def invoice_out(invoice: Invoice, flow: Flow) -> InvoiceOut:
    """The invoice as the API shows it, whether just written or read."""
    fields = InvoiceOut.model_fields
    return InvoiceOut.model_validate(
        {
            **{
                name: getattr(invoice, name)
                for name in fields
                if hasattr(invoice, name) and name not in {"lines", "customer_code"}
            },
            "customer_code": invoice.customer.code,
            "lines": [
                InvoiceLineOut.model_validate(
                    {
                        **{
                            n: getattr(line, n)
                            for n in InvoiceLineOut.model_fields
                            if n != "item_code"
                        },
                        "item_code": line.item.code,
                    }
                )
                for line in invoice.lines
            ],
            "allowed_triggers": flow.allowed_triggers(invoice.state),
        }
    )


def answer(session: Session, ctx: Context, invoice_id: int) -> InvoiceOut:
    """The invoice as stored now (after a change that may have replaced its lines)."""
    session.flush()
    session.expire_all()
    return invoice_out(load(session, invoice_id), ctx.workflows.flow(Invoice))


def get(session: Session, ctx: Context, *, invoice_id: int) -> InvoiceOut:
    return invoice_out(load(session, invoice_id), ctx.workflows.flow(Invoice))


def search(
    session: Session,
    ctx: Context,
    *,
    state: str | None = None,
    customer_code: str | None = None,
    order_id: int | None = None,
    kind: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[InvoiceOut]:
    """Invoices, newest first, by state, kind, order or customer."""
    stmt = (
        select(Invoice)
        .options(
            joinedload(Invoice.customer),
            selectinload(Invoice.lines).joinedload(InvoiceLine.item),
        )
        .order_by(Invoice.id.desc())
        .limit(limit)
        .offset(offset)
    )
    if state:
        stmt = stmt.where(Invoice.state == state)
    if kind:
        stmt = stmt.where(Invoice.kind == kind)
    if order_id is not None:
        stmt = stmt.where(Invoice.order_id == order_id)
    if customer_code:
        stmt = stmt.where(Invoice.customer_id == masterdata.customer_id(customer_code))
    flow = ctx.workflows.flow(Invoice)
    return [invoice_out(i, flow) for i in session.scalars(stmt)]


def history(session: Session, _ctx: Context, *, invoice_id: int) -> list[EventOut]:
    if session.get(Invoice, invoice_id) is None:
        raise NotFound("invoice.not_found", field="invoice_id", invoice_id=invoice_id)
    return [EventOut.model_validate(e) for e in journal.history(session, "invoice", invoice_id)]
