"""The go-live check: the service's receivables per customer against the old system's control file.

At cut-over the old system exports, per customer, what it is owed (`receivable`), how much of it
is past due (`overdue`) and the credit it holds unapplied (`unapplied_credit`). After the opening
documents are imported, the service's figures must be the same: outstanding on open invoices,
of it what is on invoices due before the as-of date, and unapplied credit, as the ageing by due
date shows them (`service.receivables.ageing`). Every difference is named: a customer missing on
either side, and each figure that differs, with both values and the difference.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.csvfile import read_rows
from service.masterdata.models import Customer
from service.receivables.ageing import Buckets, ageing

COLUMNS = ("customer_code", "receivable", "overdue", "unapplied_credit")
FIGURES = ("receivable", "overdue", "unapplied_credit")
ZERO = Decimal("0.00")
# 1234.5, -12, 1,234,567.89: up to 14 digits before the point and 2 after (the Money column).
_AMOUNT = re.compile(r"^-?(\d{1,14}|\d{1,3}(,\d{3}){1,4})(\.\d{1,2})?$")
_CHUNK = 1000


@dataclass(frozen=True)
class Figures:
    """One customer's receivable, overdue and unapplied credit."""

    receivable: Decimal = ZERO
    overdue: Decimal = ZERO
    unapplied_credit: Decimal = ZERO

    def of(self, name: str) -> Decimal:
        figure: Decimal = getattr(self, name)
        return figure

    @property
    def nothing(self) -> bool:
        return not any(self.of(name) for name in FIGURES)


@dataclass(frozen=True)
class Control:
    """The control file: figures by customer code, with the line each came from."""

    figures: dict[str, Figures]
    lines: dict[str, int]


class ControlFileInvalid(Exception):
    """The control file cannot be compared: each problem names its line and column."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Difference:
    """One thing that does not agree: a customer missing on one side, or a figure differing."""

    customer_code: str
    what: str  # a figure's name, or "customer"
    control: Decimal | None
    service: Decimal | None
    problem: str
    line: int | None = None

    @property
    def difference(self) -> Decimal | None:
        """The service's figure less the control file's (None when one side has none)."""
        if self.control is None or self.service is None:
            return None
        return self.service - self.control

    def __str__(self) -> str:
        where = f"line {self.line}: " if self.line else ""
        if self.what == "customer":
            return f"{where}{self.customer_code}: {self.problem}"
        return (
            f"{where}{self.customer_code}: {self.what} differs: control file {self.control:,}, "
            f"service {self.service:,}, difference {self.difference:,}"
        )

    def row(self) -> list[str]:
        """The difference as a row of the report file."""
        shown = [self.control, self.service, self.difference]
        amounts = ["" if a is None else str(a) for a in shown]
        return [self.customer_code, self.what, *amounts, self.problem]


REPORT_HEADER = ["customer_code", "figure", "control", "service", "difference", "problem"]


@dataclass
class GoLiveReport:
    """What the check found: the customers compared and every difference."""

    as_of: date
    customers: int = 0
    agreeing: int = 0
    differences: list[Difference] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.differences

    def summary(self) -> str:
        state = "all agree" if self.ok else f"{len(self.differences)} difference(s)"
        return (
            f"go-live check as of {self.as_of}: {self.customers} customer(s) compared, "
            f"{self.agreeing} agree; {state}"
        )


def amount(text: str) -> Decimal | None:
    """An amount of the control file (thousands separated by commas or not); None if not one."""
    if not _AMOUNT.match(text):
        return None
    return Decimal(text.replace(",", "")).quantize(Decimal("0.01"))


def read_control(path: Path) -> Control:
    """The control file's figures; ControlFileInvalid naming every bad line and column (a bad
    header or an unreadable file raises the CSV reader's Invalid)."""
    figures: dict[str, Figures] = {}
    lines: dict[str, int] = {}
    problems: list[str] = []
    seen: dict[str, int] = {}
    for row in read_rows(path, COLUMNS):
        found = [f"line {row.line}: {p}" for p in row.problems]
        code = row.values["customer_code"]
        if code and code in seen:
            found.append(f"line {row.line}: customer_code: {code} is also on line {seen[code]}")
        seen.setdefault(code, row.line)
        read: dict[str, Decimal] = {}
        for name in FIGURES:
            value = amount(row.values[name]) if row.values[name] else None
            if value is None and row.values[name]:
                found.append(f"line {row.line}: {name}: {row.values[name]} is not an amount")
            read[name] = value if value is not None else ZERO
        problems += found
        if not found:
            figures[code], lines[code] = Figures(**read), row.line
    if problems:
        raise ControlFileInvalid(problems)
    return Control(figures, lines)


def service_figures(session: Session, buckets: Buckets) -> dict[str, Figures]:
    """Every customer's figures in the service, by code (those owing or holding nothing left
    out), from the ageing by due date."""
    report = ageing(session, buckets)
    return {
        row.customer_code: Figures(row.outstanding, row.overdue, row.unapplied)
        for row in report.customers
    }


def known_customers(session: Session, codes: Collection[str]) -> set[str]:
    """Which of `codes` are customers of the service."""
    ordered = sorted(codes)
    known: set[str] = set()
    for start in range(0, len(ordered), _CHUNK):
        chunk = ordered[start : start + _CHUNK]
        known.update(session.scalars(select(Customer.code).where(Customer.code.in_(chunk))))
    return known


def check(
    session: Session, control: Control, buckets: Buckets, *, only_listed: bool = False
) -> GoLiveReport:
    """Compare the service's figures on `buckets.as_of` with the control file's; `only_listed`:
    the service's customers that the file does not list are not compared."""
    service = service_figures(session, buckets)
    known = known_customers(session, set(control.figures) - set(service))
    report = GoLiveReport(buckets.as_of)
    for code in sorted(set(control.figures) | (set() if only_listed else set(service))):
        report.customers += 1
        found = list(_compare(code, control, service.get(code), code in known))
        report.differences += found
        report.agreeing += not found
    return report


def _compare(
    code: str, control: Control, service: Figures | None, known: bool
) -> Iterator[Difference]:
    listed = control.figures.get(code)
    line = control.lines.get(code)
    if listed is None:
        assert service is not None
        yield from _one_side(code, service, "missing in the control file", None, control=False)
        return
    if service is None and not known:
        yield from _one_side(code, listed, "missing in the service: no such customer", line)
        return
    held = service or Figures()
    for name in FIGURES:
        if listed.of(name) != held.of(name):
            yield Difference(code, name, listed.of(name), held.of(name), "differs", line)


def _one_side(
    code: str, figures: Figures, problem: str, line: int | None, *, control: bool = True
) -> Iterable[Difference]:
    owed = ", ".join(f"{name} {figures.of(name):,}" for name in FIGURES)
    words = f"{problem} ({'control file' if control else 'service'}: {owed})"
    return [Difference(code, "customer", None, None, words, line)]
