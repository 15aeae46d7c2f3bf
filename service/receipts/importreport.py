"""What became of each row of a receipt import, and why a refused receipt was refused.

A refusal from the posting use case names a field of the API's request (`lines[1].received_qty`);
the report names the file's line and column instead (line 14, received_qty).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from pydantic import ValidationError

from service.errors import DomainError, from_workflow
from service.receipts.importfile import FileReceipt, Row
from workflows import WorkflowError

_LINE_FIELD = re.compile(r"lines\[(\d+)\](?:\.(\w+))?")
_RECEIPT_FIELDS = {
    "receipt_date": "receipt_date",
    "reported_on": "reported_on",
    "receipt_no": "receipt_no",
    "lines": "line_no",
}

Outcome = Literal["posted", "already posted", "refused", "not posted"]


@dataclass(frozen=True)
class RowResult:
    """What became of one row of the file; `reason` names the column at fault."""

    line: int
    company_order_no: str
    receipt_no: str
    outcome: Outcome
    reason: str = ""


@dataclass
class ImportReport:
    """Per-row outcomes and per-receipt counts of one import run."""

    rows: list[RowResult] = field(default_factory=list)
    posted: int = 0
    already_posted: int = 0
    refused: int = 0
    exceptions: int = 0

    @property
    def rows_read(self) -> int:
        return len(self.rows)

    @property
    def problems(self) -> list[RowResult]:
        return [r for r in self.rows if r.outcome in ("refused", "not posted")]


class ImportStopped(Exception):
    """A database failure stopped the import; the chunks committed before it stay posted."""

    def __init__(self, report: ImportReport, line: int, cause: Exception) -> None:
        self.report, self.line = report, line
        report.rows.sort(key=lambda r: r.line)
        reason = str(getattr(cause, "orig", None) or cause).splitlines()[0]
        super().__init__(f"the import stopped at line {line}: {reason}")


@dataclass
class Done:
    outcome: Outcome
    rows: list[RowResult]
    exceptions: int = 0


def blame(exc: Exception) -> list[tuple[int, str, str]]:
    """Turn a refusal into (row index in the receipt, column, reason)."""
    if isinstance(exc, ValidationError):
        found = [
            ("".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in e["loc"]), e["msg"])
            for e in exc.errors()
        ]
    elif isinstance(exc, DomainError | WorkflowError):
        error = exc if isinstance(exc, DomainError) else from_workflow(exc)
        found = [(e.field, e.reason()) for e in error.errors] or [("", error.detail)]
    else:
        found = [("", "the order was changed by someone else at the same moment; rerun the file")]
    blamed = []
    for dotted, reason in found:
        name = dotted.lstrip(".")
        line = _LINE_FIELD.fullmatch(name)
        if line:
            blamed.append((int(line[1]), line[2] or "line_no", reason))
        elif name.startswith(("evidence", "file")):
            blamed.append((0, "evidence", reason))
        else:  # the receipt as a whole: blamed on its first row, where its columns are stated
            blamed.append((0, _RECEIPT_FIELDS.get(name, "company_order_no"), reason))
    return blamed


def refused(receipt: FileReceipt) -> Done:
    bad = ", ".join(str(row.line) for row in receipt.rows if row.problems)
    because = f"receipt {receipt.receipt_no} of order {receipt.order_no} is refused: see line {bad}"
    return Done(
        "refused",
        [
            row_result(receipt, row, "refused", "; ".join(row.problems))
            if row.problems
            else row_result(receipt, row, "not posted", because)
            for row in receipt.rows
        ],
    )


def row_result(receipt: FileReceipt, row: Row, outcome: Outcome, reason: str = "") -> RowResult:
    return RowResult(row.line, receipt.order_no, receipt.receipt_no, outcome, reason)
