"""Finance's steps after invoicing: what the customer booked, and working its exceptions."""

from __future__ import annotations

from decimal import Decimal

from service import money
from service.invoices.exceptions import booking
from service.invoices.exceptions import usecases as exceptions
from service.invoices.exceptions.schemas import (
    BookingCreate,
    BookingLineIn,
    BookingOut,
    ConfirmIn,
    EvidenceIn,
    ExceptionOut,
)
from service.invoices.queries import get
from service.invoices.redletter import red_invoice
from service.invoices.redletter import usecases as red_letter
from service.invoices.schemas import InvoiceIssue, InvoiceOut
from tests.usecases.steps import A1, TODAY, WORLD, Steps

RATE = Decimal("0.13")


def booked(
    code: str, quantity: int, *, price: str | None = None, tax_shift: str = "0.00"
) -> BookingLineIn:
    """A booking line, at the contract price unless `price` says; `tax_shift` moves money from
    the tax to the amount."""
    unit_price = Decimal(price) if price else WORLD.prices[code]
    line = money.goods(unit_price, quantity, RATE, includes_tax=True)
    shift = Decimal(tax_shift)
    return BookingLineIn(
        item_code=code,
        quantity=quantity,
        unit_price=unit_price,
        amount=line.amount + shift,
        tax=line.tax - shift,
    )


def as_invoiced(invoice: InvoiceOut, *changed: BookingLineIn) -> list[BookingLineIn]:
    """The booking of exactly what `invoice` says, but for the lines of the models `changed`."""
    instead = {line.item_code: line for line in changed}
    return [
        instead.get(
            line.item_code,
            BookingLineIn(
                item_code=line.item_code,
                quantity=line.quantity,
                unit_price=line.unit_price,
                amount=line.amount,
                tax=line.tax,
            ),
        )
        for line in invoice.lines
        if line.source == "goods"
    ]


def book(steps: Steps, invoice: InvoiceOut, lines: list[BookingLineIn]) -> BookingOut:
    data = BookingCreate(reference=steps.number("BK"), booked_on=TODAY, lines=lines)
    with steps.db.write() as session:
        return booking.record_booking(
            session, steps.ctx("finance"), invoice_id=invoice.id, data=data
        )


def issued_invoice(steps: Steps) -> InvoiceOut:
    """The issued invoice of an order of A1 x10 and RSJ-60 x4, received in full."""
    return steps.issued_invoice(steps.receipted_order().id)


def over_invoiced_exception(steps: Steps) -> ExceptionOut:
    """R15: the customer booked 8 of the 10 A1 invoiced."""
    invoice = issued_invoice(steps)
    [exc] = book(steps, invoice, as_invoiced(invoice, booked(A1, 8))).exceptions
    return exc


def attach(steps: Steps, exc: ExceptionOut, *kinds: str) -> ExceptionOut:
    """Finance uploads and attaches one document of each evidence kind."""
    for kind in kinds:
        data = EvidenceIn.model_validate({"kind": kind, "attachment_id": steps.evidence()})
        with steps.db.write() as session:
            exc = exceptions.attach_evidence(
                session, steps.ctx("finance"), exception_id=exc.id, data=data
            )
    return exc


def confirm(steps: Steps, exc: ExceptionOut) -> ExceptionOut:
    with steps.db.write() as session:
        return exceptions.confirm(
            session, steps.ctx("finance"), exception_id=exc.id, data=ConfirmIn()
        )


def invoice(steps: Steps, invoice_id: int) -> InvoiceOut:
    with steps.db.read() as session:
        return get(session, steps.ctx("finance"), invoice_id=invoice_id)


def reissue_red(steps: Steps, form_id: int) -> InvoiceOut:
    """The reissue's red-letter form needs no confirmation (the buyer has not confirmed use of
    the original); finance issues the red invoice against it, which voids the original."""
    with steps.db.write() as session:
        red_letter.skip_confirmation(session, steps.ctx("finance"), form_id=form_id)
    data = InvoiceIssue(fapiao_no=steps.fapiao_no(), fapiao_date=TODAY)
    with steps.db.write() as session:
        return red_invoice.issue_red(session, steps.ctx("finance"), form_id=form_id, data=data)
