"""What the receipt exception pages read (R8): a page of the list with each one's value and age,
one exception with everything around it (its receipt, the files, the invoice that carries a
re-delivery, the return, the blue invoices a substitution may go back against), and how each
exception of a receipt ended, for its printout. The API's answers are in `queries`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.context import Context
from service.evidence import Attachment
from service.invoices import queries as invoices
from service.invoices.models import CarryForward, Invoice
from service.orders.models import OrderLine
from service.receipts.exceptions import queries
from service.receipts.exceptions.facts import value_of
from service.receipts.exceptions.schemas import ReceiptExceptionOut
from service.receipts.models import ReceiptException
from service.returns.models import Return
from service.schemas import AttachmentRef

# A page of the list.
PAGE_SIZE = 50


@dataclass(frozen=True)
class Row:
    """An exception on the list: its value at the order's price and how many days it is old."""

    exception: ReceiptExceptionOut
    value: Decimal | None
    age_days: int


def age_in_days(created_at: datetime, today: date, tz: ZoneInfo) -> int:
    return max((today - created_at.astimezone(tz).date()).days, 0)


def _values(session: Session, exceptions: Sequence[ReceiptExceptionOut]) -> dict[int, Decimal]:
    """Each exception's pieces at its order line's price."""
    if not exceptions:
        return {}
    prices = dict(
        session.execute(
            select(ReceiptException.id, OrderLine.unit_price)
            .join(OrderLine, OrderLine.id == ReceiptException.order_line_id)
            .where(ReceiptException.id.in_([e.id for e in exceptions]))
        ).all()
    )
    return {e.id: value_of(e.quantity, prices[e.id]) for e in exceptions if e.id in prices}


def browse(
    session: Session,
    ctx: Context,
    *,
    status: queries.Status,
    kind: str | None,
    owner_role: str | None,
    customer_code: str | None,
    carrier: str | None,
    after: int | None,
) -> tuple[list[Row], int | None]:
    """A page of exceptions, oldest first, and where the next page starts (None: the last)."""
    found = queries.search(
        session,
        ctx,
        status=status,
        kind=kind,
        owner_role=owner_role,
        customer_code=customer_code,
        carrier=carrier,
        after=after,
        limit=PAGE_SIZE + 1,
    )
    shown = found[:PAGE_SIZE]
    following = shown[-1].id if len(found) > PAGE_SIZE else None
    values = _values(session, shown)
    tz = ctx.settings.tz
    rows = [Row(e, values.get(e.id), age_in_days(e.created_at, ctx.today, tz)) for e in shown]
    return rows, following


@dataclass(frozen=True)
class Carrying:
    """The invoice that carries a re-delivered quantity."""

    id: int
    invoice_no: str
    state: str


@dataclass(frozen=True)
class Outcome:
    """How an exception ended (or where it stands): the exception, the invoice carrying its
    re-delivery, its return's number."""

    exception: ReceiptExceptionOut
    invoice: Carrying | None
    return_no: str | None


@dataclass(frozen=True)
class ExceptionSheet:
    """One exception's page."""

    outcome: Outcome
    receipt_id: int
    customer_name: str
    unit_price: Decimal
    value: Decimal
    age_days: int
    files: dict[int, AttachmentRef]
    # The order's issued blue invoices a substitution may be returned against (R24).
    blue_invoices: list[Carrying]

    @property
    def exception(self) -> ReceiptExceptionOut:
        return self.outcome.exception


def _carrying(session: Session, ids: Sequence[int]) -> dict[int, Carrying]:
    if not ids:
        return {}
    rows = session.execute(
        select(
            CarryForward.source_receipt_exception_id,
            Invoice.id,
            Invoice.invoice_no,
            Invoice.state,
        )
        .join(Invoice, Invoice.id == CarryForward.invoice_id)
        .where(
            CarryForward.source_receipt_exception_id.in_(ids),
            CarryForward.state == "invoiced",
        )
    )
    return {row[0]: Carrying(row[1], row[2], row[3]) for row in rows if row[0] is not None}


def _return_numbers(session: Session, ids: Sequence[int | None]) -> dict[int, str]:
    wanted = [i for i in ids if i is not None]
    if not wanted:
        return {}
    rows = session.execute(select(Return.id, Return.return_no).where(Return.id.in_(wanted)))
    return {int(return_id): str(number) for return_id, number in rows.all()}


def _outcomes(session: Session, found: Sequence[ReceiptExceptionOut]) -> list[Outcome]:
    carrying = _carrying(session, [e.id for e in found])
    numbers = _return_numbers(session, [e.return_id for e in found])
    return [
        Outcome(e, carrying.get(e.id), numbers.get(e.return_id) if e.return_id else None)
        for e in found
    ]


def sheet(session: Session, ctx: Context, *, exception_id: int) -> ExceptionSheet:
    exc = queries.load(session, exception_id)
    out = queries.exception_out(exc, ctx.workflows)
    [outcome] = _outcomes(session, [out])
    out = out.model_copy(
        update={"redelivery_invoice_no": outcome.invoice.invoice_no if outcome.invoice else None}
    )
    files = {
        a.id: AttachmentRef.model_validate(a)
        for a in session.scalars(
            select(Attachment).where(
                Attachment.id.in_(
                    [i for i in (exc.redelivery_scan_id, exc.claim_evidence_id) if i is not None]
                )
            )
        )
    }
    receivable = ctx.workflows.tagged(Invoice, "receivable")
    blue = [
        Carrying(i.id, i.invoice_no, i.state)
        for i in invoices.search(session, ctx, order_id=exc.receipt.order_id, kind="blue")
        if i.state in receivable
    ]
    unit_price = exc.order_line.unit_price
    return ExceptionSheet(
        outcome=Outcome(out, outcome.invoice, outcome.return_no),
        receipt_id=exc.receipt_id,
        customer_name=exc.receipt.order.customer.name,
        unit_price=unit_price,
        value=value_of(exc.quantity, unit_price),
        age_days=age_in_days(exc.created_at, ctx.today, ctx.settings.tz),
        files=files,
        blue_invoices=blue,
    )


def of_receipt(session: Session, ctx: Context, receipt_id: int) -> list[Outcome]:
    """How each exception of a receipt ended, in the order they were found."""
    found = session.scalars(
        select(ReceiptException.id)
        .where(ReceiptException.receipt_id == receipt_id)
        .order_by(ReceiptException.id)
    ).all()
    return _outcomes(session, [queries.get(session, ctx, exception_id=i) for i in found])
