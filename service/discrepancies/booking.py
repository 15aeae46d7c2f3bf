"""Record what the customer booked for an invoice; open one decided exception per discrepancy."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from service import journal
from service.auth.tokens import Actor
from service.discrepancies.compare import Side, compare
from service.discrepancies.models import Booking, BookingLine, InvoiceException
from service.discrepancies.schemas import BookingCreate
from service.discrepancies.usecases import MACHINE, RulesFor, decide
from service.errors import Conflict, Invalid
from service.invoices import usecases as invoices
from service.invoices.lines import ZERO
from service.invoices.models import Invoice
from service.workflow import Workflows


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


def record_booking(
    session: Session,
    *,
    actor: Actor,
    workflows: Workflows,
    invoice_id: int,
    data: BookingCreate,
    rules_for: RulesFor,
    today: date,
) -> tuple[Booking, list[InvoiceException]]:
    """Store what the customer booked; open one decided exception per discrepancy."""
    invoice = invoices.load(session, invoice_id)
    if invoice.kind != "blue" or invoice.state not in {"issued", "sent", "signed"}:
        raise Conflict(
            f"invoice {invoice.invoice_no} is {invoice.kind} and {invoice.state}; bookings are "
            "recorded against issued blue invoices",
            field="invoice_id",
        )
    if data.booked_on > today:
        raise Invalid(f"booking date {data.booked_on} is in the future", field="booked_on")
    if session.scalar(select(Booking.id).where(Booking.invoice_id == invoice.id)):
        raise Conflict(
            f"a booking is already recorded for invoice {invoice.invoice_no}", field="invoice_id"
        )
    booking = Booking(
        invoice_id=invoice.id,
        reference=data.reference,
        booked_on=data.booked_on,
        source="api",
        recorded_by=actor.username,
        lines=[BookingLine(**line.model_dump()) for line in data.lines],
    )
    session.add(booking)
    session.flush()
    findings = compare(_invoice_sides(invoice), _booked_sides(booking.lines))
    ruleset = rules_for(today)
    opened = []
    for finding in findings:
        exc = InvoiceException(
            invoice_id=invoice.id,
            booking_id=booking.id,
            customer_id=invoice.customer_id,
            kind=finding.kind,
            item_code=finding.item_code,
            booked_item_code=finding.booked_item_code,
            invoiced_qty=finding.invoiced_qty,
            booked_qty=finding.booked_qty,
            invoiced_unit_price=finding.invoiced_unit_price,
            booked_unit_price=finding.booked_unit_price,
            quantity_difference=finding.quantity_difference,
            amount_difference=finding.amount_difference,
            line_tax_difference=finding.line_tax_difference,
            invoice_tax_difference=finding.invoice_tax_difference,
            discount_difference=finding.discount_difference,
            state="open",
            decision={},
        )
        session.add(exc)
        session.flush()
        decision = decide(exc, invoice.customer, ruleset)
        journal.append(
            session,
            entity_type=MACHINE,
            entity_id=exc.id,
            trigger="raise",
            from_state=None,
            to_state="open",
            actor=actor.username,
            payload={"invoice_id": invoice.id, "kind": exc.kind},
            decisions=[decision.to_dict()],
        )
        opened.append(exc)
    if opened:
        workflows.fire(
            session,
            invoices.MACHINE,
            invoice,
            "dispute",
            actor=actor,
            payload={"booking": data.reference, "exceptions": [e.id for e in opened]},
        )
    return booking, opened
