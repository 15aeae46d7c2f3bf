"""R30's three conditions, each found by one set-based query over the stored receivables.

- past due (超账期): per customer, the invoices still outstanding whose stored due date has
  passed, added up, with the oldest due date;
- over the credit limit (超限额): the customers whose stored balance (`ar_balances`: what their
  invoices still hold less the unapplied credit) exceeds their limit;
- older than allowed (超账龄): per customer, the invoices still outstanding received (the payment
  term's start, R19) longer ago than the customer's grade allows (setting
  `collection_allowed_age_days`).

Past due reads the open invoices (`outstanding <> 0`) by the partial index `ix_invoices_open`
(customer, due date) and older than allowed by its sibling `ix_invoices_open_received` (customer,
term start): each only the rows of its condition, in customer order, the way the bare query of
the past-due items reads them; no ORM object is built per invoice; each query returns one row per
customer concerned.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import Integer, Select, bindparam, case, func, literal, select
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


def past_due_query(today: date) -> Select[int, Decimal, date | None]:
    """Per customer, what its open invoices past their due date still hold, and the oldest due
    date."""
    return (
        select(
            Invoice.customer_id,
            func.sum(Invoice.outstanding, type_=Money),
            func.min(Invoice.due_date),
        )
        .where(Invoice.outstanding != 0, Invoice.due_date < today)
        .group_by(Invoice.customer_id)
    )


def over_age_query(
    today: date, allowed: Mapping[str, int]
) -> Select[int, str, Decimal, date | None]:
    """Per customer, what its open invoices received longer ago than its grade allows still
    hold, and the oldest receipt; the range read is the latest cutoff any grade has."""
    smallest = min(allowed.values())
    cutoff = case(
        *(
            (Customer.grade == grade, literal(today - timedelta(days=days)))
            for grade, days in sorted(allowed.items())
        ),
        else_=literal(today - timedelta(days=smallest)),
    )
    return (
        select(
            Invoice.customer_id,
            Customer.grade,
            func.sum(Invoice.outstanding, type_=Money),
            func.min(Invoice.term_start),
        )
        .join(Customer, Customer.id == Invoice.customer_id)
        .where(
            Invoice.outstanding != 0,
            Invoice.term_start < today - timedelta(days=smallest),
            Invoice.term_start < cutoff,
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


def scan(
    session: Session,
    today: date,
    allowed: Mapping[str, int],
    customers: Collection[int] | None = None,
) -> list[Found]:
    """Every customer (or every one of `customers`) in every condition as of `today` (three
    queries)."""
    smallest = min(allowed.values())
    past, old, limits = past_due_query(today), over_age_query(today, allowed), over_limit_query()
    params: dict[str, list[int]] = {}
    if customers is not None:
        if not customers:
            return []
        ids = bindparam("ids", type_=Integer, expanding=True)
        past = past.where(Invoice.customer_id.in_(ids))
        old = old.where(Invoice.customer_id.in_(ids))
        limits = limits.where(Balance.customer_id.in_(ids))
        params = {"ids": sorted(customers)}
    found = [
        Found("overdue", customer, Decimal(amount), (today - oldest).days)
        for customer, amount, oldest in session.execute(past, params)
        if oldest is not None and amount > 0
    ]
    for customer, grade, amount, oldest in session.execute(old, params):
        if oldest is not None and amount > 0:
            days = (today - oldest).days - allowed.get(grade, smallest)
            found.append(Found("over_age", customer, Decimal(amount), days))
    found += [
        Found("over_limit", customer, Decimal(over), 0)
        for customer, over in session.execute(limits, params)
    ]
    return found
