"""Reading a receipts CSV file into receipts, each row checked on its own (format in importer)."""

from __future__ import annotations

import mimetypes
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from pydantic import ValidationError

from service.csvfile import CsvRow, read_rows
from service.receipts.schemas import ReceiptLineIn

COLUMNS = (
    "company_order_no",
    "receipt_no",
    "receipt_date",
    "line_no",
    "received_qty",
    "item_code",
    "evidence",
    "reported_on",
)
# reported_on: the day the receipt was reported (R7), when not the day of the import.
OPTIONAL = frozenset({"item_code", "reported_on"})
SCAN_TYPES = {
    ".pdf": "application/pdf",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".tif": "image/tiff",
    ".tiff": "image/tiff",
    ".webp": "image/webp",
    ".heic": "image/heic",
}
_WHOLE = re.compile(r"[0-9]+")


@dataclass
class Row:
    line: int
    values: dict[str, str]
    problems: list[str]
    receipt_date: date | None = None
    reported_on: date | None = None
    line_in: ReceiptLineIn | None = None


@dataclass
class FileReceipt:
    order_no: str
    receipt_no: str
    rows: list[Row] = field(default_factory=list)
    agreed: dict[str, tuple[object, int, str]] = field(default_factory=dict)

    @property
    def first(self) -> Row:
        return self.rows[0]


def read_file(path: Path) -> list[FileReceipt]:
    """Parse and group the rows; every row is checked on its own, nothing is looked up yet."""
    receipts: dict[tuple[str, str], FileReceipt] = {}
    for csv_row in read_rows(path, COLUMNS, OPTIONAL):
        row = _parse(csv_row, path.parent)
        key = (row.values["company_order_no"], row.values["receipt_no"])
        _add(receipts.setdefault(key, FileReceipt(*key)), row)
    return list(receipts.values())


def _parse(csv_row: CsvRow, folder: Path) -> Row:
    values = csv_row.values
    row = Row(csv_row.line, values, csv_row.problems)
    row.receipt_date = _day(row, "receipt_date")
    row.reported_on = _day(row, "reported_on")
    numbers = {}
    for name in ("line_no", "received_qty"):
        if values[name] and not _WHOLE.fullmatch(values[name]):
            row.problems.append(f"{name}: {values[name]!r} is not a whole number")
        elif values[name]:
            numbers[name] = int(values[name])
    if len(numbers) == 2:
        try:
            row.line_in = ReceiptLineIn(**numbers, item_code=values["item_code"] or None)
        except ValidationError as exc:
            row.problems += [f"{e['loc'][0]}: {e['msg']}" for e in exc.errors()]
    if values["evidence"] and not (folder / values["evidence"]).is_file():
        row.problems.append(
            f"evidence: no file {values['evidence']!r} (relative to the CSV file's folder)"
        )
    return row


def _day(row: Row, column: str) -> date | None:
    if not row.values[column]:
        return None
    try:
        return date.fromisoformat(row.values[column])
    except ValueError:
        row.problems.append(f"{column}: {row.values[column]!r} is not a YYYY-MM-DD date")
        return None


def _add(receipt: FileReceipt, row: Row) -> None:
    """Add a row to its receipt; the rows of one receipt must agree on its date and scan."""
    evidence = row.values["evidence"]
    for column, value in (
        ("receipt_date", row.receipt_date),
        ("reported_on", row.reported_on),
        ("evidence", Path(evidence) if evidence else None),
    ):
        if value is not None:
            agreed, line, text = receipt.agreed.setdefault(
                column, (value, row.line, row.values[column])
            )
            if agreed != value:
                row.problems.append(
                    f"{column}: {row.values[column]} differs from {text} on line {line} "
                    "of the same receipt"
                )
    receipt.rows.append(row)


def lines_of(receipt: FileReceipt) -> list[ReceiptLineIn]:
    return [row.line_in for row in receipt.rows if row.line_in is not None]


def content_type(name: str) -> str:
    suffix = Path(name).suffix.lower()
    return SCAN_TYPES.get(suffix) or mimetypes.guess_type(name)[0] or "application/octet-stream"
