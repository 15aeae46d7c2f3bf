"""`o2c import receipts`: many signed receipts from a CSV file (R6, R8), each bad row by line."""

from __future__ import annotations

import csv
import hashlib
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from service.auth import tokens
from service.clock import business_date
from service.errors import Forbidden, Invalid, NotFound
from service.receipts.importer import import_receipts
from service.receipts.importfile import COLUMNS
from service.receipts.importreport import ImportReport
from tests.flows import Flows
from tests.support import (
    Backend,
    Server,
    make_users,
    make_world,
    migrate,
    png_bytes,
    settings_for,
    unique,
)

Row = tuple[object, ...]


def _user(flows: Flows, *roles: str, active: bool = True) -> str:
    username = unique("importer")
    with flows.backend.db.write() as session:
        user = tokens.create_user(session, username=username, roles=list(roles or ["logistics"]))
        user.active = active
    return username


def _csv(folder: Path, rows: list[Row], name: str = "receipts.csv") -> Path:
    """Write the file and one distinct PNG scan per evidence path it names."""
    for evidence in {str(row[6]) for row in rows if len(row) > 6 and row[6]}:
        scan = folder / evidence
        scan.parent.mkdir(parents=True, exist_ok=True)
        if not scan.exists():
            scan.write_bytes(png_bytes(evidence))
    path = folder / name
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        writer.writerows(rows)
    return path


def _import(flows: Flows, path: Path, user: str, **kwargs: Any) -> ImportReport:
    return import_receipts(flows.backend.runtime, path=path, username=user, **kwargs)


def _full(order: dict[str, Any], receipt_no: str, day: str, scan: str) -> list[Row]:
    no = order["company_order_no"]
    return [(no, receipt_no, day, ln["line_no"], ln["quantity"], "", scan) for ln in order["lines"]]


def _posted_receipts(flows: Flows, order_id: int) -> int:
    history = flows.history(order_id)
    return sum(1 for event in history if event["trigger"] == "post_receipt")


def _problems(report: ImportReport) -> list[tuple[int, str, str]]:
    return [(r.line, r.outcome, r.reason) for r in report.problems]


def test_import_posts_good_receipts_and_reports_bad_rows_by_line(
    flows: Flows, tmp_path: Path
) -> None:
    a, b, c, d, e, f = (flows.shipped_order() for _ in range(6))
    day = str(flows.today - timedelta(days=1))
    no = {k: o["company_order_no"] for k, o in zip("abcdef", (a, b, c, d, e, f), strict=True)}
    rows: list[Row] = [
        *_full(a, "RK-A", day, "scans/a.png"),  # lines 2-3: posted
        (no["f"], "RK-F", day, 1, 10, "", "scans/f.png"),  # line 4 (its line 2 comes last)
        (no["b"], "RK-B", day, 1, "ten", "", "scans/b.png"),  # line 5: not a number
        (no["b"], "RK-B", day, 2, 5, "", "scans/b.png"),  # line 6: not posted because of 5
        (no["c"], "RK-C", day, 1, 11, "", "scans/c.png"),  # line 7: more than was shipped
        (no["c"], "RK-C", day, 2, 5, "", "scans/c.png"),  # line 8
        ("SO-NOPE", "RK-X", day, 1, 1, "", "scans/x.png"),  # line 9: unknown order
        (no["d"], "RK-D", day, 1),  # line 10: columns missing
        (no["d"], "RK-D", day, 2, 5, "", "scans/d.png"),  # line 11
        (no["e"], "RK-E", "2026-02-30", 1, 10, "", "scans/e.png"),  # line 12: no such date
        (no["e"], "RK-E", "2026-02-30", 2, 5, "", "scans/e.png"),  # line 13
        (no["f"], "RK-F", day, 2, 5, "", "scans/f.png"),  # line 14: posted with line 4
    ]
    report = _import(flows, _csv(tmp_path, rows), _user(flows))

    assert (report.rows_read, report.posted, report.already_posted, report.refused) == (13, 2, 0, 5)
    problems = _problems(report)
    assert [(line, outcome) for line, outcome, _ in problems] == [
        (5, "refused"),
        (6, "not posted"),
        (7, "refused"),
        (8, "not posted"),
        (9, "refused"),
        (10, "refused"),
        (11, "not posted"),
        (12, "refused"),
        (13, "refused"),
    ]
    reasons = {line: reason for line, _, reason in problems}
    assert reasons[5] == "received_qty: 'ten' is not a whole number"
    assert "line 5" in reasons[6]
    assert reasons[7] == "received_qty: received 11 exceeds the 10 shipped on line 1"
    assert reasons[9] == "company_order_no: no company order 'SO-NOPE'"
    assert reasons[10] == "received_qty: missing column; evidence: missing column"
    assert "line 10" in reasons[11]
    assert reasons[12] == "receipt_date: '2026-02-30' is not a YYYY-MM-DD date"

    for order in (a, f):
        assert flows.order(order["id"])["state"] == "receipted"
        receipt = flows.finance.get(f"/orders/{order['id']}/receipt").json()
        scan = tmp_path / "scans" / ("a.png" if order is a else "f.png")
        assert receipt["evidence"][0]["sha256"] == hashlib.sha256(scan.read_bytes()).hexdigest()
        assert [(ln["line_no"], ln["received_qty"]) for ln in receipt["lines"]] == [(1, 10), (2, 5)]
    for order in (b, c, d, e):
        assert flows.order(order["id"])["state"] == "shipped"
        assert flows.finance.get(f"/orders/{order['id']}/receipt").status_code == 404
        assert _posted_receipts(flows, order["id"]) == 0


def test_import_rerun_of_the_same_file_books_nothing_twice(flows: Flows, tmp_path: Path) -> None:
    orders = [flows.shipped_order() for _ in range(3)]
    day = str(flows.today - timedelta(days=2))
    # One scan covering all three receipts: stored once, by its content.
    rows = [row for i, o in enumerate(orders) for row in _full(o, f"RK-{i}", day, "scan.png")]
    path = _csv(tmp_path, rows)
    user = _user(flows)

    first = _import(flows, path, user, chunk_size=2)
    again = _import(flows, path, user, chunk_size=2)

    assert (first.posted, first.already_posted, first.refused) == (3, 0, 0)
    assert (again.posted, again.already_posted, again.refused) == (0, 3, 0)
    assert {r.outcome for r in again.rows} == {"already posted"}
    assert f"receipt RK-0 of order {orders[0]['company_order_no']}" in again.rows[0].reason
    evidence = set()
    for order in orders:
        assert _posted_receipts(flows, order["id"]) == 1
        receipt = flows.finance.get(f"/orders/{order['id']}/receipt").json()
        evidence |= {a["id"] for a in receipt["evidence"]}
    assert len(evidence) == 1


def test_import_interrupted_mid_file_then_rerun_never_double_books(
    flows: Flows, tmp_path: Path
) -> None:
    orders = [flows.shipped_order() for _ in range(5)]
    day = str(flows.today - timedelta(days=1))
    rows = [row for i, o in enumerate(orders) for row in _full(o, f"RK-{i}", day, f"s{i}.png")]
    path = _csv(tmp_path, rows)
    user = _user(flows)

    def crash(done: int, _total: int) -> None:
        if done == 3:
            raise RuntimeError("power cut")

    with pytest.raises(RuntimeError, match="power cut"):
        _import(flows, path, user, chunk_size=2, progress=crash)
    states = [flows.order(o["id"])["state"] for o in orders]
    assert states == ["receipted", "receipted", "shipped", "shipped", "shipped"]

    rerun = _import(flows, path, user, chunk_size=2)
    assert (rerun.posted, rerun.already_posted, rerun.refused) == (3, 2, 0)
    assert [_posted_receipts(flows, o["id"]) for o in orders] == [1, 1, 1, 1, 1]


def test_import_refuses_a_receipt_the_order_already_has_in_another_version(
    flows: Flows, tmp_path: Path
) -> None:
    by_api, by_file = flows.shipped_order(), flows.shipped_order()
    day = str(flows.today - timedelta(days=1))
    body = flows.receipt_body(by_api, receipt_no="RK-API")
    assert flows.post_receipt(by_api["id"], body).status_code == 201
    user = _user(flows)
    _import(flows, _csv(tmp_path, _full(by_file, "RK-1", day, "s.png"), "first.csv"), user)

    changed = _full(by_file, "RK-1", day, "s.png")
    changed[0] = (*changed[0][:4], 9, *changed[0][5:])
    rows = _full(by_api, "RK-OTHER", day, "s.png") + changed
    report = _import(flows, _csv(tmp_path, rows, "second.csv"), user)

    assert (report.posted, report.already_posted, report.refused) == (0, 0, 2)
    reasons = {line: reason for line, _, reason in _problems(report)}
    assert reasons[2].startswith("company_order_no: the order already has receipt RK-API")
    assert reasons[4].startswith("receipt_no: receipt RK-1 of order")
    assert reasons[4].endswith("has another lines; nothing was changed")
    receipt = flows.finance.get(f"/orders/{by_file['id']}/receipt").json()
    assert [ln["received_qty"] for ln in receipt["lines"]] == [10, 5]


def test_r8_import_records_shortages_and_substitutions_as_receipt_exceptions(
    flows: Flows, tmp_path: Path
) -> None:
    order = flows.shipped_order()
    no, day, swapped = order["company_order_no"], str(flows.today), flows.world.items[3]
    rows: list[Row] = [
        (no, "RK-8", day, 1, 7, "", "scan.pdf"),
        (no, "RK-8", day, 1, 3, swapped, "scan.pdf"),
        (no, "RK-8", day, 2, 4, "", "scan.pdf"),
    ]
    path = _csv(tmp_path, rows)
    (tmp_path / "scan.pdf").write_bytes(b"%PDF-1.4 signed receipt " + unique("pdf").encode())

    report = _import(flows, path, _user(flows))

    assert (report.posted, report.exceptions) == (1, 2)
    listed = flows.finance.get(
        "/receipt-exceptions", params={"customer_code": flows.world.customer}
    ).json()
    found = sorted(
        (e["kind"], e["line_no"], e["received_item_code"], e["quantity"]) for e in listed
    )
    assert found == [("shortage", 2, None, 1), ("substitution", 1, swapped, 3)]
    receipt = flows.finance.get(f"/orders/{order['id']}/receipt").json()
    assert receipt["evidence"][0]["content_type"] == "application/pdf"


def test_import_is_refused_for_an_unknown_inactive_or_non_logistics_user(
    flows: Flows, tmp_path: Path
) -> None:
    order = flows.shipped_order()
    path = _csv(tmp_path, _full(order, "RK-U", str(flows.today), "s.png"))

    with pytest.raises(NotFound, match="no user 'nobody'"):
        _import(flows, path, "nobody")
    with pytest.raises(Forbidden, match="needs one of: logistics"):
        _import(flows, path, _user(flows, "sales", "finance"))
    with pytest.raises(Forbidden, match="inactive"):
        _import(flows, path, _user(flows, "logistics", active=False))
    assert flows.order(order["id"])["state"] == "shipped"


def test_import_rows_of_one_receipt_must_agree_on_its_date_and_scan(
    flows: Flows, tmp_path: Path
) -> None:
    order = flows.shipped_order()
    no, day, other = order["company_order_no"], str(flows.today), str(flows.today - timedelta(1))
    rows: list[Row] = [
        (no, "RK-9", day, 1, 10, "", "one.png"),
        (no, "RK-9", other, 2, 3, "", "one.png"),
        (no, "RK-9", day, 2, 2, "", "two.png"),
    ]
    report = _import(flows, _csv(tmp_path, rows), _user(flows))

    assert _problems(report) == [
        (2, "not posted", f"receipt RK-9 of order {no} is refused: see line 3, 4"),
        (3, "refused", f"receipt_date: {other} differs from {day} on line 2 of the same receipt"),
        (4, "refused", "evidence: two.png differs from one.png on line 2 of the same receipt"),
    ]
    assert flows.order(order["id"])["state"] == "shipped"


def test_import_refuses_a_file_whose_header_lacks_a_column(flows: Flows, tmp_path: Path) -> None:
    path = tmp_path / "receipts.csv"
    path.write_text("company_order_no,receipt_no,receipt_date,line_no,evidence\n", "utf-8")
    with pytest.raises(Invalid, match=r"line 1: .*missing received_qty"):
        _import(flows, path, _user(flows))


# --- the command line ----------------------------------------------------------------------


@pytest.fixture
def sqlite_flows(tmp_path: Path) -> Iterator[Flows]:
    url = f"sqlite:///{tmp_path / 'import.sqlite3'}"
    db = migrate(url)
    settings = settings_for(url)
    world = make_world(db, today=business_date(settings.tz))
    with Server(settings, db) as server:
        backend = Backend("sqlite", db, settings, server.url, server.app.state.ctx, make_users(db))
        with Flows(backend, world) as flows:
            yield flows
    db.dispose()


def test_import_receipts_command_posts_reports_each_bad_line_and_exits_1(
    sqlite_flows: Flows, tmp_path: Path
) -> None:
    flows = sqlite_flows
    good, bad = flows.shipped_order(), flows.shipped_order()
    day = str(flows.today - timedelta(days=1))
    later, bad_no = str(flows.today + timedelta(days=1)), bad["company_order_no"]
    rows = [
        *_full(good, "RK-G", day, "scans/g.png"),
        (bad_no, "RK-B", later, 1, 10, "", "b.png"),
        (bad_no, "RK-B", later, 2, 5, "", "b.png"),
    ]
    path = _csv(tmp_path, rows)
    report = tmp_path / "outcomes.csv"
    user = _user(flows)
    env = {k: v for k, v in os.environ.items() if not k.startswith("O2C_")}
    env["O2C_DATABASE_URL"] = flows.backend.settings.database_url

    def o2c(*args: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "service", "import", "receipts", *args]
        return subprocess.run(command, env=env, capture_output=True, text=True, check=False)

    first = o2c(str(path), "--user", user, "--report", str(report), "--no-progress")
    assert first.returncode == 1, first.stderr
    assert f"line 4: receipt_date: receipt date {later} is in the future" in first.stdout
    assert "line 5: receipt RK-B of order" in first.stdout
    assert "rows read: 4; receipts posted: 1 " in first.stdout
    assert "already posted: 0, refused: 1" in first.stdout
    with report.open(encoding="utf-8") as handle:
        outcomes = [(r["line"], r["outcome"]) for r in csv.DictReader(handle)]
    assert outcomes == [("2", "posted"), ("3", "posted"), ("4", "refused"), ("5", "not posted")]
    assert flows.order(good["id"])["state"] == "receipted"
    assert flows.order(bad["id"])["state"] == "shipped"

    rerun = o2c(str(path), "--user", user, "--no-progress")
    assert "receipts posted: 0 " in rerun.stdout and "already posted: 1" in rerun.stdout
    assert _posted_receipts(flows, good["id"]) == 1

    refused = o2c(str(path), "--user", "nobody")
    assert refused.returncode == 2
    assert "no user 'nobody'" in refused.stderr
