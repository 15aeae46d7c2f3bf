"""What became of each row of an import, the counts per document, and the CSV report."""

from __future__ import annotations

import csv
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from service.imports.documents import Document

Outcome = Literal["booked", "already booked", "refused", "not booked", "would book"]
OUTCOMES: tuple[Outcome, ...] = ("booked", "would book", "already booked", "refused")


@dataclass(frozen=True)
class RowResult:
    """What became of one row of the file; `reason` names the column at fault."""

    line: int
    document: str
    outcome: Outcome
    reason: str = ""


@dataclass
class ImportReport:
    """Per-row outcomes and per-document counts of one import run (`unit` names a document)."""

    unit: str = "document"
    dry_run: bool = False
    rows: list[RowResult] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)

    @property
    def rows_read(self) -> int:
        return len(self.rows)

    @property
    def booked(self) -> int:
        return self.counts["booked"]

    @property
    def would_book(self) -> int:
        return self.counts["would book"]

    @property
    def already_booked(self) -> int:
        return self.counts["already booked"]

    @property
    def refused(self) -> int:
        return self.counts["refused"]

    @property
    def problems(self) -> list[RowResult]:
        return [r for r in self.rows if r.outcome in ("refused", "not booked")]

    def add(self, document: Document, outcome: Outcome) -> None:
        """Count the document and report each of its rows."""
        self.counts[outcome] += 1
        if outcome != "refused":
            self.rows += [
                RowResult(r.line, document.key, outcome, document.reason) for r in document.rows
            ]
            return
        bad = ", ".join(str(row.line) for row in document.rows if row.problems)
        because = f"{self.unit} {document.key} is refused: see line {bad}"
        self.rows += [
            RowResult(row.line, document.key, "refused", "; ".join(row.problems))
            if row.problems
            else RowResult(row.line, document.key, "not booked", because)
            for row in document.rows
        ]

    def summary(self) -> str:
        """One line: rows read and documents per outcome."""
        head = "dry run, nothing booked: " if self.dry_run else ""
        counted = ", ".join(
            f"{outcome}: {self.counts[outcome]}"
            for outcome in OUTCOMES
            if outcome != ("booked" if self.dry_run else "would book")
        )
        return f"{head}rows read: {self.rows_read}; {self.unit}s {counted}"


class ImportStopped(Exception):
    """A database failure stopped the import; the chunks committed before it stay booked."""

    def __init__(self, report: ImportReport, line: int, cause: Exception) -> None:
        self.report, self.line = report, line
        report.rows.sort(key=lambda r: r.line)
        reason = str(getattr(cause, "orig", None) or cause).strip().splitlines()
        super().__init__(
            f"the database failed at the chunk starting on line {line}: "
            f"{reason[0] if reason else type(cause).__name__}"
        )


def write_report(path: Path, report: ImportReport) -> None:
    """Every row's outcome as CSV: line, document, outcome, reason."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["line", "document", "outcome", "reason"])
        for row in report.rows:
            writer.writerow([row.line, row.document, row.outcome, row.reason])
