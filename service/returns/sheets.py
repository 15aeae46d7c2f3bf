"""What the returns pages read: the request form's lines with what may still come back, one
return with every document that touches it, a page of the list, the panels on the order's and the
invoice's pages. The API's answers are in `service.returns.queries`."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.context import Context
from service.invoices import queries as invoices
from service.invoices.models import Invoice, InvoiceLine
from service.returns.facts import RULESET
from service.returns.models import Return
from service.returns.queries import attachment_ref, claimed, load, return_out, search
from service.returns.schemas import (
    ReturnOut,
)
from service.schemas import AttachmentRef

# Blue invoice lines that bill goods (the use cases return only these).
GOODS_SOURCES = ("goods", "carry_forward")


@dataclass(frozen=True)
class Returnable:
    """A goods line of the blue invoice on the request form: how much may still come back."""

    line_no: int
    item_code: str
    item_name: str
    invoiced: int
    returned: int
    returnable: int
    unit_price: Decimal
    tax_rate: Decimal


@dataclass(frozen=True)
class RequestSheet:
    """What the request form shows: the blue invoice, its order and its goods lines."""

    invoice_id: int
    invoice_no: str
    fapiao_no: str | None
    kind: str
    state: str
    receivable: bool
    order_id: int
    company_order_no: str | None
    customer_po_no: str
    customer_code: str
    customer_name: str
    lines: list[Returnable]


def request_sheet(session: Session, ctx: Context, *, invoice_id: int) -> RequestSheet:
    """The blue invoice a return is asked against, with what each goods line may still give
    back (invoiced less what other returns hold)."""
    invoice = invoices.load(session, invoice_id)
    held = claimed(session, ctx.workflows, [line.id for line in invoice.lines])
    lines = [
        Returnable(
            line_no=line.line_no,
            item_code=line.item.code,
            item_name=line.item.name,
            invoiced=line.quantity,
            returned=held.get(line.id, 0),
            returnable=max(line.quantity - held.get(line.id, 0), 0),
            unit_price=line.unit_price,
            tax_rate=line.tax_rate,
        )
        for line in invoice.lines
        if line.source in GOODS_SOURCES
    ]
    receivable = invoice.kind == "blue" and invoice.state in invoices.creditable(ctx.workflows)
    return RequestSheet(
        invoice_id=invoice.id,
        invoice_no=invoice.invoice_no,
        fapiao_no=invoice.fapiao_no,
        kind=invoice.kind,
        state=invoice.state,
        receivable=receivable,
        order_id=invoice.order_id,
        company_order_no=invoice.order.company_order_no,
        customer_po_no=invoice.order.customer_po_no,
        customer_code=invoice.customer.code,
        customer_name=invoice.customer.name,
        lines=lines,
    )


@dataclass(frozen=True)
class CreditDocument:
    """An invoice that credits a return or carries its credit (red, or with the deduction)."""

    id: int
    invoice_no: str
    fapiao_no: str | None
    kind: str
    state: str


@dataclass(frozen=True)
class ReturnSheet:
    """A return as its page and its printout show it, with every document it refers to."""

    ret: ReturnOut
    customer_name: str
    accepted: list[str]
    company_order_no: str | None
    customer_po_no: str
    fapiao_no: str | None
    item_names: dict[str, str]
    rule_descriptions: dict[str, str]
    credit_invoice: CreditDocument | None
    carrying: list[CreditDocument]


def _documents(session: Session, where: Any) -> list[CreditDocument]:
    return [
        CreditDocument(*row)
        for row in session.execute(
            select(Invoice.id, Invoice.invoice_no, Invoice.fapiao_no, Invoice.kind, Invoice.state)
            .where(where)
            .order_by(Invoice.id)
        )
    ]


def sheet(session: Session, ctx: Context, *, return_id: int) -> ReturnSheet:
    ret = load(session, return_id)
    shown = return_out(session, ret, ctx.workflows)
    order = ret.order
    fapiao_no = session.scalar(select(Invoice.fapiao_no).where(Invoice.id == ret.invoice_id))
    fired = set((ret.proposal or {}).get("rules") or [])
    descriptions: dict[str, str] = {}
    if fired:
        try:
            rules = ctx.rules.in_force(RULESET, ctx.today)
            descriptions = {r.id: r.description for r in rules.rules if r.id in fired}
        except LookupError:
            descriptions = {}
    credit = (
        _documents(session, Invoice.id == ret.credit_invoice_id)
        if ret.credit_invoice_id is not None
        else []
    )
    carrying_ids = select(InvoiceLine.invoice_id).where(InvoiceLine.return_id == ret.id)
    return ReturnSheet(
        ret=shown,
        customer_name=ret.customer.name,
        accepted=list(ret.customer.return_credit_methods or []),
        company_order_no=order.company_order_no,
        customer_po_no=order.customer_po_no,
        fapiao_no=fapiao_no,
        item_names={line.item.code: line.item.name for line in ret.lines},
        rule_descriptions=descriptions,
        credit_invoice=credit[0] if credit else None,
        carrying=[
            d
            for d in _documents(session, Invoice.id.in_(carrying_ids))
            if d.state != "discarded" and d.id != ret.credit_invoice_id
        ],
    )


def browse(
    session: Session,
    ctx: Context,
    *,
    customer: str | None = None,
    state: str | None = None,
    reason: str | None = None,
    before: int | None = None,
    size: int = 50,
) -> tuple[list[ReturnOut], int | None]:
    """A page of returns, newest first, and where the next one starts (by key)."""
    found = search(
        session, ctx, customer=customer, state=state, reason=reason, before=before, limit=size + 1
    )
    following = found[size - 1].id if len(found) > size else None
    return found[:size], following


@dataclass(frozen=True)
class ReturnRow:
    """A return in another document's panel."""

    id: int
    return_no: str
    invoice_no: str
    reason: str
    state: str
    total: Decimal
    credit_method: str | None


def _rows(session: Session, where: Any) -> list[ReturnRow]:
    return [
        ReturnRow(*row)
        for row in session.execute(
            select(
                Return.id,
                Return.return_no,
                Invoice.invoice_no,
                Return.reason,
                Return.state,
                Return.total,
                Return.credit_method,
            )
            .join(Invoice, Invoice.id == Return.invoice_id)
            .where(where)
            .order_by(Return.id)
        )
    ]


def _may_request(ctx: Context) -> bool:
    return "sales" in ctx.actor.roles  # POST /returns


def of_order(session: Session, ctx: Context, order_id: int) -> dict[str, Any] | None:
    """The order page's panel: its returns, and its issued blue invoices a return may be asked
    against (for sales)."""
    returns = _rows(session, Return.order_id == order_id)
    receivable = invoices.creditable(ctx.workflows)
    blue = [
        i
        for i in invoices.search(session, ctx, order_id=order_id, kind="blue")
        if i.state in receivable
    ]
    if not returns and not blue:
        return None
    return {"returns": returns, "invoices": blue, "may_request": _may_request(ctx)}


def of_invoice(session: Session, ctx: Context, invoice_id: int) -> dict[str, Any] | None:
    """The invoice page's panel: the returns against it, and the way to ask for one."""
    row = session.execute(
        select(Invoice.kind, Invoice.state).where(Invoice.id == invoice_id)
    ).first()
    if row is None or row.kind != "blue":
        return None
    returns = _rows(session, Return.invoice_id == invoice_id)
    receivable = row.state in invoices.creditable(ctx.workflows)
    if not returns and not receivable:
        return None
    return {
        "returns": returns,
        "invoice_id": invoice_id,
        "may_request": receivable and _may_request(ctx),
    }


def attachment(session: Session, _ctx: Context, *, attachment_id: int) -> AttachmentRef | None:
    """An uploaded scan as the receipt form shows it while the receipt is not posted yet."""
    return attachment_ref(session, attachment_id)
