"""Benchmark: `o2c import invoices` of 100,000 invoice lines against a bare executemany of the
same rows, in the same run.

Run with `python bench/bench_import_invoices.py [--lines N] [--per-invoice N] [--chunk-size N]
[--database-url URL]`. Two databases (SQLite files, or with `--database-url` temporary databases
on that PostgreSQL server, created and dropped) are migrated and seeded alike (bench/seed.py's
customer, contract and items, and an admin). A CSV file of N lines, `--per-invoice` lines per
invoice (each invoice its own order and receipt), is written; then:

- ours: `service.imports.run_import` with the invoices importer (parse, check each row and
  invoice, look up, then per chunk one INSERT per table: orders, order lines, shipments and
  their lines, receipts and their lines, invoices and their lines, journal rows, ledger
  entries, outstanding and balances);
- bare: on the other database, the same file read with `csv` and the very rows ours wrote
  (read back from its database beforehand, not timed) inserted with executemany, one
  statement per table, in one transaction.

Both databases are checked to hold the same number of rows afterwards. It prints both times and
the ratio ours/bare (target: at most 4, i.e. at least 25% of bare's speed).
"""

from __future__ import annotations

import argparse
import csv
import sys
import tempfile
import time
from dataclasses import replace
from datetime import date, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import Table, func, insert, select

from bench.bench_receipts_http import database_for
from bench.seed import CUSTOMER, ITEMS, seed
from service import bootstrap
from service.auth import tokens
from service.clock import business_date
from service.context import Clock
from service.db import Base, Database
from service.imports import ImportReport, run_import
from service.invoices.importer import InvoiceImporter
from service.migrate import upgrade
from service.settings import load_settings

TARGET = 4.0
ADMIN = "bench-admin"
TABLES = (
    "orders",
    "order_lines",
    "shipments",
    "shipment_lines",
    "receipts",
    "receipt_lines",
    "invoices",
    "invoice_lines",
    "events",
    "ledger_entries",
    "ar_balances",
)


def write_file(path: Path, lines: int, per_invoice: int, today: date) -> int:
    """The invoices file; returns the number of invoices."""
    received, invoiced = today - timedelta(days=12), today - timedelta(days=10)
    invoices = (lines + per_invoice - 1) // per_invoice
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(InvoiceImporter.columns)
        written = 0
        for n in range(1, invoices + 1):
            head: tuple[str, ...] = (f"OIV-{n}", f"F{n:08d}", str(invoiced), "", CUSTOMER)
            head += (f"OSO-{n}", "", "DC1", str(received - timedelta(days=5)), f"ORK-{n}")
            head += (str(received),)
            for line in range(1, min(per_invoice, lines - written) + 1):
                writer.writerow((*head, line, ITEMS[line - 1], 10, "1130.00", "0.13"))
                written += 1
    return invoices


def prepare(url: str, today: date) -> None:
    db = Database(url)
    try:
        upgrade(db)
        seed(db, 0, today=today)
        with db.write() as session:
            tokens.create_user(session, username=ADMIN, roles=["admin"])
    finally:
        db.dispose()


def ours(url: str, path: Path, today: date, chunk: int) -> tuple[float, ImportReport]:
    db = Database(url)
    settings = load_settings(database_url=url)
    noon = datetime.combine(today, clock_time(12), tzinfo=settings.tz)
    runtime = replace(bootstrap.runtime(settings, db), clock=Clock(settings.tz, lambda: noon))
    try:
        started = time.perf_counter()
        report = run_import(runtime, InvoiceImporter(), path=path, username=ADMIN, chunk_size=chunk)
        return time.perf_counter() - started, report
    finally:
        db.dispose()


def _table(name: str) -> Table:
    return Base.metadata.tables[name]


def written(url: str) -> dict[str, list[dict[str, Any]]]:
    """Every row ours wrote (the seeded database had none of these but a few journal rows)."""
    db = Database(url)
    try:
        with db.engine.connect() as conn:
            rows = {
                name: [dict(r._mapping) for r in conn.execute(select(_table(name)))]
                for name in TABLES
            }
        rows["events"] = [r for r in rows["events"] if r["trigger"] == "import"]
        return rows
    finally:
        db.dispose()


def bare(url: str, path: Path, rows: dict[str, list[dict[str, Any]]]) -> float:
    db = Database(url)
    try:
        started = time.perf_counter()
        with path.open(encoding="utf-8-sig", newline="") as handle:
            read = sum(1 for _ in csv.reader(handle))
        assert read > 1
        with db.engine.begin() as conn:
            for name in TABLES:
                if rows[name]:
                    conn.execute(insert(_table(name)), rows[name])
        return time.perf_counter() - started
    finally:
        db.dispose()


def counts(url: str) -> dict[str, int]:
    db = Database(url)
    try:
        with db.engine.connect() as conn:
            return {
                name: conn.execute(select(func.count()).select_from(_table(name))).scalar_one()
                for name in TABLES
                if name != "events"
            }
    finally:
        db.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=100_000, help="invoice lines (100,000)")
    parser.add_argument("--per-invoice", type=int, default=5, help="lines per invoice (5, max 6)")
    parser.add_argument("--chunk-size", type=int, default=500, help="invoices per chunk (500)")
    parser.add_argument("--database-url", help="a PostgreSQL server (admin connection)")
    args = parser.parse_args()
    if not 1 <= args.per_invoice <= len(ITEMS) or args.lines < 1:
        parser.error(f"--per-invoice must be 1 to {len(ITEMS)}, --lines at least 1")
    with tempfile.TemporaryDirectory(prefix="o2c-bench-import-invoices-") as tmp:
        mine = database_for(parser, args.database_url, tmp, "ours.sqlite3")
        theirs = database_for(parser, args.database_url, tmp, "bare.sqlite3")
        if mine is None or theirs is None:
            return 1
        with mine as ours_url, theirs as bare_url:
            today = business_date(load_settings(database_url=ours_url).tz)
            for url in (ours_url, bare_url):
                prepare(url, today)
            path = Path(tmp) / "invoices.csv"
            invoices = write_file(path, args.lines, args.per_invoice, today)
            ours_time, report = ours(ours_url, path, today, args.chunk_size)
            if report.booked != invoices:
                print(f"WRONG: booked {report.booked} of {invoices}: {report.problems[:3]}")
                return 1
            bare_time = bare(bare_url, path, written(ours_url))
            if counts(ours_url) != counts(bare_url):
                print(f"WRONG: ours {counts(ours_url)} != bare {counts(bare_url)}")
                return 1
    backend = "postgresql" if args.database_url else "sqlite"
    ratio = ours_time / bare_time
    print(
        f"{backend}: {args.lines:,} invoice lines, {invoices:,} invoices (chunks of "
        f"{args.chunk_size}): ours {ours_time:.1f} s, bare executemany {bare_time:.1f} s, "
        f"ours/bare {ratio:.2f} ({1 / ratio:.0%} of bare's speed; target ours/bare <= {TARGET})"
    )
    return 0 if ratio <= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
