"""Taking back what a payment or deduction applied: its reversal.

Each invoice it paid gets back what it applied there, as far as that invoice still holds money
applied to it (a red invoice since may have turned part of it into unapplied credit); the rest
of the money comes back out of the customer's unapplied credit, and what of that credit was
applied to invoices since is taken back from the invoices paid last (the latest application
first, then the highest invoice number), which reopen too. One
reversal entry per source, so a retried reversal books nothing twice.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from service import ledger
from service.context import Context
from service.db import Money
from service.invoices.models import Invoice
from service.ledger import Allocation, LedgerEntry

ZERO = Decimal("0.00")


def _applied_on(session: Session, where: object) -> dict[int, Decimal]:
    rows = session.execute(
        select(Allocation.invoice_id, func.sum(Allocation.amount, type_=Money))
        .join(LedgerEntry, LedgerEntry.id == Allocation.entry_id)
        .where(where)  # type: ignore[arg-type]
        .group_by(Allocation.invoice_id)
    )
    return {invoice_id: Decimal(amount) for invoice_id, amount in rows}


def _latest_paid(
    session: Session, customer_id: int, short: Decimal, given: Mapping[int, Decimal]
) -> dict[int, Decimal]:
    """`short` taken back from the customer's invoices holding money applied to them, beyond
    what `given` already takes back from them: those paid last first, that is the invoice of the
    latest entry that applied money to it first, and of one entry's invoices (one application of
    credit to several) the highest invoice number first."""
    last = func.max(case((Allocation.amount > 0, Allocation.entry_id), else_=0))
    rows = session.execute(
        select(Allocation.invoice_id, func.sum(Allocation.amount, type_=Money))
        .join(Invoice, Invoice.id == Allocation.invoice_id)
        .where(Allocation.customer_id == customer_id)
        .group_by(Allocation.invoice_id, Invoice.invoice_no)
        .order_by(last.desc(), Invoice.invoice_no.desc())
    )
    taken: dict[int, Decimal] = {}
    for invoice_id, held in rows:
        room = Decimal(held) - given.get(invoice_id, ZERO)
        share = min(room, short)
        if share > ZERO:
            taken[invoice_id] = share
            short -= share
        if short <= ZERO:
            break
    return taken


def take_back(
    session: Session,
    ctx: Context,
    *,
    customer_id: int,
    source_type: str,
    source_id: int,
    kind: str,
    amount: Decimal,
    reference: str,
    day: date,
) -> set[int]:
    """Post the reversal of what the source applied; the invoices it reopened."""
    applied = _applied_on(
        session, and_(LedgerEntry.source_type == source_type, LedgerEntry.source_id == source_id)
    )
    # Its invoices are held before the balance row, in the order every posting takes them.
    session.execute(
        select(Invoice.id).where(Invoice.id.in_(applied)).order_by(Invoice.id).with_for_update()
    ).all()
    # What each invoice holds applied to it, from every source: never give back more.
    holding = _applied_on(session, Allocation.invoice_id.in_(applied))
    given = {
        invoice_id: min(share, holding.get(invoice_id, ZERO))
        for invoice_id, share in applied.items()
        if share > ZERO
    }
    balance = ledger.balance(session, customer_id, for_update=True)
    to_credit = amount - sum(given.values(), ZERO)
    reclaimed = _latest_paid(session, customer_id, to_credit - balance.unapplied, given)
    back = dict(given)
    for invoice_id, share in reclaimed.items():
        back[invoice_id] = back.get(invoice_id, ZERO) + share
    ledger.post(
        session,
        ledger.Posting(
            customer_id=customer_id,
            kind=kind,
            source_type=source_type,
            source_id=source_id,
            amount=amount,
            day=day,
            reference=reference,
            allocations={invoice_id: -share for invoice_id, share in back.items()},
        ),
        actor=ctx.actor.username,
    )
    return set(back)
