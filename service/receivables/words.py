"""The ageing's words: its buckets and columns in the reader's language (catalog codes), and the
CSV export, which Excel opens as it is (UTF-8 with a byte order mark)."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

from service import i18n
from service.receivables.schemas import AgeingOut, BucketOut

# The columns of a customer's row besides its buckets, in the order they are shown.
FIGURES = ("outstanding", "overdue", "invoices", "unapplied", "net")
CUSTOMER = ("customer_code", "customer_name", "grade", "branch")
COLUMNS = {
    "customer_code": "receivables.column.customer_code",
    "customer_name": "receivables.column.customer_name",
    "grade": "receivables.column.grade",
    "branch": "receivables.column.branch",
    "outstanding": "receivables.column.outstanding",
    "overdue": "receivables.column.overdue",
    "invoices": "receivables.column.invoices",
    "unapplied": "receivables.column.unapplied",
    "net": "receivables.column.net",
    "total": "receivables.column.total",
}
UNDATED = {
    "no_due_date": "receivables.bucket.no_due_date",
    "no_receipt_date": "receivables.bucket.no_receipt_date",
}


def bucket_label(bucket: BucketOut, locale: str) -> str:
    """`not due`, `1–30 days`, `over 180 days`, `no due date yet` in the reader's language."""
    if bucket.code in UNDATED:
        return i18n.text(UNDATED[bucket.code], locale, {})
    if bucket.high == 0:
        return i18n.text("receivables.bucket.not_due", locale, {})
    if bucket.high is None:
        return i18n.text("receivables.bucket.over", locale, {"days": (bucket.low or 1) - 1})
    low = bucket.low if bucket.low is not None else 0
    return i18n.text("receivables.bucket.range", locale, {"low": low, "high": bucket.high})


def header(report: AgeingOut, locale: str | None) -> list[str]:
    """The CSV's header: stable English codes, or the words of `locale`."""
    codes = [*CUSTOMER, *(b.code for b in report.buckets), *FIGURES]
    if locale is None:
        return codes
    words = {b.code: bucket_label(b, locale) for b in report.buckets}
    return [words.get(c) or i18n.text(COLUMNS[c], locale, {}) for c in codes]


def _line(first: Sequence[str], buckets: Sequence[object], figures: Sequence[object]) -> list[str]:
    return [*first, *map(str, buckets), *map(str, figures)]


def ageing_csv(report: AgeingOut, locale: str | None = None) -> bytes:
    """One line per customer and a last line of totals; amounts as plain decimals (1234.50)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header(report, locale))
    for row in report.customers:
        writer.writerow(
            _line(
                [row.customer_code, row.customer_name, row.grade, row.branch],
                list(row.buckets.values()),
                [getattr(row, f) for f in FIGURES],
            )
        )
    totals = report.totals
    total = "total" if locale is None else i18n.text(COLUMNS["total"], locale, {})
    writer.writerow(
        _line(
            [total, "", "", ""],
            list(totals.buckets.values()),
            [getattr(totals, f) for f in FIGURES],
        )
    )
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def filename(report: AgeingOut) -> str:
    return f"ageing-{report.basis}-{report.as_of.isoformat()}.csv"
