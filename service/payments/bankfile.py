"""Reading a bank statement file: the CSV a bank exports (UTF-8 with or without a BOM, or
GBK/GB18030 as Chinese banks write it), its columns named in Chinese or English.

Every row is checked on its own: each problem names the row's line in the file and the field
(a catalog code with its parameters). Debits (outgoing money, a negative amount) and zero lines
are skipped and counted. Problems with the file as a whole raise Invalid naming `file`.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from service.errors import Invalid
from service.payments.schemas import bank_reference

# The fields a line has, and the header names banks give them (compared without case, spaces,
# underscores or brackets).
ALIASES: dict[str, tuple[str, ...]] = {
    "value_date": (
        "value_date",
        "valuedate",
        "date",
        "交易日期",
        "记账日期",
        "入账日期",
        "起息日",
        "起息日期",
        "日期",
        "交易时间",
    ),
    "amount": (
        "amount",
        "credit",
        "creditamount",
        "金额",
        "交易金额",
        "贷方金额",
        "收入金额",
        "发生额",
    ),
    "payer": (
        "payer",
        "payername",
        "counterparty",
        "对方户名",
        "对方账户名称",
        "对方名称",
        "付款人",
        "付款人名称",
        "付款方",
        "付款方名称",
    ),
    "bank_reference": (
        "bank_reference",
        "bankreference",
        "reference",
        "流水号",
        "交易流水号",
        "银行流水号",
        "交易参考号",
    ),
    "remittance": (
        "remittance",
        "remittancetext",
        "memo",
        "附言",
        "交易附言",
        "摘要",
        "用途",
        "备注",
    ),
}
REQUIRED = ("value_date", "amount", "payer", "bank_reference")
_NAME = {alias: name for name, aliases in ALIASES.items() for alias in aliases}
_FOLD = re.compile(r"[\s_()（）\[\]]+")
_DATE = re.compile(r"^(\d{4})[-/.年]?(\d{1,2})[-/.月]?(\d{1,2})日?(?:[ T].*)?$")
_MONEY_SIGNS = re.compile(r"[,，\s¥￥]|CNY|RMB|元", re.IGNORECASE)
# Bounds of a line's fields (the same on both databases: checked before the database sees them).
MAX_PAYER = 200
MAX_REFERENCE = 64
MAX_REMITTANCE = 500
MAX_AMOUNT = Decimal("10000000000.00")
MAX_FIELD = 2000
MAX_COLUMNS = 50


@dataclass(frozen=True)
class Problem:
    """What is wrong with one field of one line: its code and parameters (catalog words)."""

    field: str
    code: str
    params: dict[str, Any]


@dataclass
class BankRow:
    """One data row of the file: its line, its values as read and as understood."""

    line: int
    raw: dict[str, str]
    value_date: date | None = None
    amount: Decimal | None = None
    payer: str = ""
    bank_reference: str = ""
    remittance: str = ""
    problems: list[Problem] = field(default_factory=list)
    skipped: bool = False

    def fault(self, name: str, code: str, **params: Any) -> None:
        self.problems.append(Problem(name, code, params))


def decode(content: bytes, file: str) -> str:
    """The file's text: UTF-8 (a BOM is dropped) or, failing that, GB18030 (GBK's superset)."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = content.decode(encoding)
        except UnicodeDecodeError:
            continue
        if "\x00" not in text:
            return text
    raise Invalid("bank.file.not_text", field="file", file=file)


def _columns(header: list[str], file: str) -> dict[int, str]:
    """The field each column holds (by position); other columns are kept as read only."""
    found: dict[int, str] = {}
    for position, title in enumerate(header):
        name = _NAME.get(_FOLD.sub("", unicodedata.normalize("NFKC", title)).lower())
        if name is None:
            continue
        if name in found.values():
            raise Invalid("bank.file.column_twice", field="file", file=file, column=title.strip())
        found[position] = name
    missing = [n for n in REQUIRED if n not in found.values()]
    if missing:
        raise Invalid(
            "bank.file.columns_missing",
            field="file",
            file=file,
            missing=missing,
            columns=", ".join(f"{n} ({ALIASES[n][3]})" for n in REQUIRED),
        )
    return found


def parse_day(text: str) -> date | None:
    found = _DATE.match(text.strip())
    if found is None:
        return None
    try:
        return date(*(int(part) for part in found.groups()))
    except ValueError:
        return None


def parse_amount(text: str) -> Decimal | None:
    """`1,234.50`, `¥1234.5`, `-88.00`; None when it is no amount of yuan and fen."""
    cleaned = _MONEY_SIGNS.sub("", unicodedata.normalize("NFKC", text))
    if cleaned.startswith("(") and cleaned.endswith(")"):
        cleaned = "-" + cleaned[1:-1]
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        return None
    if not value.is_finite() or value != value.quantize(Decimal("0.01")):
        return None
    return value.quantize(Decimal("0.01"))


def _understand(row: BankRow, values: dict[str, str], today: date) -> None:
    for name in REQUIRED:
        if not values.get(name):
            row.fault(name, "bank.line.empty")
    text = values.get("value_date", "")
    if text:
        day = parse_day(text)
        if day is None:
            row.fault("value_date", "bank.line.bad_date", value=text[:40])
        elif day > today:
            row.fault("value_date", "bank.line.date_in_future", value=text[:40])
        else:
            row.value_date = day
    text = values.get("amount", "")
    if text:
        amount = parse_amount(text)
        if amount is None:
            row.fault("amount", "bank.line.bad_amount", value=text[:40])
        elif amount <= 0:
            row.skipped = True
        elif amount > MAX_AMOUNT:
            row.fault("amount", "bank.line.amount_too_large", value=text[:40], max=MAX_AMOUNT)
        else:
            row.amount = amount
    row.payer = values.get("payer", "")
    if len(row.payer) > MAX_PAYER:
        row.fault("payer", "bank.line.too_long", max=MAX_PAYER)
    row.bank_reference = bank_reference(values.get("bank_reference", ""))
    if len(row.bank_reference) > MAX_REFERENCE:
        row.fault("bank_reference", "bank.line.too_long", max=MAX_REFERENCE)
    row.remittance = values.get("remittance", "")
    if len(row.remittance) > MAX_REMITTANCE:
        row.fault("remittance", "bank.line.too_long", max=MAX_REMITTANCE)


def read_rows(text: str, file: str, today: date) -> list[BankRow]:
    """The file's non-blank data rows, each understood or with its problems; a debit is
    skipped (not an error) whatever else it holds."""
    reader = csv.reader(io.StringIO(text, newline=""))
    previous = 0
    try:
        header = next(reader, None)
        if header is None or not any(h.strip() for h in header):
            raise Invalid("bank.file.empty", field="file", file=file)
        if len(header) > MAX_COLUMNS:
            raise Invalid(
                "bank.file.too_many_columns", field="file", columns=len(header), max=MAX_COLUMNS
            )
        columns = _columns(header, file)
        previous = reader.line_num
        rows: list[BankRow] = []
        for fields in reader:
            line, previous = previous + 1, reader.line_num
            if not any(value.strip() for value in fields):
                continue
            raw = {
                (header[i].strip() if i < len(header) else f"#{i + 1}")[:100]: v.strip()[:MAX_FIELD]
                for i, v in enumerate(fields[:MAX_COLUMNS])
            }
            row = BankRow(line, raw)
            values = {name: fields[i].strip() for i, name in columns.items() if i < len(fields)}
            bad = [n for n, v in values.items() if not v.isprintable()]
            for name in bad:
                row.fault(name, "bank.line.control_characters")
                values[name] = ""
            _understand(row, values, today)
            rows.append(row)
    except csv.Error as exc:
        raise Invalid(
            "bank.file.malformed", field="file", file=file, line=previous + 1, error=str(exc)
        ) from None
    return rows


def same_file_twice(rows: list[BankRow]) -> None:
    """A bank reference repeated within the file: the later rows are refused."""
    first: dict[str, int] = {}
    for row in rows:
        if row.skipped or not row.bank_reference:
            continue
        if row.bank_reference in first:
            row.fault("bank_reference", "bank.line.repeated", first_line=first[row.bank_reference])
        else:
            first[row.bank_reference] = row.line


def file_name(name: str | None) -> str:
    """The uploaded file's name as kept (no folders, bounded)."""
    base = re.split(r"[/\\]", name or "")[-1].strip()
    return (base or "statement.csv")[:200]
