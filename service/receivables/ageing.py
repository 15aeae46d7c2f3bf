"""The receivables ageing (R30): what each customer owes, in buckets of days, as of a business date.

By due date (`due`) an invoice is in the bucket of its days past due on the day (`not_due` up to
0: due today is not yet overdue, then 1-30, 31-60, ... as the `ageing_buckets` setting says); by
receipt date (`receipt`) in that of the days since the customer received the goods (its term's
start, R19: 0-30, 31-60, ...). An invoice whose date is not known, a due date that waits for the
working-day calendar, is in a bucket of its own (`no_due_date`), never guessed.

The amounts are the invoices' stored outstanding amounts as they are now (kept by the receivables
ledger, `service/ledger.py`); the day only says how old they are. One set-based GROUP BY over
the open invoices (`outstanding <> 0`, the partial index `ix_invoices_open`) by customer and
bucket, whatever the number of invoices; the customers' names and unapplied credit come from one
more query over the customers with something owed or held.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, Literal

from sqlalchemy import ColumnElement, case, func, or_, select
from sqlalchemy.orm import Session

from service.context import Context
from service.db import Money
from service.invoices.models import Invoice
from service.ledger import Balance
from service.masterdata.models import Customer
from service.receivables.schemas import AgeingOut, AgeingRow, AgeingTotals, BucketOut

Basis = Literal["due", "receipt"]
BASES: tuple[Basis, ...] = ("due", "receipt")
ZERO = Decimal("0.00")
# The bucket of an invoice whose date is not known, per basis.
UNDATED = {"due": "no_due_date", "receipt": "no_receipt_date"}


@dataclass(frozen=True)
class Bucket:
    """Invoices `low` to `high` days old (None: no bound on that side)."""

    code: str
    low: int | None
    high: int | None

    def holds(self, days: int) -> bool:
        return (self.low is None or days >= self.low) and (self.high is None or days <= self.high)


@dataclass(frozen=True)
class Buckets:
    """The buckets of one ageing: dated ones youngest first, then the undated one."""

    basis: Basis
    as_of: date
    dated: tuple[Bucket, ...]
    undated: Bucket

    @classmethod
    def of(cls, basis: Basis, as_of: date, edges: Sequence[int]) -> Buckets:
        """From the setting's upper bounds: by due date `not_due` (up to 0 days past due) comes
        first, by receipt date the first bound's bucket starts at 0."""
        bounds = [0, *edges] if basis == "due" else list(edges)
        dated = []
        low: int | None = None
        for high in bounds:
            code = "not_due" if high == 0 else f"{low if low is not None else 0}_{high}"
            dated.append(Bucket(code, low, high))
            low = high + 1
        dated.append(Bucket(f"over_{bounds[-1]}", low, None))
        return cls(basis, as_of, tuple(dated), Bucket(UNDATED[basis], None, None))

    @property
    def all(self) -> tuple[Bucket, ...]:
        return (*self.dated, self.undated)

    @property
    def codes(self) -> list[str]:
        return [b.code for b in self.all]

    def dated_on(self) -> Any:
        """The invoice's date the days count from."""
        return Invoice.due_date if self.basis == "due" else Invoice.term_start

    def days(self, day: date | None) -> int | None:
        """Days past due (or since receipt) on the day; None when the date is not known."""
        return None if day is None else (self.as_of - day).days

    def index(self, days: int | None) -> int:
        """The position in `all` of the bucket that holds `days`."""
        if days is None:
            return len(self.dated)
        return next(i for i, b in enumerate(self.dated) if b.holds(days))

    def sql(self) -> ColumnElement[int]:
        """The same position in SQL: dates compared with the day each bound falls on, so the
        expression is the same on both databases and needs no date arithmetic per row."""
        column = self.dated_on()
        whens: list[tuple[Any, int]] = [(column.is_(None), len(self.dated))]
        for i, bucket in enumerate(self.dated[:-1]):
            assert bucket.high is not None
            whens.append((column >= self.as_of - timedelta(days=bucket.high), i))
        return case(*whens, else_=len(self.dated) - 1)


def configured(ctx: Context, basis: Basis, as_of: date | None) -> Buckets:
    return Buckets.of(basis, as_of or ctx.today, ctx.settings.ageing_buckets)


def _customers(customer: str | None, grade: str | None, branch: str | None) -> list[Any]:
    """Conditions on the customers table for the filters given."""
    found: list[Any] = []
    if customer:
        found.append(Customer.code == customer)
    if grade:
        found.append(Customer.grade == grade)
    if branch:
        found.append(Customer.branch == branch)
    return found


def grouped(buckets: Buckets, filters: Sequence[Any] = ()) -> Any:
    """(customer id, bucket position, overdue by due date or not, outstanding, invoices) of
    every customer's open invoices: the one GROUP BY. By due date, being overdue follows from
    the bucket, so the groups are those of customer and bucket; grouping by it rather than
    summing it apart keeps PostgreSQL's hash of groups small enough for memory."""
    position = buckets.sql().label("bucket")
    overdue = case((Invoice.due_date < buckets.as_of, 1), else_=0).label("overdue")
    open_invoices = select(Invoice.customer_id, position, overdue, Invoice.outstanding).where(
        Invoice.outstanding != 0
    )
    if filters:
        open_invoices = open_invoices.where(
            Invoice.customer_id.in_(select(Customer.id).where(*filters))
        )
    rows = open_invoices.subquery()
    return select(
        rows.c.customer_id,
        rows.c.bucket,
        rows.c.overdue,
        func.sum(rows.c.outstanding, type_=Money),
        func.count(),
    ).group_by(rows.c.customer_id, rows.c.bucket, rows.c.overdue)


@dataclass
class _Owed:
    """One customer's figures while the rows are added up."""

    amounts: list[Decimal]
    invoices: int = 0
    overdue: Decimal = ZERO


def _row(info: Sequence[Any], owed: _Owed, codes: Sequence[str]) -> AgeingRow:
    """One customer's row; built from figures already typed, so not validated again (a
    thousand customers' rows cost a few milliseconds, not tens)."""
    _id, code, name, grade, branch, unapplied = info
    outstanding = sum(owed.amounts, ZERO)
    return AgeingRow.model_construct(
        customer_code=code,
        customer_name=name,
        grade=grade,
        branch=branch,
        buckets=dict(zip(codes, owed.amounts, strict=True)),
        outstanding=outstanding,
        overdue=owed.overdue,
        invoices=owed.invoices,
        unapplied=unapplied,
        net=outstanding - unapplied,
    )


def _totals(rows: Sequence[AgeingRow], codes: Sequence[str]) -> AgeingTotals:
    amounts = dict.fromkeys(codes, ZERO)
    for row in rows:
        for code, amount in row.buckets.items():
            amounts[code] += amount
    outstanding = sum((r.outstanding for r in rows), ZERO)
    unapplied = sum((r.unapplied for r in rows), ZERO)
    return AgeingTotals(
        buckets=amounts,
        customers=len(rows),
        outstanding=outstanding,
        overdue=sum((r.overdue for r in rows), ZERO),
        invoices=sum(r.invoices for r in rows),
        unapplied=unapplied,
        net=outstanding - unapplied,
    )


def ageing(
    session: Session,
    buckets: Buckets,
    *,
    customer: str | None = None,
    grade: str | None = None,
    branch: str | None = None,
) -> AgeingOut:
    """Every customer with something owed or unapplied credit held, in `buckets`, by code."""
    filters = _customers(customer, grade, branch)
    owed: dict[int, _Owed] = {}
    width = len(buckets.all)
    # Core rows on the session's connection: no ORM loading for a report of plain figures.
    connection = session.connection()
    for customer_id, position, overdue, amount, count in connection.execute(
        grouped(buckets, filters)
    ):
        figures = owed.get(customer_id)
        if figures is None:
            figures = owed[customer_id] = _Owed([ZERO] * width)
        figures.amounts[position] += amount
        figures.invoices += count
        if overdue:
            figures.overdue += amount
    named = (Customer.id, Customer.code, Customer.name, Customer.grade, Customer.branch)
    who = select(*named, Balance.unapplied).outerjoin(Balance, Balance.customer_id == Customer.id)
    infos = {
        info[0]: info
        for info in connection.execute(
            who.where(or_(Balance.outstanding != 0, Balance.unapplied != 0), *filters)
        )
    }
    missing = set(owed) - set(infos)
    if missing:  # owed on invoices, yet no balance says so: shown all the same
        infos |= {i[0]: i for i in connection.execute(who.where(Customer.id.in_(missing)))}
    codes = buckets.codes
    rows = sorted(
        (
            _row((*info[:5], info[5] or ZERO), owed.get(cid) or _Owed([ZERO] * width), codes)
            for cid, info in infos.items()
        ),
        key=lambda r: r.customer_code,
    )
    return AgeingOut(
        basis=buckets.basis,
        as_of=buckets.as_of,
        buckets=[BucketOut(code=b.code, low=b.low, high=b.high) for b in buckets.all],
        customers=rows,
        totals=_totals(rows, codes),
    )


def report(
    session: Session,
    ctx: Context,
    *,
    basis: Basis = "due",
    as_of: date | None = None,
    customer: str | None = None,
    grade: str | None = None,
    branch: str | None = None,
) -> AgeingOut:
    """The ageing as the API, the pages and the command line answer it."""
    buckets = configured(ctx, basis, as_of)
    return ageing(session, buckets, customer=customer, grade=grade, branch=branch)
