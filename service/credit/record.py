"""A customer's payment record (R32), computed set-based from what is stored.

The record is a dict of named figures per customer. Each figure group is one function of
(session, today, customer ids or None for all) answering {customer id: {figure: value}} with one
aggregate query, whatever the number of invoices; `FIGURES` lists them, with each figure's value
for a customer the query did not find. The figures are:

- `invoices_paid`: blue invoices fully paid (outstanding 0) whose last payment, deduction or credit
  (`ar_allocations` through their ledger entries' business dates) fell in the last `LOOKBACK_DAYS`;
- `invoices_paid_late`: those of them paid after their due date;
- `average_days_late`: days paid after the due date (0 when on time), on average over them, to
  one decimal;
- `amount_overdue`, `invoices_overdue`: the stored outstanding amounts with a due date before
  today, and how many invoices hold them;
- `broken_promises`: promises to pay made in the last year that the collection job judged broken
  (the collection feature's query).

To add a figure: write its aggregate in that
feature's `queries` as a function of the same shape, add it to `FIGURES` with its default, and
add a variable of the same name to the `credit_review` vocabulary
(`rules/vocabularies/credit_review.py`); the API, the page and the rules then show and read it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import Date, case, func, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import Integer

from service.collection.queries import broken_promises
from service.db import Money
from service.invoices.models import Invoice
from service.ledger import Allocation, LedgerEntry

ZERO = Decimal("0.00")
# How far back the paid invoices of a record go.
LOOKBACK_DAYS = 365

Figures = dict[str, Any]
FigureQuery = Callable[[Session, date, Sequence[int] | None], dict[int, Figures]]


class _DaysBetween(FunctionElement[int]):
    """Whole days from the second date to the first, the same on both databases."""

    type = Integer()
    inherit_cache = True


@compiles(_DaysBetween, "sqlite")
def _days_sqlite(element: _DaysBetween, compiler: SQLCompiler, **kw: Any) -> str:
    later, earlier = list(element.clauses)
    return (
        f"CAST(julianday({compiler.process(later, **kw)}) - "
        f"julianday({compiler.process(earlier, **kw)}) AS INTEGER)"
    )


@compiles(_DaysBetween, "postgresql")
def _days_postgresql(element: _DaysBetween, compiler: SQLCompiler, **kw: Any) -> str:
    later, earlier = list(element.clauses)
    return f"({compiler.process(later, **kw)} - {compiler.process(earlier, **kw)})"


def days_between(later: Any, earlier: Any) -> _DaysBetween:
    return _DaysBetween(later, earlier)


def _for(column: Any, ids: Sequence[int] | None) -> list[Any]:
    return [] if ids is None else [column.in_(ids)]


def payments(session: Session, today: date, ids: Sequence[int] | None) -> dict[int, Figures]:
    """Invoices paid in the look-back, how many late, and the average days late."""
    paid = (
        select(
            Allocation.invoice_id,
            func.max(LedgerEntry.business_date, type_=Date).label("paid_on"),
        )
        .join(LedgerEntry, LedgerEntry.id == Allocation.entry_id)
        .where(Allocation.amount > 0, *_for(Allocation.customer_id, ids))
        .group_by(Allocation.invoice_id)
        .subquery()
    )
    paid_on = paid.c.paid_on
    late = case((paid_on > Invoice.due_date, days_between(paid_on, Invoice.due_date)), else_=0)
    rows = session.execute(
        select(
            Invoice.customer_id,
            func.count(),
            func.sum(case((paid_on > Invoice.due_date, 1), else_=0)),
            func.sum(late),
        )
        .join(paid, paid.c.invoice_id == Invoice.id)
        .where(
            Invoice.kind == "blue",
            Invoice.outstanding == 0,
            Invoice.due_date.is_not(None),
            paid.c.paid_on >= today - timedelta(days=LOOKBACK_DAYS),
            *_for(Invoice.customer_id, ids),
        )
        .group_by(Invoice.customer_id)
    ).all()
    return {
        customer_id: {
            "invoices_paid": int(count),
            "invoices_paid_late": int(late_count or 0),
            "average_days_late": (Decimal(int(days or 0)) / count).quantize(
                Decimal("0.1"), ROUND_HALF_UP
            ),
        }
        for customer_id, count, late_count, days in rows
    }


def overdue(session: Session, today: date, ids: Sequence[int] | None) -> dict[int, Figures]:
    """The stored outstanding amounts past their due date, and the invoices holding them."""
    rows = session.execute(
        select(Invoice.customer_id, func.sum(Invoice.outstanding, type_=Money), func.count())
        .where(
            Invoice.outstanding != 0,
            Invoice.due_date < today,
            *_for(Invoice.customer_id, ids),
        )
        .group_by(Invoice.customer_id)
    ).all()
    return {
        customer_id: {"amount_overdue": Decimal(amount), "invoices_overdue": int(count)}
        for customer_id, amount, count in rows
    }


@dataclass(frozen=True)
class FigureGroup:
    """One aggregate of the record and the values of a customer it does not find."""

    query: FigureQuery
    defaults: Mapping[str, Any]


FIGURES: tuple[FigureGroup, ...] = (
    FigureGroup(
        payments,
        {"invoices_paid": 0, "invoices_paid_late": 0, "average_days_late": Decimal("0.0")},
    ),
    FigureGroup(overdue, {"amount_overdue": ZERO, "invoices_overdue": 0}),
    FigureGroup(broken_promises, {"broken_promises": 0}),
)
NAMES: tuple[str, ...] = tuple(name for group in FIGURES for name in group.defaults)


def records(session: Session, today: date, ids: Sequence[int] | None = None) -> dict[int, Figures]:
    """The record of each customer asked for (None: every customer with a figure found; a
    customer asked for and found nowhere gets the defaults)."""
    found: dict[int, Figures] = {}
    for group in FIGURES:
        for customer_id, figures in group.query(session, today, ids).items():
            found.setdefault(customer_id, {}).update(figures)
    wanted = set(found) if ids is None else set(ids)
    defaults = {name: value for group in FIGURES for name, value in group.defaults.items()}
    return {customer_id: defaults | found.get(customer_id, {}) for customer_id in wanted}
