"""R30's three conditions, each found by one set-based query over the stored receivables.

- past due (超账期): per customer, the invoices still outstanding whose stored due date has
  passed (the partial index `ix_invoices_open`), added up, with the oldest due date;
- over the credit limit (超限额): the customers whose stored balance (`ar_balances`: what their
  invoices still hold less the unapplied credit) exceeds their limit;
- older than allowed (超账龄): per customer, the invoices still outstanding received (the payment
  term's start, R19) longer ago than the customer's grade allows (setting
  `collection_allowed_age_days`).

No ORM object is built per invoice; each query returns one row per customer concerned.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import Select, and_, case, func, literal, select
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


def overdue_query(today: date) -> Select[int, Decimal, date | None]:
    return (
        select(
            Invoice.customer_id,
            func.sum(Invoice.outstanding, type_=Money),
            func.min(Invoice.due_date),
        )
        .where(Invoice.outstanding != 0, Invoice.due_date < today)
        .group_by(Invoice.customer_id)
    )


def over_limit_query() -> Select[int, Decimal]:
    over = Balance.outstanding - Balance.unapplied - Customer.credit_limit
    return (
        select(Balance.customer_id, over)
        .join(Customer, Customer.id == Balance.customer_id)
        .where(over > 0)
    )


def over_age_query(
    today: date, allowed: Mapping[str, int]
) -> Select[int, Decimal, date | None, str]:
    """Received before the day the customer's grade allows; a grade not listed gets the
    smallest age listed."""
    cutoff = case(
        *(
            (Customer.grade == grade, literal(today - timedelta(days=days)))
            for grade, days in sorted(allowed.items())
        ),
        else_=literal(today - timedelta(days=min(allowed.values()))),
    )
    return (
        select(
            Invoice.customer_id,
            func.sum(Invoice.outstanding, type_=Money),
            func.min(Invoice.term_start),
            Customer.grade,
        )
        .join(Customer, Customer.id == Invoice.customer_id)
        .where(and_(Invoice.outstanding != 0, Invoice.term_start < cutoff))
        .group_by(Invoice.customer_id, Customer.grade)
    )


def scan(session: Session, today: date, allowed: Mapping[str, int]) -> list[Found]:
    """Every customer in every condition as of `today` (three queries)."""
    found = [
        Found("overdue", customer, Decimal(amount), (today - oldest).days)
        for customer, amount, oldest in session.execute(overdue_query(today))
        if amount > 0 and oldest is not None
    ]
    found += [
        Found("over_limit", customer, Decimal(over), 0)
        for customer, over in session.execute(over_limit_query())
    ]
    smallest = min(allowed.values())
    found += [
        Found(
            "over_age",
            customer,
            Decimal(amount),
            (today - received).days - allowed.get(grade, smallest),
        )
        for customer, amount, received, grade in session.execute(over_age_query(today, allowed))
        if amount > 0 and received is not None
    ]
    return found
