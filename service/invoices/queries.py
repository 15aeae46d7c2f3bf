"""Reading invoices: one, a filtered list, its history; and the one way to show an invoice.

Invoice exceptions and, later, statements and payments read invoices through here; the pages
read a page of invoices, one invoice as its page and printout show it, and an order's invoices.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, joinedload, selectinload

from service import journal, ledger
from service.context import Context
from service.errors import NotFound
from service.invoices.exceptions.models import Booking, InvoiceException
from service.invoices.models import Invoice, InvoiceLine
from service.invoices.schemas import InvoiceLineOut, InvoiceOut
from service.ledger import Allocation
from service.masterdata import queries as masterdata
from service.masterdata.models import Warehouse
from service.masterdata.queries import ContractTerms
from service.orders.models import Order
from service.parties import Party
from service.receipts.models import Receipt
from service.schemas import AllocationOut, EventOut
from service.workflow import Workflows
from workflows import Flow


def creditable(workflows: Workflows) -> tuple[str, ...]:
    """Issued and not voided, owed or paid: the states of a blue invoice that returns and
    red-letter forms may take back from (a return after payment is credited all the same)."""
    return workflows.tagged(Invoice, "receivable") + workflows.tagged(Invoice, "paid")


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


def with_allocations(session: Session, out: InvoiceOut) -> InvoiceOut:
    """The invoice as read, with what was applied to it (the receivables ledger)."""
    applied = ledger.applied(session, Allocation.invoice_id == out.id)
    out.allocations = [
        AllocationOut(
            invoice_no=a.invoice_no, kind=a.kind, reference=a.reference, amount=a.amount, day=a.day
        )
        for a in applied
    ]
    return out


def answer(session: Session, ctx: Context, invoice_id: int) -> InvoiceOut:
    """The invoice as stored now (after a change that may have replaced its lines)."""
    session.flush()
    session.expire_all()
    out = invoice_out(load(session, invoice_id), ctx.workflows.flow(Invoice))
    return with_allocations(session, out)


def get(session: Session, ctx: Context, *, invoice_id: int) -> InvoiceOut:
    out = invoice_out(load(session, invoice_id), ctx.workflows.flow(Invoice))
    return with_allocations(session, out)


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


# --- What the pages read -------------------------------------------------------------------


def browse(
    session: Session,
    ctx: Context,
    *,
    q: str | None = None,
    state: str | None = None,
    customer_code: str | None = None,
    before: int | None = None,
    size: int = 50,
) -> tuple[list[InvoiceOut], int | None]:
    """A page of invoices, newest first, found by invoice, fapiao, company order or customer PO
    number; and where the next page starts (by key: fast however many invoices there are)."""
    stmt = (
        select(Invoice)
        .options(
            joinedload(Invoice.customer),
            selectinload(Invoice.lines).joinedload(InvoiceLine.item),
        )
        .order_by(Invoice.id.desc())
        .limit(size + 1)
    )
    if q:
        ordered = select(Order.id).where(
            (Order.company_order_no == q) | (Order.customer_po_no == q)
        )
        stmt = stmt.where(
            (Invoice.invoice_no == q) | (Invoice.fapiao_no == q) | Invoice.order_id.in_(ordered)
        )
    if state:
        stmt = stmt.where(Invoice.state == state)
    if customer_code:
        stmt = stmt.where(Invoice.customer_id == masterdata.customer_id(customer_code))
    if before is not None:
        stmt = stmt.where(Invoice.id < before)
    found = list(session.scalars(stmt))
    flow = ctx.workflows.flow(Invoice)
    following = found[size - 1].id if len(found) > size else None
    return [invoice_out(i, flow) for i in found[:size]], following


@dataclass(frozen=True)
class References:
    """What the remark refers to (R10), and the discount order number the order carries (R1)."""

    customer_po_no: str
    company_order_no: str | None
    receipt_no: str | None
    dc_code: str
    discount_order_no: str | None


@dataclass(frozen=True)
class Related:
    """Another invoice of the same reissue: `relation` is the catalog code of how they relate."""

    id: int
    invoice_no: str
    kind: str
    state: str
    relation: str


@dataclass(frozen=True)
class ItemWords:
    name: str
    unit: str


@dataclass(frozen=True)
class InvoiceDocument:
    """An invoice as its page and its printout show it: the invoice, the seller and the buyer
    (as they stood when it was issued; a draft's as they are now; a taxpayer number "" when not
    recorded), the references of its remark, the words of its items and the invoices of its
    reissue."""

    invoice: InvoiceOut
    seller: Party
    customer_name: str
    customer_tax_no: str
    delivery_branch: str
    references: References
    items: dict[str, ItemWords]
    related: list[Related]
    booking: str | None
    max_lines: int


def document(session: Session, ctx: Context, *, invoice_id: int) -> InvoiceDocument:
    invoice = load(session, invoice_id)
    order = invoice.order
    receipt_no = session.scalar(select(Receipt.receipt_no).where(Receipt.order_id == order.id))
    dc_code = session.scalar(select(Warehouse.code).where(Warehouse.id == order.warehouse_id))
    links = [
        (invoice.original_id, "invoices.related.reverses" if invoice.kind == "red" else None),
        (invoice.reversed_by_id, "invoices.related.reversed_by"),
        (invoice.replaced_by_id, "invoices.related.replaced_by"),
    ]
    if invoice.kind == "blue" and invoice.original_id is not None:
        links[0] = (invoice.original_id, "invoices.related.replaces")
    wanted = {ident: code for ident, code in links if ident is not None and code is not None}
    related = [
        Related(row.id, row.invoice_no, row.kind, row.state, wanted[row.id])
        for row in session.execute(
            select(Invoice.id, Invoice.invoice_no, Invoice.kind, Invoice.state)
            .where(Invoice.id.in_(wanted))
            .order_by(Invoice.id)
        )
    ]
    parties = masterdata.parties_now(ctx, invoice.customer).unless_kept(invoice.parties)
    return InvoiceDocument(
        invoice=invoice_out(invoice, ctx.workflows.flow(Invoice)),
        seller=parties.seller,
        customer_name=parties.buyer.name,
        customer_tax_no=parties.buyer.tax_no,
        delivery_branch=invoice.customer.branch,
        references=References(
            customer_po_no=order.customer_po_no,
            company_order_no=order.company_order_no,
            receipt_no=receipt_no,
            dc_code=dc_code or "",
            discount_order_no=order.discount_order_no,
        ),
        items={line.item.code: ItemWords(line.item.name, line.item.unit) for line in invoice.lines},
        related=related,
        booking=session.scalar(select(Booking.reference).where(Booking.invoice_id == invoice.id)),
        max_lines=ctx.settings.invoice_max_lines,
    )


@dataclass(frozen=True)
class OrderInvoice:
    id: int
    invoice_no: str
    kind: str
    state: str
    total: Decimal
    fapiao_no: str | None


def of_order(session: Session, ctx: Context, order_id: int) -> dict[str, Any] | None:
    """The order page's panel: the order's invoices, and whether this person may make one now
    (the order is receipted, R9, and they hold the role its `invoice` step needs)."""
    state = session.scalar(select(Order.state).where(Order.id == order_id))
    if state is None:
        return None
    invoices = [
        OrderInvoice(*row)
        for row in session.execute(
            select(
                Invoice.id,
                Invoice.invoice_no,
                Invoice.kind,
                Invoice.state,
                Invoice.total,
                Invoice.fapiao_no,
            )
            .where(Invoice.order_id == order_id)
            .order_by(Invoice.id)
        )
    ]
    flow = ctx.workflows.flow(Order)
    invoiceable = flow.allows(state, "invoice")
    if not invoices and not invoiceable:
        return None
    return {
        "order_id": order_id,
        "invoices": invoices,
        "may_create": invoiceable and bool(flow.roles_for("invoice") & ctx.actor.roles),
    }


@dataclass(frozen=True)
class OpenException:
    """An invoice exception still open: the invoice is disputed for it (R14-R17)."""

    invoice_id: int
    exception_id: int
    kind: str


def open_exceptions_of(
    session: Session, workflows: Workflows, invoice_ids: Select[int] | Sequence[int]
) -> list[OpenException]:
    """The open invoice exceptions of many invoices in one query (`invoice_ids`: ids, or a
    subquery selecting them); the settlement gate reads them (R29)."""
    found = session.execute(
        select(InvoiceException.invoice_id, InvoiceException.id, InvoiceException.kind)
        .where(
            InvoiceException.invoice_id.in_(invoice_ids),
            InvoiceException.state.in_(workflows.tagged(InvoiceException, "open")),
        )
        .order_by(InvoiceException.id)
    )
    return [OpenException(*row) for row in found]


def agreed(session: Session, order: Order) -> ContractTerms:
    """R11, R12: the contract's prices (by item code) and discount rate as they stood when the
    order was made (its first journal row; an order without one, the current ones). The order's
    lines keep their prices; a substituted model is invoiced, a discount worked out and an
    invoice exception judged at these: HQ may have changed the contract since."""
    contract = order.contract
    now = ContractTerms(
        {p.item.code: p.unit_price for p in contract.prices}, contract.discount_rate
    )
    if contract.version == 1:  # never changed: as it stood then
        return now
    made = session.scalar(
        select(func.min(journal.Event.id)).where(
            journal.Event.entity_type == Order.__machine__, journal.Event.entity_id == order.id
        )
    )
    return now if made is None else masterdata.contract_after(session, contract, made)
