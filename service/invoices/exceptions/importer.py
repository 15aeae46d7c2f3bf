"""Record customers' bookings from a CSV file: `o2c import bookings FILE.csv --user U`.

One row per booked item (the customer's statement or portal export), UTF-8 with a header:

    fapiao_no,reference,booked_on,item_code,quantity,unit_price,amount,tax,discount
    26440000000000000002,HDQ-BK-3301,2026-11-22,XQG100-B,9,2899.00,23089.38,3001.62,782.73

fapiao_no names the issued invoice; reference is the customer's booking or voucher number;
amount is without tax; tax and discount (tax included, may be left empty for none) as booked.
Rows with the same fapiao_no and reference are one booking, recorded through the same use case
as `POST /invoices/{id}/booking`: each discrepancy opens an invoice exception decided by the
rules. A booking is atomic: one bad row and none of it is recorded, each bad row reported by its
line. A rerun records nothing twice: a booking already recorded under that reference is skipped.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path

from pydantic import ValidationError
from sqlalchemy import select

from service.auth.models import User
from service.auth.tokens import Actor
from service.csvfile import CsvRow, read_rows
from service.db import Database
from service.errors import DomainError, Forbidden, NotFound
from service.invoices.exceptions.booking import book
from service.invoices.exceptions.models import Booking
from service.invoices.exceptions.schemas import BookingCreate
from service.invoices.models import Invoice
from service.runtime import Runtime

COLUMNS = (
    "fapiao_no",
    "reference",
    "booked_on",
    "item_code",
    "quantity",
    "unit_price",
    "amount",
    "tax",
    "discount",
)
OPTIONAL = frozenset({"discount"})
ROLES = frozenset({"finance", "sales"})


@dataclass
class BookingReport:
    recorded: int = 0
    already: int = 0
    refused: int = 0
    exceptions: int = 0
    problems: list[str] = field(default_factory=list)


@dataclass
class _Booking:
    fapiao_no: str
    reference: str
    rows: list[CsvRow] = field(default_factory=list)


def _actor(db: Database, username: str) -> Actor:
    with db.read() as session:
        user = session.scalar(select(User).where(User.username == username))
    if user is None or not user.active:
        raise NotFound("booking.import_user_unknown", field="--user", username=username)
    if not ROLES.intersection(user.roles):
        raise Forbidden(
            "booking.import_role_required",
            field="--user",
            username=username,
            required_roles=sorted(ROLES),
        )
    return Actor(user_id=user.id, username=user.username, roles=frozenset(user.roles))


def _check(row: CsvRow) -> None:
    values = row.values
    if values["booked_on"]:
        try:
            date.fromisoformat(values["booked_on"])
        except ValueError:
            row.problems.append(f"booked_on: {values['booked_on']!r} is not a YYYY-MM-DD date")
    for name in ("unit_price", "amount", "tax", "discount"):
        try:
            Decimal(values[name] or "0")
        except InvalidOperation:
            row.problems.append(f"{name}: {values[name]!r} is not an amount")
    if values["quantity"] and not values["quantity"].isdigit():
        row.problems.append(f"quantity: {values['quantity']!r} is not a whole number")


def _body(booking: _Booking) -> BookingCreate:
    first = booking.rows[0].values
    return BookingCreate(
        reference=booking.reference,
        booked_on=date.fromisoformat(first["booked_on"]),
        lines=[
            {
                "item_code": r.values["item_code"],
                "quantity": int(r.values["quantity"]),
                "unit_price": r.values["unit_price"],
                "amount": r.values["amount"],
                "tax": r.values["tax"],
                "discount": r.values["discount"] or "0.00",
            }
            for r in booking.rows
        ],
    )


def import_bookings(runtime: Runtime, *, path: Path, username: str) -> BookingReport:
    """Record each booking of the file in its own transaction; report bad rows by line."""
    db = runtime.db
    ctx = runtime.for_actor(_actor(db, username))
    bookings: dict[tuple[str, str], _Booking] = {}
    for row in read_rows(path, COLUMNS, OPTIONAL):
        _check(row)
        key = (row.values["fapiao_no"], row.values["reference"])
        bookings.setdefault(key, _Booking(*key)).rows.append(row)
    report = BookingReport()
    for booking in bookings.values():
        lines = ", ".join(str(r.line) for r in booking.rows)
        bad = [f"line {r.line}: {p}" for r in booking.rows for p in r.problems]
        dates = {r.values["booked_on"] for r in booking.rows}
        if len(dates) > 1:
            bad.append(f"lines {lines}: one booking, different booked_on dates")
        if bad:
            report.refused += 1
            report.problems += bad
            continue
        try:
            with db.write() as session:
                invoice = session.scalar(
                    select(Invoice).where(Invoice.fapiao_no == booking.fapiao_no)
                )
                if invoice is None:
                    raise NotFound(
                        "booking.no_invoice_for_fapiao",
                        field="fapiao_no",
                        fapiao_no=booking.fapiao_no,
                    )
                existing = session.scalar(select(Booking).where(Booking.invoice_id == invoice.id))
                if existing is not None and existing.reference == booking.reference:
                    report.already += 1
                    continue
                _, opened = book(
                    session, ctx, invoice_id=invoice.id, data=_body(booking), source="csv"
                )
            report.recorded += 1
            report.exceptions += len(opened)
        except (DomainError, ValidationError) as exc:
            report.refused += 1
            reason = exc.detail if isinstance(exc, DomainError) else str(exc.errors()[0]["msg"])
            report.problems.append(f"lines {lines} (fapiao {booking.fapiao_no}): {reason}")
    return report
