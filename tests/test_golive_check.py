"""The go-live check (issue: adopting the service mid-business): each customer's receivable,
overdue and unapplied credit against the old system's control file (R30's figures), naming every
difference; the command's exit status and report; on both databases."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from service.receivables import golive
from service.receivables.ageing import Buckets
from tests import payments_flows as pf
from tests import receivables_flows as rf
from tests.flows import Flows
from tests.support import Backend, make_world, unique

AS_OF = date(2026, 12, 31)
HEADER = "customer_code,receivable,overdue,unapplied_credit"


def _owed(flows: Flows) -> tuple[str, Decimal, Decimal, str]:
    """The world customer owes two invoices, one of them overdue on AS_OF; a second customer
    holds 250.00 of unapplied credit. Their codes and figures."""
    late, early = rf.dated_invoices(
        flows, {"due": AS_OF - timedelta(days=15)}, {"due": AS_OF + timedelta(days=3)}
    )
    owed = Decimal(late["outstanding"]) + Decimal(early["outstanding"])
    other = make_world(flows.backend.db, today=flows.today).customer
    pf.paid(flows, "250.00", customer_code=other)
    return flows.world.customer, owed, Decimal(late["outstanding"]), other


def _file(tmp_path: Path, *rows: str) -> Path:
    path = tmp_path / f"{unique('control')}.csv"
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8-sig")
    return path


def _check(flows: Flows, path: Path, **options: bool) -> golive.GoLiveReport:
    buckets = Buckets.of("due", AS_OF, flows.backend.settings.ageing_buckets)
    with flows.backend.db.read() as session:
        return golive.check(session, golive.read_control(path), buckets, **options)


def _mine(report: golive.GoLiveReport, *codes: str) -> list[str]:
    return [str(d) for d in report.differences if d.customer_code in codes]


def test_golive_check_agrees_when_every_figure_is_the_same(flows: Flows, tmp_path: Path) -> None:
    code, owed, overdue, other = _owed(flows)
    path = _file(tmp_path, f'{code},"{owed:,}",{overdue},0', f"{other},0.00,0.00,250")
    assert _mine(_check(flows, path), code, other) == []
    listed = _check(flows, path, only_listed=True)
    assert listed.ok and (listed.customers, listed.agreeing) == (2, 2)
    assert (
        listed.summary()
        == f"go-live check as of {AS_OF}: 2 customer(s) compared, 2 agree; all agree"
    )


def test_golive_check_names_every_difference_with_both_values(flows: Flows, tmp_path: Path) -> None:
    code, owed, overdue, other = _owed(flows)
    nobody = unique("GONE")
    path = _file(
        tmp_path, f"{code},{owed},{overdue + Decimal('10.5')},12.00", f"{nobody},100.00,0,0"
    )
    report = _check(flows, path)
    assert not report.ok
    assert set(_mine(report, code, other, nobody)) == {
        f"line 2: {code}: overdue differs: control file {overdue + Decimal('10.50'):,}, "
        f"service {overdue:,}, difference -10.50",
        f"line 2: {code}: unapplied_credit differs: control file 12.00, service 0.00, "
        "difference -12.00",
        f"line 3: {nobody}: missing in the service: no such customer (control file: receivable "
        "100.00, overdue 0.00, unapplied_credit 0.00)",
        f"{other}: missing in the control file (service: receivable 0.00, overdue 0.00, "
        "unapplied_credit 250.00)",
    }
    found = {(d.customer_code, d.what): d for d in report.differences}
    assert found[(code, "overdue")].difference == Decimal("-10.50")
    assert (code, "receivable") not in found
    assert found[(nobody, "customer")].line == 3
    assert "missing in the control file" in found[(other, "customer")].problem


def _o2c(backend: Backend, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "service", "golive", "check", *args],
        check=False,
        env={"PATH": "/usr/bin:/bin", "O2C_DATABASE_URL": backend.settings.database_url},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_o2c_golive_check_exits_0_1_or_2_and_writes_the_report(
    flows: Flows, tmp_path: Path
) -> None:
    code, owed, overdue, other = _owed(flows)
    day = ["--as-of", str(AS_OF), "--only-listed"]
    agreeing = _file(tmp_path, f"{code},{owed},{overdue},0", f"{other},0,0,250.00")
    done = _o2c(flows.backend, str(agreeing), *day)
    assert done.returncode == 0, done.stderr
    assert "2 customer(s) compared, 2 agree; all agree" in done.stdout

    differing = _file(tmp_path, f"{code},{owed + 1},{overdue},0", f"{other},0,0,250.00")
    target = tmp_path / "differences.csv"
    found = _o2c(flows.backend, str(differing), *day, "--report", str(target))
    assert found.returncode == 1, found.stderr
    shown = f"control file {owed + 1:,}, service {owed:,}, difference -1.00"
    assert f"line 2: {code}: receivable differs: {shown}" in found.stdout
    assert "1 difference(s)" in found.stdout
    rows = list(csv.reader(io.StringIO(target.read_bytes().decode("utf-8-sig"))))
    assert rows == [
        golive.REPORT_HEADER,
        [code, "receivable", str(owed + 1), str(owed), "-1.00", "differs"],
    ]

    bad = _file(tmp_path, f"{code},{owed},{overdue},0", f"{code},abc,0,0", f"{other},,0,1.234")
    refused = _o2c(flows.backend, str(bad), *day)
    assert refused.returncode == 2
    assert f"line 3: customer_code: {code} is also on line 2" in refused.stderr
    assert "line 3: receivable: abc is not an amount" in refused.stderr
    assert "line 4: receivable: is empty" in refused.stderr
    assert "line 4: unapplied_credit: 1.234 is not an amount" in refused.stderr
    header = tmp_path / "header.csv"
    header.write_text("customer,receivable\nX,1\n", encoding="utf-8")
    wrong = _o2c(flows.backend, str(header))
    assert wrong.returncode == 2 and "missing customer_code, overdue" in wrong.stderr
    assert _o2c(flows.backend, str(agreeing), "--as-of", "31.12.2026").returncode == 2
