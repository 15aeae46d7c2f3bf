"""A customer's payment history as the collection rules read it: how late it paid over the last
year on average, the promises it broke, whether a promise is still running. One aggregate query
each over the customers concerned."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import ColumnElement, bindparam, case, func, select
from sqlalchemy.orm import Session

from service.collection.models import PromiseToPay
from service.invoices.models import Invoice
from service.ledger import Allocation, LedgerEntry

YEAR = timedelta(days=365)


@dataclass(frozen=True)
class History:
    average_days_late: int = 0
    broken_promises: int = 0
    promise_open: bool = False


def days_between(later: Any, earlier: Any, dialect: str) -> ColumnElement[Any]:
    """`later - earlier` in days, as each database computes it."""
    if dialect == "sqlite":
        return func.julianday(later) - func.julianday(earlier)
    return later - earlier  # type: ignore[no-any-return]


def histories(session: Session, ids: Sequence[int], today: date) -> dict[int, History]:
    """Per customer of `ids` with any history (the others have none)."""
    if not ids:
        return {}
    dialect = session.get_bind().dialect.name
    late = days_between(LedgerEntry.business_date, Invoice.due_date, dialect)
    average = session.execute(
        select(LedgerEntry.customer_id, func.avg(case((late > 0, late), else_=0)))
        .join(Allocation, Allocation.entry_id == LedgerEntry.id)
        .join(Invoice, Invoice.id == Allocation.invoice_id)
        .where(
            LedgerEntry.customer_id.in_(bindparam("ids", expanding=True)),
            LedgerEntry.kind == "payment",
            LedgerEntry.business_date >= today - YEAR,
            Invoice.due_date.is_not(None),
            Allocation.amount > 0,
        )
        .group_by(LedgerEntry.customer_id),
        {"ids": list(ids)},
    ).all()
    promises = session.execute(
        select(
            PromiseToPay.customer_id,
            func.sum(case((PromiseToPay.outcome == "broken", 1), else_=0)),
            func.sum(case((PromiseToPay.outcome == "open", 1), else_=0)),
        )
        .where(
            PromiseToPay.customer_id.in_(bindparam("ids", expanding=True)),
            PromiseToPay.made_on >= today - YEAR,
        )
        .group_by(PromiseToPay.customer_id),
        {"ids": list(ids)},
    ).all()
    found: dict[int, History] = {
        customer: History(average_days_late=int(days or 0)) for customer, days in average
    }
    for customer, broken, running in promises:
        before = found.get(customer, History())
        found[customer] = History(before.average_days_late, int(broken or 0), bool(running))
    return found
