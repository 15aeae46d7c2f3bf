"""Finance imports customers' bookings from CSV; discrepancies open invoice exceptions."""

from __future__ import annotations

import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

from service import money
from service.invoices.exceptions.importer import import_bookings
from tests.flows import Flows

HEADER = "fapiao_no,reference,booked_on,item_code,quantity,unit_price,amount,tax,discount\n"


def _row(
    invoice: dict[str, Any], reference: str, code: str, qty: int, price: str, booked_on: str
) -> str:
    line = money.goods(money.fen(Decimal(price)), qty, Decimal("0.13"), includes_tax=True)
    return (
        f"{invoice['fapiao_no']},{reference},{booked_on},{code},{qty},{price},"
        f"{line.amount},{line.tax},\n"
    )


def _file(tmp_path: Path, flows: Flows) -> tuple[Path, dict[str, Any], dict[str, Any]]:
    world, today = flows.world, str(flows.today)
    matching = flows.issued_invoice(flows.receipted_order()["id"])
    short = flows.issued_invoice(flows.receipted_order()["id"])
    p0, p1 = (str(world.prices[world.items[i]]) for i in (0, 1))
    text = HEADER
    text += _row(matching, "BK-1", world.items[0], 10, p0, today)
    text += _row(matching, "BK-1", world.items[1], 5, p1, today)
    text += _row(short, "BK-2", world.items[0], 8, p0, today)  # booked 8 of 10 invoiced
    text += _row(short, "BK-2", world.items[1], 5, p1, today)
    text += f"{short['fapiao_no']},BK-3,{today},{world.items[1]},five,{p1},1.00,0.13,\n"
    text += f"99999999999999999999,BK-4,{today},{world.items[1]},1,{p1},1.00,0.13,\n"
    path = tmp_path / "bookings.csv"
    path.write_text(text, encoding="utf-8")
    return path, matching, short


def test_import_records_bookings_opens_exceptions_and_reports_bad_lines(
    tmp_path: Path, flows: Flows
) -> None:
    path, matching, short = _file(tmp_path, flows)
    finance = flows.finance.get("/me").json()["username"]
    report = import_bookings(flows.backend.runtime, path=path, username=finance)
    assert (report.recorded, report.refused, report.exceptions) == (2, 2, 1)
    assert flows.finance.get(f"/invoices/{matching['id']}").json()["state"] == "issued"
    assert flows.finance.get(f"/invoices/{short['id']}").json()["state"] == "disputed"
    assert any(p.startswith("line 6: quantity") for p in report.problems)
    assert any("lines 7" in p and "no invoice with fapiao" in p for p in report.problems)
    queue = flows.finance.get(
        "/invoice-exceptions", params={"customer_code": flows.world.customer}
    ).json()
    assert [(e["invoice_id"], e["kind"]) for e in queue] == [
        (short["id"], "quantity_over_invoiced")
    ]
    again = import_bookings(flows.backend.runtime, path=path, username=finance)
    assert (again.recorded, again.already) == (0, 2)
    assert (
        len(
            flows.finance.get(
                "/invoice-exceptions", params={"customer_code": flows.world.customer}
            ).json()
        )
        == 1
    )


def test_import_bookings_on_the_command_line(tmp_path: Path, flows: Flows) -> None:
    path, _matching, _short = _file(tmp_path, flows)
    env = {k: v for k, v in os.environ.items() if not k.startswith("O2C_")}
    env["O2C_DATABASE_URL"] = flows.backend.settings.database_url
    command = [sys.executable, "-m", "service", "import", "bookings", str(path)]
    logistics = flows.logistics.get("/me").json()["username"]
    refused = subprocess.run(
        [*command, "--user", logistics],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert refused.returncode == 2 and "needs one of the roles finance, sales" in refused.stderr
    finance = flows.finance.get("/me").json()["username"]
    done = subprocess.run(
        [*command, "--user", finance],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 1, done.stderr
    assert "bookings recorded: 2 (1 invoice exceptions opened)" in done.stdout
    assert "line 6: quantity" in done.stderr
