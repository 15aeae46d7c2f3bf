"""The receivables ledger: what each customer owes, kept by the transactions that change it.

Every change of what a customer owes is posted once, in the caller's transaction, as one
append-only `ledger_entries` row (unique on its source, so a retried posting books nothing
twice) that updates, by the same amounts:

- the outstanding amount of the invoices it touches (`invoices.outstanding`, the invoice row's
  read model of what the customer still owes on it), with one `ar_allocations` row for each
  amount applied to an invoice (a payment, a deduction, a credit; negative when it is given
  back: a reversal, or the part of a red invoice its paid invoice no longer holds);
- the customer's stored balances (`ar_balances`): cumulative invoiced, red-invoiced, credited
  (returns credited by the customer's blue invoice, R24 b), paid and deducted, the sum of its
  invoices' outstanding, and the unapplied credit held for it.

The ledger identity, per customer and to the fen:

    invoiced - red_invoiced - credited - paid - deducted = outstanding - unapplied

Each entry carries its own part of it (`amount` = `outstanding_change` - `unapplied_change`), and
the database refuses a balance row that breaks it. Features decide the amounts (how much of a red
invoice its invoice still holds, which invoices a payment clears); this module only books them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    String,
    UniqueConstraint,
    bindparam,
    column,
    insert,
    select,
    table,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, Session, mapped_column

from service.db import Base, Money, UTCDateTime, table_of, utcnow

ZERO = Decimal("0.00")

# The balance column each kind of entry adds its amount to (+1) or takes it from (-1); a credit
# applied to invoices moves unapplied credit to them and changes no cumulative figure.
KINDS: Mapping[str, tuple[str | None, int]] = {
    "invoice": ("invoiced", 1),
    "red_invoice": ("red_invoiced", -1),
    "return_credit": ("credited", -1),
    "payment": ("paid", -1),
    "payment_reversal": ("paid", -1),
    "deduction": ("deducted", -1),
    "deduction_reversal": ("deducted", -1),
    "credit_application": (None, 0),
}
FIGURES = ("invoiced", "red_invoiced", "credited", "paid", "deducted")


class LedgerEntry(Base):
    """One posting: its source, its amount on the identity's left side (+ the customer owes
    more) and how it split between the invoices' outstanding and the unapplied credit."""

    __tablename__ = "ledger_entries"
    __table_args__ = (
        UniqueConstraint("source_type", "source_id", "kind", name="uq_ledger_entries_source"),
        CheckConstraint(
            "amount = outstanding_change - unapplied_change", name="ck_ledger_entries_identity"
        ),
        Index("ix_ledger_entries_customer", "customer_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    kind: Mapped[str] = mapped_column(String(24))
    invoice_id: Mapped[int | None] = mapped_column(ForeignKey("invoices.id"), index=True)
    source_type: Mapped[str] = mapped_column(String(32))
    source_id: Mapped[int]
    # The source document's number as people know it (invoice, return, payment number).
    reference: Mapped[str] = mapped_column(String(64))
    amount: Mapped[Decimal] = mapped_column(Money)
    outstanding_change: Mapped[Decimal] = mapped_column(Money)
    unapplied_change: Mapped[Decimal] = mapped_column(Money)
    business_date: Mapped[date] = mapped_column(Date)
    recorded_by: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Allocation(Base):
    """An amount an entry applied to one invoice: it lowers the invoice's outstanding (negative:
    raises it again)."""

    __tablename__ = "ar_allocations"

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("ledger_entries.id"), index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id"), index=True)
    amount: Mapped[Decimal] = mapped_column(Money)


class Balance(Base):
    """A customer's stored receivables; the row exists from its first entry."""

    __tablename__ = "ar_balances"
    __table_args__ = (
        CheckConstraint(
            "invoiced - red_invoiced - credited - paid - deducted = outstanding - unapplied",
            name="ck_ar_balances_identity",
        ),
        CheckConstraint("unapplied >= 0", name="ck_ar_balances_unapplied"),
        CheckConstraint("outstanding >= 0", name="ck_ar_balances_outstanding"),
    )

    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), primary_key=True)
    invoiced: Mapped[Decimal] = mapped_column(Money, default=ZERO)
    red_invoiced: Mapped[Decimal] = mapped_column(Money, default=ZERO)
    credited: Mapped[Decimal] = mapped_column(Money, default=ZERO)
    paid: Mapped[Decimal] = mapped_column(Money, default=ZERO)
    deducted: Mapped[Decimal] = mapped_column(Money, default=ZERO)
    outstanding: Mapped[Decimal] = mapped_column(Money, default=ZERO)
    unapplied: Mapped[Decimal] = mapped_column(Money, default=ZERO)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


@dataclass(frozen=True)
class Posting:
    """What to book. `charges`: invoice id -> change of that invoice's own debt (an issued
    invoice its total, a red invoice its negative total on the invoice it takes back from);
    `allocations`: invoice id -> amount applied to it (negative: given back)."""

    customer_id: int
    kind: str
    source_type: str
    source_id: int
    amount: Decimal
    day: date
    reference: str
    invoice_id: int | None = None
    charges: Mapping[int, Decimal] = field(default_factory=dict)
    allocations: Mapping[int, Decimal] = field(default_factory=dict)

    @property
    def outstanding_change(self) -> Decimal:
        return sum(self.charges.values(), ZERO) - sum(self.allocations.values(), ZERO)

    @property
    def unapplied_change(self) -> Decimal:
        return self.outstanding_change - self.amount


def issued(
    *, customer_id: int, invoice_id: int, invoice_no: str, total: Decimal, day: date
) -> Posting:
    """An issued blue invoice: from now on the customer owes its total."""
    return Posting(
        customer_id=customer_id,
        kind="invoice",
        source_type="invoice",
        source_id=invoice_id,
        amount=total,
        day=day,
        reference=invoice_no,
        invoice_id=invoice_id,
        charges={invoice_id: total},
    )


# The invoice row's read model, written by name: the ledger is plumbing and names no feature.
_INVOICES = table("invoices", column("id"), column("outstanding", Money), column("invoice_no"))
_OUTSTANDING = (
    update(_INVOICES)
    .where(_INVOICES.c.id == bindparam("invoice"))
    .values(outstanding=_INVOICES.c.outstanding + bindparam("change", type_=Money))
)


def _insert(session: Session, model: type[Base]) -> Any:
    """The dialect's INSERT, which knows ON CONFLICT."""
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    return dialect.insert(table_of(model))


@cache
def _entry_insert(dialect: str) -> Any:
    """The entry's INSERT, built once per dialect: nothing when its source was booked already
    (ON CONFLICT DO NOTHING), its id otherwise."""
    entries = table_of(LedgerEntry)
    insert_into = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return (
        insert_into(entries)
        .on_conflict_do_nothing(index_elements=["source_type", "source_id", "kind"])
        .returning(entries.c.id)
    )


def post(session: Session, posting: Posting, *, actor: str) -> int | None:
    """Book `posting` in the caller's transaction: the entry, its allocations, the invoices'
    outstanding and the customer's balances. None when its source was booked already."""
    column_name, sign = KINDS[posting.kind]
    if column_name is None and posting.amount != ZERO:
        raise ValueError(f"a {posting.kind} entry changes no cumulative figure")
    session.flush()
    connection = session.connection()
    outstanding_change = posting.outstanding_change
    entry_id = connection.execute(
        _entry_insert(connection.dialect.name),
        {
            "customer_id": posting.customer_id,
            "kind": posting.kind,
            "invoice_id": posting.invoice_id,
            "source_type": posting.source_type,
            "source_id": posting.source_id,
            "reference": posting.reference,
            "amount": posting.amount,
            "outstanding_change": outstanding_change,
            "unapplied_change": outstanding_change - posting.amount,
            "business_date": posting.day,
            "recorded_by": actor,
            "recorded_at": utcnow(),
        },
    ).scalar()
    if entry_id is None:
        return None
    allocated = [(i, a) for i, a in posting.allocations.items() if a != ZERO]
    if allocated:
        connection.execute(
            insert(table_of(Allocation)),
            [
                {
                    "entry_id": entry_id,
                    "customer_id": posting.customer_id,
                    "invoice_id": invoice_id,
                    "amount": amount,
                }
                for invoice_id, amount in allocated
            ],
        )
    changes: dict[int, Decimal] = dict(posting.charges)
    for invoice_id, amount in allocated:
        changes[invoice_id] = changes.get(invoice_id, ZERO) - amount
    changed = sorted((i, c) for i, c in changes.items() if c != ZERO)
    if changed:
        connection.execute(_OUTSTANDING, [{"invoice": i, "change": c} for i, c in changed])
        _expire_outstanding(session, {i for i, _ in changed})
    deltas = dict.fromkeys(FIGURES, ZERO)
    if column_name is not None:
        deltas[column_name] = sign * posting.amount
    deltas["outstanding"] = outstanding_change
    deltas["unapplied"] = outstanding_change - posting.amount
    _add_to_balance(session, posting.customer_id, deltas)
    return int(entry_id)


def post_issued(session: Session, postings: Sequence[Posting], *, actor: str) -> None:
    """Book many issued invoices at once (imports): their entries by one INSERT (executemany),
    their outstanding by one UPDATE, each customer's balances once. An entry booked already
    raises IntegrityError (the unique key on its source): the caller books one by one then."""
    if not postings:
        return
    assert all(p.kind == "invoice" and not p.allocations for p in postings)
    session.flush()
    connection, now = session.connection(), utcnow()
    connection.execute(
        insert(table_of(LedgerEntry)),
        [
            {
                "customer_id": p.customer_id,
                "kind": p.kind,
                "invoice_id": p.invoice_id,
                "source_type": p.source_type,
                "source_id": p.source_id,
                "reference": p.reference,
                "amount": p.amount,
                "outstanding_change": p.amount,
                "unapplied_change": ZERO,
                "business_date": p.day,
                "recorded_by": actor,
                "recorded_at": now,
            }
            for p in postings
        ],
    )
    changes = sorted((i, c) for p in postings for i, c in p.charges.items() if c != ZERO)
    if changes:
        connection.execute(_OUTSTANDING, [{"invoice": i, "change": c} for i, c in changes])
        _expire_outstanding(session, {i for i, _ in changes})
    owed: dict[int, Decimal] = {}
    for p in postings:
        owed[p.customer_id] = owed.get(p.customer_id, ZERO) + p.amount
    for customer_id, amount in sorted(owed.items()):
        deltas = dict.fromkeys(FIGURES, ZERO) | {"invoiced": amount, "outstanding": amount}
        _add_to_balance(session, customer_id, deltas)


HELD = ("outstanding", "unapplied")
_BALANCES = table_of(Balance)
# Built once: every posting adds its deltas to every figure (most of them 0).
_ADD_TO_BALANCE = (
    update(_BALANCES)
    .where(_BALANCES.c.customer_id == bindparam("customer"))
    .values(
        **{
            name: _BALANCES.c[name] + bindparam(f"d_{name}", type_=Money)
            for name in (*FIGURES, *HELD)
        },
        updated_at=bindparam("at"),
    )
)


def _add_to_balance(session: Session, customer_id: int, deltas: Mapping[str, Decimal]) -> None:
    """Added to atomically by one UPDATE (the row held until the commit, so concurrent postings
    for one customer queue); the customer's first entry makes the row, all zeros, first. Not
    an upsert: the database checks the identity on the row an INSERT proposes, before it sees
    the conflict."""
    values: dict[str, Any] = {f"d_{name}": deltas.get(name, ZERO) for name in (*FIGURES, *HELD)}
    values.update(customer=customer_id, at=utcnow())
    connection = session.connection()
    if connection.execute(_ADD_TO_BALANCE, values).rowcount == 0:
        zeros = dict.fromkeys((*FIGURES, *HELD), ZERO)
        connection.execute(
            _insert(session, Balance)
            .values(customer_id=customer_id, updated_at=utcnow(), **zeros)
            .on_conflict_do_nothing(index_elements=["customer_id"])
        )
        connection.execute(_ADD_TO_BALANCE, values)
    held = session.identity_map.get(session.identity_key(Balance, customer_id))
    if held is not None:
        session.expire(held)


def _expire_outstanding(session: Session, invoice_ids: set[int]) -> None:
    """Invoices this session holds show their new outstanding when next read."""
    for held in list(session.identity_map.values()):
        table_name = getattr(type(held), "__tablename__", None)
        if table_name == "invoices" and getattr(held, "id", None) in invoice_ids:
            session.expire(held, ["outstanding"])


def balance(session: Session, customer_id: int, *, for_update: bool = False) -> Balance:
    """The customer's balances (zeros before its first entry); `for_update` holds the row, so
    unapplied credit is spent once (on PostgreSQL; SQLite writers are serialised anyway)."""
    stmt = select(Balance).where(Balance.customer_id == customer_id)
    if for_update:
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    found = session.scalar(stmt)
    if found is not None:
        return found
    zeros = dict.fromkeys((*FIGURES, "outstanding", "unapplied"), ZERO)
    return Balance(customer_id=customer_id, **zeros)


def entries_of(session: Session, source_type: str, source_id: int) -> list[LedgerEntry]:
    """What a source document booked, oldest first."""
    return list(
        session.scalars(
            select(LedgerEntry)
            .where(LedgerEntry.source_type == source_type, LedgerEntry.source_id == source_id)
            .order_by(LedgerEntry.id)
        )
    )


@dataclass(frozen=True)
class Applied:
    """An amount an entry applied to an invoice, as documents show it."""

    entry_id: int
    invoice_id: int
    invoice_no: str
    kind: str
    reference: str
    amount: Decimal
    day: date


def applied(session: Session, *where: Any) -> list[Applied]:
    """The allocations matching `where` (on Allocation and LedgerEntry), oldest first."""
    rows = session.execute(
        select(
            Allocation.entry_id,
            Allocation.invoice_id,
            _INVOICES.c.invoice_no,
            LedgerEntry.kind,
            LedgerEntry.reference,
            Allocation.amount,
            LedgerEntry.business_date,
        )
        .join(LedgerEntry, LedgerEntry.id == Allocation.entry_id)
        .join(_INVOICES, _INVOICES.c.id == Allocation.invoice_id)
        .where(*where)
        .order_by(Allocation.id)
    )
    return [Applied(*row) for row in rows]
