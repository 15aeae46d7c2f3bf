"""Record what the customer booked for an invoice; open one decided exception per discrepancy."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from rules.vocabularies.invoice_exception import AUTOMATIC
from service.context import Context
from service.errors import Conflict, Invalid
from service.invoices.exceptions.compare import Finding, Side, compare
from service.invoices.exceptions.guards import resolve_params
from service.invoices.exceptions.models import Booking, BookingLine, InvoiceException
from service.invoices.exceptions.queries import exception_out, ruleset
from service.invoices.exceptions.schemas import BookingCreate, BookingOut
from service.invoices.exceptions.usecases import decide, finish
from service.invoices.lines import ZERO
from service.invoices.models import Invoice
from service.invoices.queries import load as load_invoice
from service.rulesets.decisions import decision_record


def _invoice_sides(invoice: Invoice) -> list[Side]:
    sides: dict[str, Side] = {}
    for line in invoice.lines:
        side = sides.setdefault(line.item.code, Side(item_code=line.item.code))
        if line.source == "discount":
            side.discount -= line.amount + line.tax  # compared on its own, tax included
        else:
            side.add(line.quantity, line.unit_price, line.amount, line.tax, ZERO)
    return list(sides.values())


def _booked_sides(lines: list[BookingLine]) -> list[Side]:
    sides: dict[str, Side] = {}
    for line in lines:
        sides.setdefault(line.item_code, Side(item_code=line.item_code)).add(
            line.quantity, line.unit_price, line.amount, line.tax, line.discount
        )
    return list(sides.values())


def _exception(invoice: Invoice, booking: Booking, finding: Finding) -> InvoiceException:
    """The exception of one finding: both sides as booked, and their differences."""
    return InvoiceException(
        invoice_id=invoice.id,
        booking_id=booking.id,
        customer_id=invoice.customer_id,
        kind=finding.kind,
        item_code=finding.item_code,
        booked_item_code=finding.booked_item_code,
        invoiced_qty=finding.invoiced.quantity,
        booked_qty=finding.booked.quantity,
        invoiced_unit_price=finding.invoiced.unit_price,
        booked_unit_price=finding.booked.unit_price,
        quantity_difference=finding.quantity_difference,
        invoiced_amount=finding.invoiced.amount,
        booked_amount=finding.booked.amount,
        invoiced_tax=finding.invoiced.tax,
        booked_tax=finding.booked.tax,
        invoiced_discount=finding.invoiced.discount,
        booked_discount=finding.booked.discount,
        amount_difference=finding.amount_difference,
        tax_difference=finding.tax_difference,
        discount_difference=finding.discount_difference,
        total_difference=finding.total_difference,
        line_tax_difference=finding.line_tax_difference,
        invoice_tax_difference=finding.invoice_tax_difference,
        decision={},
    )


def book(
    session: Session, ctx: Context, *, invoice_id: int, data: BookingCreate, source: str = "api"
) -> tuple[Booking, list[InvoiceException]]:
    """Store what the customer booked; one decided exception per discrepancy.

    A decision that changes nothing and needs no evidence (a rounding difference within the
    tolerance) resolves its exception at once; the invoice is disputed only while some exception
    stays open.
    """
    invoice = load_invoice(session, invoice_id)
    if invoice.kind != "blue" or not ctx.workflows.flow(Invoice).allows(invoice.state, "dispute"):
        raise Conflict(
            "booking.invoice_not_bookable",
            field="invoice_id",
            invoice_no=invoice.invoice_no,
            kind=invoice.kind,
            state=invoice.state,
        )
    if data.booked_on > ctx.today:
        raise Invalid("booking.date_in_future", field="booked_on", booked_on=data.booked_on)
    # The day the customer booked it is the business date of the steps it fires.
    ctx = ctx.carried(session, data.booked_on, field="booked_on")
    if session.scalar(select(Booking.id).where(Booking.invoice_id == invoice.id)):
        raise Conflict(
            "booking.already_recorded", field="invoice_id", invoice_no=invoice.invoice_no
        )
    booking = Booking(
        invoice_id=invoice.id,
        reference=data.reference,
        booked_on=data.booked_on,
        source=source,
        recorded_by=ctx.actor.username,
        lines=[BookingLine(**line.model_dump()) for line in data.lines],
    )
    session.add(booking)
    session.flush()
    rules = ruleset(ctx)
    found = []
    for finding in compare(_invoice_sides(invoice), _booked_sides(booking.lines)):
        exc = _exception(invoice, booking, finding)
        decision = decide(exc, invoice.customer, rules)
        ctx.create(
            session,
            exc,
            payload={"invoice_id": invoice.id, "kind": exc.kind},
            decisions=[decision_record(decision)],
            how="raise",
        )
        params = resolve_params(exc.decision) or {}
        if params.get("resolution") in AUTOMATIC and not params.get("evidence"):
            ctx.fire(session, exc, "accept_as_decided", decisions=[decision_record(decision)])
            finish(session, ctx, exc, str(params["resolution"]), confirmed=False)
        found.append(exc)
    still_open = [
        e.id for e in found if ctx.workflows.flow(InvoiceException).has_tag(e.state, "open")
    ]
    if still_open:
        ctx.fire(
            session,
            invoice,
            "dispute",
            payload={"booking": data.reference, "exceptions": still_open},
        )
    return booking, found


def record_booking(
    session: Session, ctx: Context, *, invoice_id: int, data: BookingCreate
) -> BookingOut:
    """What the customer booked, with the exceptions found (open ones in finance's queue)."""
    booking, found = book(session, ctx, invoice_id=invoice_id, data=data)
    session.flush()
    return BookingOut(
        booking_id=booking.id,
        invoice_id=invoice_id,
        reference=booking.reference,
        exceptions=[exception_out(exc, ctx) for exc in found],
    )
