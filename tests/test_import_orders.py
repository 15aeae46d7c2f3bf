"""`o2c import orders`: open orders from the old system at go-live, through the lifecycle with
their business dates; bad rows by line, atomic orders, reruns, dry runs."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from service.auth import tokens
from service.imports import ImportReport, run_import
from service.numbering import document_number
from service.orders.importer import OrderImporter
from service.orders.models import Order
from service.shipments.models import Shipment
from tests.flows import Flows
from tests.support import unique

COLUMNS = OrderImporter.columns
Line = tuple[object, ...]


def _admin(flows: Flows) -> str:
    username = unique("golive")
    with flows.backend.db.write() as session:
        tokens.create_user(session, username=username, roles=["admin"])
    return username


def _file(folder: Path, rows: list[Line]) -> Path:
    path = folder / f"{unique('orders')}.csv"
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        writer.writerows(rows)
    return path


def _order(
    flows: Flows, state: str, *, po: str | None = None, number: str = "", lines: int = 2
) -> list[Line]:
    """The rows of one order of the world's customer, dated in the past."""
    world, today = flows.world, flows.today
    po = po or unique("PO")
    on = (today - timedelta(days=20), today - timedelta(days=15), today - timedelta(days=10))
    approved = str(on[1]) if state != "draft" else ""
    shipped = str(on[2]) if state == "shipped" else ""
    return [
        (
            world.customer,
            po,
            str(on[0]),
            world.dc,
            world.contract,
            number,
            state,
            approved,
            shipped,
            n + 1,
            world.items[n],
            5 * (n + 1),
            "1000.50",
            "",
        )
        for n in range(lines)
    ]


def _import(flows: Flows, path: Path, user: str, **kwargs: object) -> ImportReport:
    return run_import(
        flows.backend.runtime,
        OrderImporter(),
        path=path,
        username=user,
        **kwargs,  # type: ignore[arg-type]
    )


def _stored(flows: Flows, po: str) -> Order | None:
    with flows.backend.db.read() as session:
        return session.scalar(select(Order).where(Order.customer_po_no == po))


def test_r4_open_orders_are_imported_through_the_lifecycle_with_their_dates(
    flows: Flows, tmp_path: Path
) -> None:
    number = unique("SO")
    draft = _order(flows, "draft")
    shipped = _order(flows, "shipped", number=number)
    approved = _order(flows, "approved", number=number + "A")
    user = _admin(flows)
    report = _import(flows, _file(tmp_path, [*draft, *approved, *shipped]), user)
    assert (report.booked, report.refused) == (3, 0), report.problems

    one = _stored(flows, str(shipped[0][1]))
    assert one is not None and (one.state, one.company_order_no, one.imported) == (
        "shipped",
        number,
        True,
    )
    history = flows.history(one.id)
    assert [(e["trigger"], e["business_date"]) for e in history] == [
        ("import", shipped[0][2]),
        ("approve", shipped[0][7]),
        ("ship", shipped[0][8]),
    ]
    assert history[1]["payload"]["credit_release"] == "not run: approved in the old system"
    assert history[1]["decisions"] == []
    with flows.backend.db.read() as session:
        shipment = session.scalar(select(Shipment).where(Shipment.order_id == one.id))
        assert shipment is not None and [ln.quantity for ln in shipment.lines] == [5, 10]
    assert str(one.order_date) == shipped[0][2]
    entered = _stored(flows, str(draft[0][1]))
    assert entered is not None and (entered.state, entered.company_order_no) == ("draft", None)
    # The old system's prices are kept; the order's lines are the file's.
    assert flows.order(entered.id)["lines"][0]["unit_price"] == "1000.50"


def test_r2_bad_rows_are_named_by_line_and_an_order_is_booked_whole_or_not_at_all(
    flows: Flows, tmp_path: Path
) -> None:
    good = _order(flows, "draft")
    bad_qty = _order(flows, "draft")
    bad_qty[1] = (*bad_qty[1][:11], "many", *bad_qty[1][12:])
    no_number = _order(flows, "approved")
    unknown = [(*row[:10], "NO-SUCH-ITEM", *row[11:]) for row in _order(flows, "draft", lines=1)]
    future = _order(flows, "draft", lines=1)
    future[0] = (*future[0][:2], str(flows.today + timedelta(days=3)), *future[0][3:])
    rows = [*good, *bad_qty, *no_number, *unknown, *future]
    report = _import(flows, _file(tmp_path, rows), _admin(flows))

    assert (report.booked, report.refused) == (1, 4)
    reasons = {r.line: (r.outcome, r.reason) for r in report.rows}
    assert reasons[4] == (
        "not booked",
        f"order {flows.world.customer}/{bad_qty[0][1]} is refused: see line 5",
    )
    assert reasons[5] == ("refused", "qty: 'many' is not a whole number")
    assert reasons[6] == ("refused", "company_order_no: is required for an order approved")
    assert reasons[8] == ("refused", "item_code: no item 'NO-SUCH-ITEM'")
    assert reasons[9][0] == "refused" and reasons[9][1].startswith("order_date: ")
    for refused in (bad_qty, no_number, unknown, future):
        assert _stored(flows, str(refused[0][1])) is None


def test_a_rerun_books_nothing_twice_and_a_dry_run_books_nothing(
    flows: Flows, tmp_path: Path
) -> None:
    rows = _order(flows, "draft") + _order(flows, "approved", number=unique("SO"))
    path, user = _file(tmp_path, rows), _admin(flows)
    dry = _import(flows, path, user, dry_run=True)
    assert (dry.would_book, dry.booked) == (2, 0)
    assert _stored(flows, str(rows[0][1])) is None

    assert _import(flows, path, user).booked == 2
    again = _import(flows, path, user)
    assert (again.booked, again.already_booked) == (0, 2)
    first = _stored(flows, str(rows[0][1]))
    assert first is not None and len(flows.history(first.id)) == 1


def test_the_command_reports_by_line_and_exits_by_outcome(flows: Flows, tmp_path: Path) -> None:
    rows = _order(flows, "draft", lines=1) + _order(flows, "shipped", lines=1)
    path, report, user = _file(tmp_path, rows), tmp_path / "report.csv", _admin(flows)
    env = {k: v for k, v in os.environ.items() if not k.startswith("O2C_")}
    env["O2C_DATABASE_URL"] = flows.backend.settings.database_url

    def o2c(*args: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "service", "import", "orders", *args]
        return subprocess.run(command, env=env, capture_output=True, text=True, check=False)

    dry = o2c(str(path), "--user", user, "--dry-run", "--report", str(report), "--no-progress")
    assert dry.returncode == 1, dry.stderr
    assert "line 3: company_order_no: is required for an order shipped" in dry.stdout
    assert "dry run, nothing booked: rows read: 2; orders would book: 1" in dry.stdout
    with report.open(encoding="utf-8") as handle:
        assert [(r["line"], r["outcome"]) for r in csv.DictReader(handle)] == [
            ("2", "would book"),
            ("3", "refused"),
        ]
    assert _stored(flows, str(rows[0][1])) is None
    assert o2c(str(path), "--user", "nobody-" + unique("u")).returncode == 2


def test_r4_an_imported_company_order_number_is_never_given_again(
    flows: Flows, tmp_path: Path
) -> None:
    with flows.backend.db.write() as session:
        before = document_number(session, "SO", 2019)
    imported = f"SO2019{int(before[6:]) + 500:06d}"
    rows = _order(flows, "approved", number=imported, lines=1)
    assert _import(flows, _file(tmp_path, rows), _admin(flows)).booked == 1
    with flows.backend.db.write() as session:
        assert document_number(session, "SO", 2019) == f"SO2019{int(imported[6:]) + 1:06d}"
