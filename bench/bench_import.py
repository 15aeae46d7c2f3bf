"""Benchmark: `o2c import receipts` of 100,000 CSV rows on SQLite, against a bare executemany.

Run with `python bench/bench_import.py [--rows N] [--chunk-size N] [--profile]`. Seeds one SQLite
template with as many shipped orders as the file has receipts (two rows per receipt; every tenth
receipt short, every twentieth with a substituted model, so the R8 exceptions are exercised),
writes the CSV file and one PNG scan per receipt, then on two copies of the template:

- ours: `service.receipts.importer.import_receipts`, i.e. the API's use case per receipt, in
  chunks with a SAVEPOINT per receipt;
- bare: the same file parsed with `csv`, the same scans read and hashed, and the same rows
  (attachments, receipts, lines, exceptions, evidence links, journal rows, order state and
  version) inserted and updated with `sqlite3` executemany in one transaction.

Both copies are checked to hold the same number of rows afterwards. `--profile` runs ours once
more on a sample under cProfile and prints where the time goes.
"""

from __future__ import annotations

import argparse
import cProfile
import csv
import hashlib
import json
import os
import pstats
import sqlite3
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import replace
from datetime import UTC, date, datetime
from datetime import time as clock_time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.seed import ITEMS, Seeded, png, seed
from service import bootstrap
from service.clock import business_date
from service.context import Clock
from service.db import Database
from service.migrate import upgrade
from service.receipts.importer import import_receipts
from service.receipts.importfile import COLUMNS
from service.receipts.importreport import ImportReport
from service.settings import load_settings

TABLES = ("attachments", "receipts", "receipt_lines", "receipt_exceptions", "events")


def write_file(folder: Path, seeded: Seeded, rows: int) -> tuple[Path, int, int]:
    """The CSV file and its scans; returns the path, its rows and its receipts."""
    path, written, receipts = folder / "receipts.csv", 0, 0
    (folder / "scans").mkdir()
    day = seeded.receipt_date.isoformat()
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        for n, order in enumerate(seeded.orders, 1):
            if written >= rows:
                break
            scan = f"scans/{order.company_order_no}.png"
            (folder / scan).write_bytes(png(f"scan-{n}"))
            head = (order.company_order_no, f"RK-{n}", day)
            if n % 20 == 0:  # 8 of the ordered model and 2 of another one
                body = [(1, 8, ""), (1, 2, ITEMS[3]), (2, 5, "")]
            else:
                body = [(1, 9 if n % 10 == 0 else 10, ""), (2, 5, "")]
            writer.writerows((*head, line, qty, item, scan) for line, qty, item in body)
            written, receipts = written + len(body), receipts + 1
    return path, written, receipts


def copy(template: Path, target: Path) -> Path:
    with sqlite3.connect(template) as source, sqlite3.connect(target) as copied:
        source.backup(copied)
    source.close()
    copied.close()
    return target


def ours(url: str, path: Path, seeded: Seeded, today: date, chunk: int) -> ImportReport:
    db = Database(url)
    settings = load_settings(database_url=url)
    noon = datetime.combine(today, clock_time(12), tzinfo=settings.tz)
    runtime = replace(bootstrap.runtime(settings, db), clock=Clock(settings.tz, lambda: noon))
    try:
        return import_receipts(runtime, path=path, username=seeded.username, chunk_size=chunk)
    finally:
        db.dispose()


def bare(database: Path, path: Path, username: str) -> int:
    """The same rows with sqlite3 executemany in one transaction; returns receipts posted."""
    conn = sqlite3.connect(database, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA foreign_keys=ON")
    conn.execute("BEGIN IMMEDIATE")
    out = _bare_rows(conn, path, username)
    _bare_write(conn, out)
    conn.execute("COMMIT")
    conn.close()
    return len(out["receipts"])


def _bare_rows(
    conn: sqlite3.Connection, path: Path, username: str
) -> dict[str, list[tuple[object, ...]]]:
    """Parse, read the scans, look up ids once, and compute every row to write."""
    groups: dict[tuple[str, str], list[dict[str, str]]] = defaultdict(list)
    with path.open(encoding="utf-8-sig", newline="") as handle:
        for row in csv.DictReader(handle):
            groups[row["company_order_no"], row["receipt_no"]].append(row)
    orders = {
        no: (oid, cid, version)
        for no, oid, cid, version in conn.execute(
            "SELECT company_order_no, id, customer_id, version FROM orders WHERE state='shipped'"
        )
    }
    lines = {
        (oid, no): (lid, item, qty)
        for oid, no, lid, item, qty in conn.execute(
            "SELECT o.order_id, o.line_no, o.id, o.item_id, s.quantity FROM order_lines o "
            "JOIN shipment_lines s ON s.order_line_id = o.id"
        )
    }
    shipments = dict(conn.execute("SELECT order_id, id FROM shipments"))
    items = dict(conn.execute("SELECT code, id FROM items"))
    ids = {t: _max_id(conn, t) for t in TABLES}
    now = datetime.now(UTC).replace(tzinfo=None).isoformat(sep=" ")
    out: dict[str, list[tuple[object, ...]]] = defaultdict(list)
    hashes: dict[str, int] = {}
    for (order_no, receipt_no), rows in groups.items():
        order_id, customer_id, version = orders[order_no]
        content = (path.parent / rows[0]["evidence"]).read_bytes()
        sha = hashlib.sha256(content).hexdigest()
        if sha not in hashes:
            hashes[sha] = ids["attachments"] = ids["attachments"] + 1
            name = Path(rows[0]["evidence"]).name
            out["attachments"].append(
                (hashes[sha], sha, len(content), "image/png", name, content, username, now)
            )
        receipt_id = ids["receipts"] = ids["receipts"] + 1
        out["receipts"].append(
            (
                receipt_id,
                order_id,
                shipments[order_id],
                customer_id,
                receipt_no,
                rows[0]["receipt_date"],
                "",
                username,
                now,
            )
        )
        out["links"].append((receipt_id, hashes[sha]))
        received: dict[int, int] = defaultdict(int)
        substituted = []
        for row in rows:
            line_id, item_id, shipped = lines[order_id, int(row["line_no"])]
            got = items[row["item_code"]] if row["item_code"] else item_id
            qty = int(row["received_qty"])
            received[int(row["line_no"])] += qty
            ids["receipt_lines"] += 1
            out["receipt_lines"].append((ids["receipt_lines"], receipt_id, line_id, got, qty))
            if got != item_id:
                substituted.append((int(row["line_no"]), got, qty))
        for line_no, total in received.items():
            line_id, item_id, shipped = lines[order_id, line_no]
            if total < shipped:
                ids["receipt_exceptions"] += 1
                short = ("shortage", item_id, None, shipped, total, shipped - total, now)
                out["receipt_exceptions"].append(
                    (ids["receipt_exceptions"], receipt_id, line_id, *short)
                )
        for line_no, got, qty in substituted:
            line_id, item_id, shipped = lines[order_id, line_no]
            ids["receipt_exceptions"] += 1
            swap = ("substitution", item_id, got, shipped, received[line_no], qty, now)
            out["receipt_exceptions"].append(
                (ids["receipt_exceptions"], receipt_id, line_id, *swap)
            )
        ids["events"] += 1
        payload = {
            "receipt_no": receipt_no,
            "receipt_date": rows[0]["receipt_date"],
            "lines": [
                {
                    "line_no": int(r["line_no"]),
                    "received_qty": int(r["received_qty"]),
                    "item_code": r["item_code"] or None,
                }
                for r in rows
            ],
            "evidence": [hashes[sha]],
            "note": "",
        }
        event = ("order", order_id, "post_receipt", "shipped", "receipted", username, now)
        out["events"].append((ids["events"], *event, json.dumps(payload), "[]"))
        out["orders"].append((now, order_id, version))
    return out


def _bare_write(conn: sqlite3.Connection, out: dict[str, list[tuple[object, ...]]]) -> None:
    conn.executemany(
        "INSERT INTO attachments (id, sha256, size, content_type, filename, content,"
        " uploaded_by, uploaded_at) VALUES (?,?,?,?,?,?,?,?)",
        out["attachments"],
    )
    conn.executemany(
        "INSERT INTO receipts (id, order_id, shipment_id, customer_id, receipt_no, receipt_date,"
        " note, posted_by, posted_at) VALUES (?,?,?,?,?,?,?,?,?)",
        out["receipts"],
    )
    conn.executemany("INSERT INTO receipt_attachments VALUES (?,?)", out["links"])
    conn.executemany(
        "INSERT INTO receipt_lines (id, receipt_id, order_line_id, received_item_id, received_qty)"
        " VALUES (?,?,?,?,?)",
        out["receipt_lines"],
    )
    conn.executemany(
        "INSERT INTO receipt_exceptions (id, receipt_id, order_line_id, kind, expected_item_id,"
        " received_item_id, shipped_qty, received_qty, quantity, created_at, state)"
        " VALUES (?,?,?,?,?,?,?,?,?,?,'open')",
        out["receipt_exceptions"],
    )
    conn.executemany(
        'INSERT INTO events (id, entity_type, entity_id, "trigger", from_state, to_state, actor,'
        " occurred_at, payload, decisions) VALUES (?,?,?,?,?,?,?,?,?,?)",
        out["events"],
    )
    conn.executemany(
        "UPDATE orders SET state='receipted', version=version+1, updated_at=?"
        " WHERE id=? AND version=?",
        out["orders"],
    )


def _max_id(conn: sqlite3.Connection, table: str) -> int:
    return int(conn.execute(f"SELECT coalesce(max(id), 0) FROM {table}").fetchone()[0])


def counts(database: Path) -> dict[str, int]:
    """Row counts, and sums that catch different quantities or states."""
    queries = {t: f"SELECT count(*) FROM {t}" for t in TABLES} | {
        "receipted": "SELECT count(*) FROM orders WHERE state = 'receipted' AND version = 4",
        "sum received": "SELECT sum(received_qty) FROM receipt_lines",
        "sum exception qty": "SELECT sum(quantity + received_qty) FROM receipt_exceptions",
    }
    with sqlite3.connect(database) as conn:
        found = {k: int(conn.execute(q).fetchone()[0] or 0) for k, q in queries.items()}
    conn.close()
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000, help="CSV rows (default 100,000)")
    parser.add_argument("--chunk-size", type=int, default=200, help="receipts per transaction")
    parser.add_argument("--profile", action="store_true", help="profile ours on a sample")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="o2c-bench-import-") as tmp:
        folder = Path(tmp)
        template = folder / "template.sqlite3"
        db = Database(f"sqlite:///{template}")
        upgrade(db)
        today = business_date(load_settings(database_url=db.url).tz)
        started = time.perf_counter()
        seeded = seed(db, args.rows // 2 + 1, today=today)
        db.dispose()
        path, written, receipts = write_file(folder, seeded, args.rows)
        print(f"seeded {len(seeded.orders):,} shipped orders and wrote {written:,} rows,")
        print(
            f"  {receipts:,} receipts, {receipts:,} scans in {time.perf_counter() - started:.1f} s"
        )

        mine = copy(template, folder / "ours.sqlite3")
        started = time.perf_counter()
        report = ours(f"sqlite:///{mine}", path, seeded, today, args.chunk_size)
        ours_time = time.perf_counter() - started
        base = copy(template, folder / "bare.sqlite3")
        started = time.perf_counter()
        bare_posted = bare(base, path, seeded.username)
        bare_time = time.perf_counter() - started

        rows = report.rows_read
        print(f"ours  import_receipts  {rows / ours_time:10,.0f} rows/s  {ours_time:7.1f} s")
        print(f"bare  executemany      {rows / bare_time:10,.0f} rows/s  {bare_time:7.1f} s")
        print(f"ratio ours/bare        {bare_time / ours_time:10.1%} of the bare throughput")
        print(
            f"ours: posted {report.posted:,}, refused {report.refused:,}, "
            f"receipt exceptions {report.exceptions:,}; bare: posted {bare_posted:,}"
        )
        same = counts(mine) == counts(base)
        print(f"tables after both      {'identical counts and sums' if same else 'DIFFER'}")
        print(f"  ours {counts(mine)}\n  bare {counts(base)}")
        if args.profile:
            profile(template, folder, path, seeded, today, args.chunk_size)
        return 0 if same and report.refused == 0 and report.posted == receipts else 1


def profile(
    template: Path, folder: Path, path: Path, seeded: Seeded, today: date, chunk: int
) -> None:
    sample = folder / "sample.csv"
    with path.open(encoding="utf-8") as source, sample.open("w", encoding="utf-8") as target:
        for number, text in enumerate(source):
            if number > 10_000:
                break
            target.write(text)
    database = copy(template, folder / "profiled.sqlite3")
    profiler = cProfile.Profile()
    profiler.enable()
    ours(f"sqlite:///{database}", sample, seeded, today, chunk)
    profiler.disable()
    print("\nprofile of ours on the first 10,000 rows (by own time, then cumulative):")
    stats = pstats.Stats(profiler)
    stats.sort_stats("tottime").print_stats(15)
    stats.sort_stats("cumulative").print_stats(30)
    if os.environ.get("BENCH_CALLEES"):
        stats.print_callees(os.environ["BENCH_CALLEES"])


if __name__ == "__main__":
    sys.exit(main())
