"""Reading returns: one, a page, its history, R26's uncredited goods; and what invoicing reads.

The contract with the invoices feature, which credits returns by methods (a) and (c):

- `pending_deductions(session, customer_id)`: the customer's returns whose credit method is
  `next_invoice_deduction` and that wait for it (state `method_chosen`), oldest first, each with
  its received lines (item, quantity received back, unit price, tax rate, amount, tax) and its
  totals. The next invoice to that customer carries one negative `return_deduction` line per
  received line, with `InvoiceLine.return_id` set.
- `credit_of(session, return_id)`: one return's credit as it stands (method, state, blue
  invoice, amounts, received lines), or None when there is no such return. A red invoice for a
  return (method `red_letter`) reverses exactly these lines of the blue invoice.
- To book the credit, in the transaction that issues the red invoice (a) or the invoice with the
  deduction (c): load the `Return` row with `with_for_update()` (models are importable), check
  that its state is `method_chosen` and its `credit_method` is the one being booked, set
  `credit_invoice_id` (the red invoice or the invoice carrying the deduction) and `credited_on`
  (that invoice's fapiao date), and fire `credit` with `ctx.fire(session, ret, "credit",
  payload={...})`. The amounts already on the return (`amount`, `tax`, `total`) are what is
  credited; leave them unless the document credits a different figure, then write what it did.
  The versioned firing refuses a second credit (409), so a return is credited exactly once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload, selectinload

from service import journal
from service.context import Context
from service.errors import NotFound
from service.evidence import Attachment
from service.invoices import queries as invoices
from service.invoices.models import Invoice, InvoiceLine
from service.masterdata import queries as masterdata
from service.masterdata.models import Item
from service.returns.facts import RULESET
from service.returns.models import CustomerBlueInvoice, Return, ReturnLine
from service.returns.schemas import (
    BlueInvoiceOut,
    ReturnLineOut,
    ReturnOut,
    UncreditedOut,
)
from service.schemas import AttachmentRef, EventOut
from service.workflow import Workflows

DEDUCTION = "next_invoice_deduction"
# R26: the goods still to be dealt with.
FOLLOWED_REASONS = ("defective", "slow_moving")


def load(session: Session, return_id: int) -> Return:
    ret = session.scalar(
        select(Return)
        .where(Return.id == return_id)
        .options(
            joinedload(Return.customer),
            selectinload(Return.lines).joinedload(ReturnLine.item),
        )
    )
    if ret is None:
        raise NotFound("return.not_found", field="return_id", return_id=return_id)
    return ret


def _attachment(session: Session, attachment_id: int | None) -> AttachmentRef | None:
    if attachment_id is None:
        return None
    found = session.get(Attachment, attachment_id)
    return AttachmentRef.model_validate(found) if found is not None else None


def return_out(session: Session, ret: Return, workflows: Workflows) -> ReturnOut:
    """The return as the API shows it, whether just written or read."""
    line_nos = dict(
        session.execute(
            select(InvoiceLine.id, InvoiceLine.line_no).where(
                InvoiceLine.id.in_([line.invoice_line_id for line in ret.lines])
            )
        ).all()
    )
    blue = session.scalar(
        select(CustomerBlueInvoice).where(CustomerBlueInvoice.return_id == ret.id)
    )
    invoice_no = session.scalar(select(Invoice.invoice_no).where(Invoice.id == ret.invoice_id))
    return ReturnOut(
        id=ret.id,
        return_no=ret.return_no,
        customer_code=ret.customer.code,
        order_id=ret.order_id,
        invoice_id=ret.invoice_id,
        invoice_no=invoice_no or "",
        reason=ret.reason,
        note=ret.note,
        state=ret.state,
        version=ret.version,
        approval_report=_attachment(session, ret.approval_report_id),
        decided_by=ret.decided_by,
        decision_reason=ret.decision_reason,
        receipt_no=ret.receipt_no,
        received_on=ret.received_on,
        receipt_scan=_attachment(session, ret.receipt_scan_id),
        consent=_attachment(session, ret.consent_id),
        proposal=ret.proposal,
        credit_method=ret.credit_method,
        method_reason=ret.method_reason,
        credit_invoice_id=ret.credit_invoice_id,
        credited_on=ret.credited_on,
        amount=ret.amount,
        tax=ret.tax,
        total=ret.total,
        customer_blue_invoice=BlueInvoiceOut.model_validate(blue) if blue is not None else None,
        created_by=ret.created_by,
        created_at=ret.created_at,
        lines=[
            ReturnLineOut(
                line_no=line.line_no,
                invoice_line_no=line_nos.get(line.invoice_line_id, 0),
                item_code=line.item.code,
                quantity=line.quantity,
                received_qty=line.received_qty,
                unit_price=line.unit_price,
                tax_rate=line.tax_rate,
                amount=line.amount,
                tax=line.tax,
            )
            for line in ret.lines
        ],
        allowed_triggers=workflows.flow(Return).allowed_triggers(ret.state),
    )


def answer(session: Session, ctx: Context, return_id: int) -> ReturnOut:
    """The return as stored now."""
    session.flush()
    session.expire_all()
    return return_out(session, load(session, return_id), ctx.workflows)


def get(session: Session, ctx: Context, *, return_id: int) -> ReturnOut:
    return return_out(session, load(session, return_id), ctx.workflows)


def search(
    session: Session,
    ctx: Context,
    *,
    customer: str | None = None,
    state: str | None = None,
    reason: str | None = None,
    before: int | None = None,
    limit: int = 100,
) -> list[ReturnOut]:
    """Returns, newest first; the next page starts before the last id shown (by key)."""
    stmt = (
        select(Return)
        .options(
            joinedload(Return.customer),
            selectinload(Return.lines).joinedload(ReturnLine.item),
        )
        .order_by(Return.id.desc())
        .limit(limit)
    )
    if customer:
        stmt = stmt.where(Return.customer_id == masterdata.customer_id(customer))
    if state:
        stmt = stmt.where(Return.state == state)
    if reason:
        stmt = stmt.where(Return.reason == reason)
    if before is not None:
        stmt = stmt.where(Return.id < before)
    return [return_out(session, r, ctx.workflows) for r in session.scalars(stmt)]


def history(session: Session, _ctx: Context, *, return_id: int) -> list[EventOut]:
    if session.get(Return, return_id) is None:
        raise NotFound("return.not_found", field="return_id", return_id=return_id)
    return [EventOut.model_validate(e) for e in journal.history(session, "return", return_id)]


def uncredited(
    session: Session,
    ctx: Context,
    *,
    customer: str | None = None,
    reason: str | None = None,
    after: int | None = None,
    limit: int = 100,
) -> list[UncreditedOut]:
    """R26: lines of defective and slow-moving goods of returns still open (not yet credited),
    oldest return first; the next page starts after the last return id shown."""
    reasons = (reason,) if reason else FOLLOWED_REASONS
    open_returns = (
        select(Return.id)
        .where(
            Return.state.in_(ctx.workflows.tagged(Return, "open")),
            Return.reason.in_(reasons),
        )
        .order_by(Return.id)
        .limit(limit)
    )
    if customer:
        open_returns = open_returns.where(Return.customer_id == masterdata.customer_id(customer))
    if after is not None:
        open_returns = open_returns.where(Return.id > after)
    ids = list(session.scalars(open_returns))
    rows = session.scalars(
        select(Return)
        .where(Return.id.in_(ids))
        .options(
            joinedload(Return.customer), selectinload(Return.lines).joinedload(ReturnLine.item)
        )
        .order_by(Return.id)
    )
    found = []
    for ret in rows:
        for line in ret.lines:
            quantity = line.quantity if line.received_qty is None else line.received_qty
            if quantity == 0:
                continue
            found.append(
                UncreditedOut(
                    return_id=ret.id,
                    return_no=ret.return_no,
                    customer_code=ret.customer.code,
                    reason=ret.reason,
                    state=ret.state,
                    line_no=line.line_no,
                    item_code=line.item.code,
                    quantity=quantity,
                    amount=line.amount,
                    tax=line.tax,
                    requested_at=ret.created_at,
                    received_on=ret.received_on,
                )
            )
    return found


def claimed(session: Session, workflows: Workflows, invoice_line_ids: list[int]) -> dict[int, int]:
    """Per blue invoice line, the quantity its returns hold: received back once posted, asked
    for until then; rejected and cancelled returns hold nothing."""
    quantity = func.coalesce(ReturnLine.received_qty, ReturnLine.quantity)
    rows = session.execute(
        select(ReturnLine.invoice_line_id, func.sum(quantity))
        .join(Return, Return.id == ReturnLine.return_id)
        .where(
            ReturnLine.invoice_line_id.in_(invoice_line_ids),
            Return.state.in_(workflows.tagged(Return, "claims")),
        )
        .group_by(ReturnLine.invoice_line_id)
    ).all()
    return {line_id: int(total or 0) for line_id, total in rows}


# --- What the invoices feature reads ------------------------------------------------------


@dataclass(frozen=True)
class CreditLine:
    """A received line of a return: what its credit is made of."""

    return_line_id: int
    invoice_line_id: int
    item_id: int
    item_code: str
    quantity: int  # received back
    unit_price: Decimal
    tax_rate: Decimal
    amount: Decimal  # without tax, positive: the credit
    tax: Decimal


@dataclass(frozen=True)
class ReturnCredit:
    """A return's credit: how, in which state, against which blue invoice, how much."""

    return_id: int
    return_no: str
    customer_id: int
    order_id: int
    invoice_id: int  # the blue invoice
    state: str
    version: int
    credit_method: str | None
    credit_invoice_id: int | None
    credited_on: date | None
    amount: Decimal
    tax: Decimal
    total: Decimal
    lines: tuple[CreditLine, ...]


def _credit(ret: Return, codes: dict[int, str]) -> ReturnCredit:
    return ReturnCredit(
        return_id=ret.id,
        return_no=ret.return_no,
        customer_id=ret.customer_id,
        order_id=ret.order_id,
        invoice_id=ret.invoice_id,
        state=ret.state,
        version=ret.version,
        credit_method=ret.credit_method,
        credit_invoice_id=ret.credit_invoice_id,
        credited_on=ret.credited_on,
        amount=ret.amount,
        tax=ret.tax,
        total=ret.total,
        lines=tuple(
            CreditLine(
                return_line_id=line.id,
                invoice_line_id=line.invoice_line_id,
                item_id=line.item_id,
                item_code=codes.get(line.item_id, ""),
                quantity=line.received_qty or 0,
                unit_price=line.unit_price,
                tax_rate=line.tax_rate,
                amount=line.amount,
                tax=line.tax,
            )
            for line in ret.lines
            if line.received_qty
        ),
    )


def _codes(session: Session, returns: list[Return]) -> dict[int, str]:
    ids = {line.item_id for ret in returns for line in ret.lines}
    return dict(session.execute(select(Item.id, Item.code).where(Item.id.in_(ids))).all())


def credit_of(session: Session, return_id: int) -> ReturnCredit | None:
    """One return's credit as it stands, or None when there is no such return."""
    ret = session.scalar(
        select(Return).where(Return.id == return_id).options(selectinload(Return.lines))
    )
    return _credit(ret, _codes(session, [ret])) if ret is not None else None


def pending_deductions(session: Session, customer_id: int) -> list[ReturnCredit]:
    """The customer's returns waiting to be deducted on its next invoice (R24 c), oldest first."""
    returns = list(
        session.scalars(
            select(Return)
            .where(
                Return.customer_id == customer_id,
                Return.state == "method_chosen",
                Return.credit_method == DEDUCTION,
            )
            .options(selectinload(Return.lines))
            .order_by(Return.id)
        )
    )
    codes = _codes(session, returns)
    return [_credit(ret, codes) for ret in returns]


# --- What the pages read ------------------------------------------------------------------

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
    receivable = invoice.kind == "blue" and invoice.state in ctx.workflows.tagged(
        Invoice, "receivable"
    )
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
    receivable = ctx.workflows.tagged(Invoice, "receivable")
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
    receivable = row.state in ctx.workflows.tagged(Invoice, "receivable")
    if not returns and not receivable:
        return None
    return {
        "returns": returns,
        "invoice_id": invoice_id,
        "may_request": receivable and _may_request(ctx),
    }


def attachment(session: Session, _ctx: Context, *, attachment_id: int) -> AttachmentRef | None:
    """An uploaded scan as the receipt form shows it while the receipt is not posted yet."""
    return _attachment(session, attachment_id)
