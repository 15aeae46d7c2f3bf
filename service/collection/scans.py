"""R30's three conditions, each found by one set-based query over the stored receivables.

- past due (超账期): per customer, the invoices still outstanding whose stored due date has
  passed, added up, with the oldest due date;
- over the credit limit (超限额): the customers whose stored balance (`ar_balances`: what their
  invoices still hold less the unapplied credit) exceeds their limit;
- older than allowed (超账龄): per customer, the invoices still outstanding received (the payment
  term's start, R19) longer ago than the customer's grade allows (setting
  `collection_allowed_age_days`).

Past due and older than allowed are read in one pass over the open invoices (`outstanding <>
0`, the partial index `ix_invoices_open`); no ORM object is built per invoice; each query returns
one row per customer concerned.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import Select, case, func, literal, or_, select
from sqlalchemy.orm import Session

from service.db import Money
from service.invoices.models import Invoice
from service.ledger import Balance
from service.masterdata.models import Customer

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class Found:
    """One customer in one condition: the amount concerned and how many days past due (or past
    the allowed age) its oldest item is; 0 for over the limit."""

    condition: str
    customer_id: int
    amount: Decimal
    days: int


def open_items_query(
    today: date, allowed: Mapping[str, int]
) -> Select[int, str, Decimal, date | None, Decimal, date | None]:
    """Past due and older than allowed in one pass over the open invoices that may be either
    (due before today, or received before the latest cutoff any grade has): per customer, the
    amounts and the oldest date of each."""
    smallest = min(allowed.values())
    cutoff = case(
        *(
            (Customer.grade == grade, literal(today - timedelta(days=days)))
            for grade, days in sorted(allowed.items())
        ),
        else_=literal(today - timedelta(days=smallest)),
    )
    past_due = Invoice.due_date < today
    too_old = Invoice.term_start < cutoff
    return (
        select(
            Invoice.customer_id,
            Customer.grade,
            func.sum(case((past_due, Invoice.outstanding), else_=0), type_=Money),
            func.min(case((past_due, Invoice.due_date), else_=None)),
            func.sum(case((too_old, Invoice.outstanding), else_=0), type_=Money),
            func.min(case((too_old, Invoice.term_start), else_=None)),
        )
        .join(Customer, Customer.id == Invoice.customer_id)
        .where(
            Invoice.outstanding != 0,
            or_(past_due, Invoice.term_start < today - timedelta(days=smallest)),
        )
        .group_by(Invoice.customer_id, Customer.grade)
    )


def over_limit_query() -> Select[int, Decimal]:
    over = Balance.outstanding - Balance.unapplied - Customer.credit_limit
    return (
        select(Balance.customer_id, over)
        .join(Customer, Customer.id == Balance.customer_id)
        .where(over > 0)
    )


def scan(session: Session, today: date, allowed: Mapping[str, int]) -> list[Found]:
    """Every customer in every condition as of `today` (two queries)."""
    smallest = min(allowed.values())
    found: list[Found] = []
    rows = session.execute(open_items_query(today, allowed))
    for customer, grade, due_amount, oldest_due, old_amount, oldest_received in rows:
        if oldest_due is not None and due_amount > 0:
            found.append(Found("overdue", customer, Decimal(due_amount), (today - oldest_due).days))
        if oldest_received is not None and old_amount > 0:
            days = (today - oldest_received).days - allowed.get(grade, smallest)
            found.append(Found("over_age", customer, Decimal(old_amount), days))
    found += [
        Found("over_limit", customer, Decimal(over), 0)
        for customer, over in session.execute(over_limit_query())
    ]
    return found
