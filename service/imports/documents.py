"""An import file's rows and the documents they make: rows grouped by a key, each row checked on
its own, the rows of one document checked to agree on the document's columns."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from service.csvfile import read_rows

if TYPE_CHECKING:
    from service.imports.importer import Importer

_WHOLE_DIGITS = frozenset("0123456789")
_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


@lru_cache(maxsize=4096)
def _day(text: str) -> date | None:
    """A YYYY-MM-DD date (files repeat their dates: parsed once each)."""
    try:
        return date.fromisoformat(text) if _DAY.fullmatch(text) else None
    except ValueError:
        return None


@dataclass
class Row:
    """One data row: its line in the file, its values by column, its typed values (`parsed`,
    filled by the importer) and what is wrong with it (`column: reason`)."""

    line: int
    values: dict[str, str]
    problems: list[str] = field(default_factory=list)
    parsed: dict[str, Any] = field(default_factory=dict)

    def fail(self, column: str, reason: str) -> None:
        self.problems.append(f"{column}: {reason}")

    def day(self, column: str) -> date | None:
        """The column as a YYYY-MM-DD date (None when empty or wrong; wrong is a problem)."""
        text = self.values.get(column, "")
        if not text:
            return None
        day = _day(text)
        if day is None:
            self.fail(column, f"{text!r} is not a YYYY-MM-DD date")
        return day

    def whole(self, column: str, *, low: int = 0, high: int = 10**9) -> int | None:
        """The column as a whole number between `low` and `high` (None when empty or wrong)."""
        text = self.values.get(column, "")
        if not text:
            return None
        if not set(text) <= _WHOLE_DIGITS or len(text) > 10:
            self.fail(column, f"{text!r} is not a whole number")
            return None
        number = int(text)
        if not low <= number <= high:
            self.fail(column, f"{number} is not between {low} and {high}")
            return None
        return number

    def decimal(
        self,
        column: str,
        *,
        places: int = 2,
        low: Decimal = Decimal(0),
        high: Decimal | None = None,
    ) -> Decimal | None:
        """The column as a decimal with at most `places` decimals, at least `low` (at most
        `high`; by default below 10^12)."""
        text = self.values.get(column, "").replace(",", "")
        if not text:
            return None
        try:
            number = Decimal(text)
        except InvalidOperation:
            number = Decimal("NaN")
        if not number.is_finite():
            self.fail(column, f"{self.values[column]!r} is not a number")
            return None
        exponent = number.as_tuple().exponent
        assert isinstance(exponent, int)
        top = Decimal(10**12) if high is None else high
        if -exponent > places:
            self.fail(column, f"{text} has more than {places} decimals")
        elif not low <= number <= top:
            self.fail(column, f"{text} is not between {low} and {top}")
        else:
            return number
        return None

    def text(self, column: str, *, longest: int) -> str:
        """The column's text, at most `longest` characters (longer is a problem)."""
        text = self.values.get(column, "")
        if len(text) > longest:
            self.fail(column, f"is longer than {longest} characters")
        return text


@dataclass
class Document:
    """The rows of one document (an order, an invoice...), in file order. The importer keeps
    what it worked out in `data`; `outcome` is set when the document is already booked."""

    key: str
    rows: list[Row] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)
    outcome: str | None = None
    reason: str = ""
    # The first row stating each of the document's own columns.
    stated: dict[str, Row] = field(default_factory=dict)

    @property
    def first(self) -> Row:
        return self.rows[0]

    @property
    def problems(self) -> bool:
        return any(row.problems for row in self.rows)

    def already(self, reason: str) -> None:
        """Mark the document as booked before (by an earlier run): nothing is done with it."""
        self.outcome, self.reason = "already booked", reason

    def fail(self, column: str, reason: str) -> None:
        """A problem of the document as a whole, reported on its first row."""
        self.first.fail(column, reason)

    def agreed(self, column: str) -> str:
        """The document's value of a column its rows must agree on (the first non-empty)."""
        first = self.stated.get(column)
        if first is not None:
            return first.values[column]
        return next((row.values[column] for row in self.rows if row.values[column]), "")


def read_documents(path: Path, importer: Importer) -> list[Document]:
    """The file's documents in order of their first row; every row is parsed on its own and
    checked to agree with the document's earlier rows; nothing is looked up yet."""
    documents: dict[str, Document] = {}
    for csv_row in read_rows(path, importer.columns, importer.optional, gbk=True):
        row = Row(csv_row.line, csv_row.values, csv_row.problems)
        importer.parse(row)
        key = importer.key(row)
        document = documents.setdefault(key, Document(key))
        _agree(document, row, importer.shared)
        document.rows.append(row)
    for document in documents.values():
        if not document.problems:
            importer.check(document)
    return list(documents.values())


def _agree(document: Document, row: Row, shared: tuple[str, ...]) -> None:
    """The rows of one document must agree on the document's columns (when they are given)."""
    stated = document.stated
    for column in shared:
        value = row.values[column]
        if not value:
            continue
        earlier = stated.setdefault(column, row)
        if earlier.values[column] != value:
            row.fail(
                column,
                f"{value} differs from {earlier.values[column]} on line {earlier.line} "
                "of the same document",
            )
