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

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload, selectinload

from service import journal
from service.context import Context
from service.errors import NotFound
from service.evidence import Attachment
from service.invoices.models import Invoice, InvoiceLine
from service.masterdata import queries as masterdata
from service.masterdata.models import Item
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


def attachment_ref(session: Session, attachment_id: int) -> AttachmentRef | None:
    found = session.get(Attachment, attachment_id)
    return AttachmentRef.model_validate(found) if found is not None else None


@dataclass(frozen=True)
class _Related:
    """What the answers of several returns show from other tables, read in one query each."""

    line_nos: dict[int, int]
    invoice_nos: dict[int, str]
    blue: dict[int, CustomerBlueInvoice]
    files: dict[int, AttachmentRef]

    @classmethod
    def of(cls, session: Session, found: list[Return]) -> _Related:
        line_ids = [line.invoice_line_id for ret in found for line in ret.lines]
        file_ids = {
            i
            for ret in found
            for i in (ret.approval_report_id, ret.receipt_scan_id, ret.consent_id)
            if i is not None
        }
        return cls(
            line_nos=dict(
                session.execute(
                    select(InvoiceLine.id, InvoiceLine.line_no).where(InvoiceLine.id.in_(line_ids))
                ).all()
            ),
            invoice_nos=dict(
                session.execute(
                    select(Invoice.id, Invoice.invoice_no).where(
                        Invoice.id.in_({ret.invoice_id for ret in found})
                    )
                ).all()
            ),
            blue={
                b.return_id: b
                for b in session.scalars(
                    select(CustomerBlueInvoice).where(
                        CustomerBlueInvoice.return_id.in_([ret.id for ret in found])
                    )
                )
            },
            files={
                a.id: AttachmentRef.model_validate(a)
                for a in session.scalars(select(Attachment).where(Attachment.id.in_(file_ids)))
            },
        )

    def file(self, attachment_id: int | None) -> AttachmentRef | None:
        return None if attachment_id is None else self.files.get(attachment_id)


def return_out(
    session: Session, ret: Return, workflows: Workflows, related: _Related | None = None
) -> ReturnOut:
    """The return as the API shows it, whether just written or read (`related`: read for a
    whole page at once)."""
    seen = related if related is not None else _Related.of(session, [ret])
    blue = seen.blue.get(ret.id)
    return ReturnOut(
        id=ret.id,
        return_no=ret.return_no,
        customer_code=ret.customer.code,
        order_id=ret.order_id,
        invoice_id=ret.invoice_id,
        invoice_no=seen.invoice_nos.get(ret.invoice_id, ""),
        reason=ret.reason,
        note=ret.note,
        state=ret.state,
        version=ret.version,
        approval_report=seen.file(ret.approval_report_id),
        decided_by=ret.decided_by,
        decision_reason=ret.decision_reason,
        receipt_no=ret.receipt_no,
        received_on=ret.received_on,
        receipt_scan=seen.file(ret.receipt_scan_id),
        consent=seen.file(ret.consent_id),
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
                invoice_line_no=seen.line_nos.get(line.invoice_line_id, 0),
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
    found = list(session.scalars(stmt))
    related = _Related.of(session, found)
    return [return_out(session, r, ctx.workflows, related) for r in found]


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
