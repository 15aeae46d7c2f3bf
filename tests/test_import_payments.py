"""`o2c import payments` (go-live): payments received booked from a CSV file through the same use
case as `POST /payments` (R23 money side): allocated oldest due first or as remitted, the
invoices' paid states following, per-row problems by line, reruns and dry runs booking nothing,
the ledger identity holding after (checked after every test); on both databases."""

from __future__ import annotations

import csv
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select

from service.auth import tokens
from service.imports import ImportReport, run_import
from service.payments.importer import PaymentsImporter
from service.payments.models import Payment
from tests import payments_flows as pf
from tests.flows import Flows
from tests.support import unique

HEADER = PaymentsImporter.columns


def _file(folder: Path, rows: list[dict[str, object]]) -> Path:
    path = folder / f"{unique('payments')}.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=HEADER)
        writer.writeheader()
        writer.writerows(rows)
    return path


def _finance(flows: Flows) -> str:
    username = unique("fin")
    with flows.backend.db.write() as session:
        tokens.create_user(session, username=username, roles=["finance"])
    return username


def _run(flows: Flows, path: Path, user: str, **kwargs: object) -> ImportReport:
    importer = PaymentsImporter()
    return run_import(flows.backend.runtime, importer, path=path, username=user, **kwargs)  # type: ignore[arg-type]


def _payments(flows: Flows, *refs: str) -> dict[str, tuple[Decimal, Decimal]]:
    """The booked payments by bank reference: (allocated, unapplied)."""
    with flows.backend.db.read() as session:
        rows = session.execute(
            select(Payment.bank_reference, Payment.allocated, Payment.unapplied).where(
                Payment.bank_reference.in_(refs)
            )
        )
        return {ref: (allocated, unapplied) for ref, allocated, unapplied in rows}


def _row(flows: Flows, ref: str, amount: object, **more: object) -> dict[str, object]:
    return {
        "bank_reference": ref,
        "customer_code": flows.world.customer,
        "value_date": str(flows.today),
        "amount": amount,
    } | more


def test_r23_imported_payments_are_allocated_as_the_api_does(flows: Flows, tmp_path: Path) -> None:
    first, second = pf.invoice(flows), pf.invoice(flows)
    total = Decimal(first["total"])
    oldest, remitted, extra = (unique("ICBC").upper() for _ in range(3))
    path = _file(
        tmp_path,
        [
            _row(flows, oldest, "1000.00"),
            # Two rows, one payment: what it pays on the second invoice, the rest unapplied.
            _row(flows, remitted, "600.00", invoice_no=second["invoice_no"], invoice_amount="400"),
            _row(flows, extra, "5.00", payer="Mall Co.", note="rounding"),
        ],
    )
    report = _run(flows, path, _finance(flows))
    assert (report.booked, report.refused) == (3, 0), report.problems
    assert _payments(flows, oldest, remitted, extra) == {
        oldest: (Decimal("1000.00"), Decimal("0.00")),
        remitted: (Decimal("400.00"), Decimal("200.00")),
        extra: (Decimal("5.00"), Decimal("0.00")),
    }
    assert pf.read(flows, first["id"])["outstanding"] == str(total - Decimal("1005.00"))
    assert pf.read(flows, first["id"])["state"] == "partly_paid"
    assert pf.read(flows, second["id"])["outstanding"] == str(total - Decimal("400.00"))
    assert pf.credit(flows)["unapplied"] == "200.00"


def test_r23_bad_rows_are_named_by_line_and_a_bad_payment_books_nothing(
    flows: Flows, tmp_path: Path
) -> None:
    invoice = pf.invoice(flows)
    good, split, unknown, over, future = (unique("CMB").upper() for _ in range(5))
    rows = [
        _row(flows, good, "100.00"),  # line 2
        _row(flows, split, "300.00", invoice_no=invoice["invoice_no"], invoice_amount="100"),
        _row(flows, split, "300.00", invoice_no="NO-SUCH-INVOICE", invoice_amount="50"),  # 4
        _row(flows, unknown, "10.00", customer_code="NOBODY-" + unique("X")),  # line 5
        _row(flows, over, "abc"),  # line 6
        _row(flows, future, "10.00", value_date="2999-01-01"),  # line 7
        _row(flows, good, "100.00", value_date="2026-02-30"),  # line 8
    ]
    report = _run(flows, _file(tmp_path, rows), _finance(flows))
    reasons = {r.line: (r.outcome, r.reason) for r in report.rows}
    assert reasons[2] == ("not booked", f"payment {good} is refused: see line 8")
    assert reasons[8][0] == "refused"
    assert reasons[8][1].startswith("value_date: '2026-02-30' is not a YYYY-MM-DD date")
    assert reasons[3][0] == "not booked" and reasons[4][0] == "refused"
    assert "invoice_no: " in reasons[4][1] and "NO-SUCH-INVOICE" in reasons[4][1]
    assert reasons[5][0] == "refused" and reasons[5][1].startswith("customer_code: no customer")
    assert reasons[6] == ("refused", "amount: 'abc' is not a number")
    assert reasons[7][0] == "refused" and reasons[7][1].startswith("value_date: ")
    assert report.booked == 0 and report.refused == 5
    assert _payments(flows, good, split, unknown, over, future) == {}
    assert pf.read(flows, invoice["id"])["outstanding"] == invoice["outstanding"]


def test_r23_a_rerun_books_nothing_twice_and_a_dry_run_books_nothing(
    flows: Flows, tmp_path: Path
) -> None:
    invoice = pf.invoice(flows)
    refs = [unique("ABC").upper() for _ in range(2)]
    path = _file(tmp_path, [_row(flows, refs[0], "100.00"), _row(flows, refs[1], "50.50")])
    user = _finance(flows)
    dry = _run(flows, path, user, dry_run=True)
    assert (dry.would_book, dry.booked) == (2, 0)
    assert _payments(flows, *refs) == {}

    assert _run(flows, path, user).booked == 2
    again = _run(flows, path, user)
    assert (again.booked, again.already_booked, again.refused) == (0, 2, 0)
    assert again.rows[0].reason.startswith(f"bank reference {refs[0]} is payment SK")
    assert len(_payments(flows, *refs)) == 2
    left = Decimal(invoice["outstanding"]) - Decimal("150.50")
    assert pf.read(flows, invoice["id"])["outstanding"] == str(left)

    # The same reference for another amount is not the same payment: refused, naming it.
    clash = _file(tmp_path, [_row(flows, refs[0].lower(), "99.00")])
    refused = _run(flows, clash, user)
    assert refused.refused == 1
    assert "is already payment SK" in refused.rows[0].reason


def test_r23_o2c_import_payments_from_the_command_line(flows: Flows, tmp_path: Path) -> None:
    pf.invoice(flows)
    ref = unique("BOC").upper()
    path = _file(tmp_path, [_row(flows, ref, "10.00"), _row(flows, "X1", "zero")])
    env = {"PATH": "/usr/bin:/bin", "O2C_DATABASE_URL": flows.backend.settings.database_url}
    command = [sys.executable, "-m", "service", "import", "payments", str(path), "--no-progress"]
    user = _finance(flows)

    def o2c(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*command, *args], env=env, capture_output=True, text=True, check=False, timeout=120
        )

    trial = o2c("--user", user, "--dry-run")
    assert trial.returncode == 1, trial.stderr
    assert "line 3: amount: 'zero' is not a number" in trial.stdout
    assert _payments(flows, ref) == {}
    done = o2c("--user", user, "--report", str(tmp_path / "report.csv"))
    assert done.returncode == 1, done.stderr
    assert len(_payments(flows, ref)) == 1
    assert (
        (tmp_path / "report.csv")
        .read_text(encoding="utf-8")
        .splitlines()[1]
        .startswith(f"2,{ref},booked")
    )
    assert o2c("--user", "nobody-" + unique("u")).returncode == 2
