"""`o2c import opening-receivables` (go-live): what each imported invoice still owes at cut-over
and each customer's unapplied credit, booked as opening payments through `record_payment`; the
go-live check agrees after; reruns and dry runs book nothing; the ledger identity holds (checked
after every test); on both databases."""

from __future__ import annotations

import csv
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select

from service import journal
from service.auth import tokens
from service.imports import ImportReport, run_import
from service.payments.models import Payment
from service.payments.opening import OpeningReceivablesImporter
from service.receivables import golive
from service.receivables.ageing import Buckets
from tests import payments_flows as pf
from tests.flows import Flows
from tests.support import unique


def _file(folder: Path, rows: list[tuple[object, ...]]) -> Path:
    path = folder / f"{unique('opening')}.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(OpeningReceivablesImporter.columns)
        writer.writerows(rows)
    return path


def _run(flows: Flows, path: Path, **kwargs: object) -> ImportReport:
    username = unique("fin")
    with flows.backend.db.write() as session:
        tokens.create_user(session, username=username, roles=["finance"])
    importer = OpeningReceivablesImporter()
    return run_import(flows.backend.runtime, importer, path=path, username=username, **kwargs)  # type: ignore[arg-type]


def _opening(flows: Flows, *refs: str) -> dict[str, Payment]:
    with flows.backend.db.read() as session:
        found = session.scalars(select(Payment).where(Payment.bank_reference.in_(refs)))
        return {p.bank_reference: p for p in found}


def test_opening_receivables_settle_what_the_old_system_was_paid_and_keep_the_credit(
    flows: Flows, tmp_path: Path
) -> None:
    paid_part, untouched = pf.invoice(flows), pf.invoice(flows)
    code = flows.world.customer
    cutover = flows.today - timedelta(days=1)
    left = Decimal(paid_part["outstanding"]) - Decimal("10000.00")
    rows: list[tuple[object, ...]] = [
        (code, paid_part["invoice_no"], left, cutover),
        (code, untouched["invoice_no"], untouched["outstanding"], cutover),
        (code, "", "300.00", cutover),
    ]
    path = _file(tmp_path, rows)
    dry = _run(flows, path, dry_run=True)
    assert (dry.would_book, dry.already_booked, dry.booked) == (2, 1, 0)
    refs = [f"OPENING-{paid_part['invoice_no']}", f"OPENING-CREDIT-{code}".upper()]
    assert _opening(flows, *refs) == {}

    report = _run(flows, path)
    assert (report.booked, report.already_booked, report.refused) == (2, 1, 0), report.problems
    reasons = {r.line: r.reason for r in report.rows}
    owes = f"owes {untouched['outstanding']} as stated: nothing to settle"
    assert reasons[3] == f"invoice {untouched['invoice_no']} {owes}"
    payments = _opening(flows, *refs)
    settlement, credit = payments[refs[0]], payments[refs[1]]
    assert (settlement.amount, settlement.allocated, settlement.value_date) == (
        Decimal("10000.00"),
        Decimal("10000.00"),
        cutover,
    )
    assert (credit.amount, credit.allocated, credit.unapplied) == (
        Decimal("300.00"),
        Decimal("0.00"),
        Decimal("300.00"),
    )
    assert pf.read(flows, paid_part["id"])["outstanding"] == str(left)
    assert pf.read(flows, paid_part["id"])["state"] == "partly_paid"
    assert pf.read(flows, untouched["id"])["outstanding"] == untouched["outstanding"]
    assert pf.credit(flows)["unapplied"] == "300.00"
    with flows.backend.db.read() as session:
        [created] = journal.history(session, "payment", settlement.id)
    assert created.payload["opening"] is True

    # The go-live check agrees with a control file of the same figures.
    control = tmp_path / "control.csv"
    owed = left + Decimal(untouched["outstanding"])
    control.write_text(f"customer_code,receivable,overdue,unapplied_credit\n{code},{owed},0,300\n")
    buckets = Buckets.of("due", flows.today, flows.backend.settings.ageing_buckets)
    with flows.backend.db.read() as session:
        found = golive.check(session, golive.read_control(control), buckets, only_listed=True)
    assert found.ok, [str(d) for d in found.differences]

    again = _run(flows, path)
    assert (again.booked, again.already_booked) == (0, 3)
    assert again.rows[0].reason.startswith("opening payment SK")
    assert pf.credit(flows)["unapplied"] == "300.00"


def test_opening_receivables_bad_rows_are_named_by_line(flows: Flows, tmp_path: Path) -> None:
    invoice, other = pf.invoice(flows), pf.invoice(flows)
    code = flows.world.customer
    more = Decimal(invoice["outstanding"]) + 1
    rows: list[tuple[object, ...]] = [
        (code, invoice["invoice_no"], more, ""),  # line 2: more than it owes
        (code, "NO-SUCH-" + unique("IV"), "10.00", ""),  # line 3
        ("NOBODY-" + unique("C"), "", "10.00", "2026-13-01"),  # line 4
        (code, "", "0", ""),  # line 5: a credit of nothing
        (code, "", "5.00", ""),  # line 6: the same credit again
        (code, other["invoice_no"], "1.00", ""),  # line 7
        (code, other["invoice_no"], "1.00", ""),  # line 8: the same invoice again
    ]
    report = _run(flows, _file(tmp_path, rows))
    reasons = {r.line: (r.outcome, r.reason) for r in report.rows}
    assert reasons[2] == (
        "refused",
        f"outstanding: {more} is more than invoice {invoice['invoice_no']} owes "
        f"({invoice['outstanding']})",
    )
    assert reasons[3][1].startswith("invoice_no: no invoice NO-SUCH-")
    assert reasons[4] == ("refused", "as_of: '2026-13-01' is not a YYYY-MM-DD date")
    assert reasons[5] == ("refused", "outstanding: 0 is not between 0.01 and 10000000000.00")
    assert reasons[6][0] == "not booked"
    assert reasons[8] == ("refused", f"invoice_no: {code}/{other['invoice_no']} is also on line 7")
    assert reasons[7][0] == "not booked"
    assert report.booked == 0
    assert pf.read(flows, invoice["id"])["outstanding"] == invoice["outstanding"]
    assert pf.credit(flows)["unapplied"] == "0.00"

    unknown = _run(flows, _file(tmp_path, [("NOBODY-" + unique("C"), "", "10.00", "")]))
    assert unknown.rows[0].reason.startswith("customer_code: no customer NOBODY-")


def test_a_rerun_after_payments_since_the_cutover_finds_the_invoices_owing_as_stated(
    flows: Flows, tmp_path: Path
) -> None:
    # At go-live the payments received after the cut-over are imported after the opening
    # receivables: the invoice that owed its whole total then owes less, and a rerun of the
    # opening file finds it as stated at cut-over, booking nothing.
    whole, settled = pf.invoice(flows), pf.invoice(flows)
    code, cutover = flows.world.customer, flows.today - timedelta(days=1)
    left = Decimal(settled["outstanding"]) - Decimal("5000.00")
    rows: list[tuple[object, ...]] = [
        (code, whole["invoice_no"], whole["outstanding"], cutover),
        (code, settled["invoice_no"], left, cutover),
    ]
    path = _file(tmp_path, rows)
    first = _run(flows, path)
    assert (first.booked, first.already_booked, first.refused) == (1, 1, 0), first.problems
    remitted = [{"invoice_no": whole["invoice_no"], "amount": "6000.00"}]
    pf.paid(flows, "6000.00", remittance=remitted)
    pf.paid(flows, "1000.00", remittance=[{"invoice_no": settled["invoice_no"], "amount": "1000"}])

    again = _run(flows, path)
    assert (again.booked, again.already_booked, again.refused) == (0, 2, 0), again.problems
    reasons = {r.line: r.reason for r in again.rows}
    assert reasons[2] == (
        f"invoice {whole['invoice_no']} owed {whole['outstanding']} as stated: nothing to settle "
        "(6000.00 paid since)"
    )
    assert pf.read(flows, whole["id"])["outstanding"] == str(
        Decimal(whole["outstanding"]) - Decimal("6000.00")
    )
    # A figure above what the invoice owed before the payments is still refused.
    too_much = Decimal(whole["outstanding"]) + Decimal("0.01")
    wrong = _run(flows, _file(tmp_path, [(code, whole["invoice_no"], too_much, cutover)]))
    assert wrong.refused == 1
    assert wrong.problems[0].reason.startswith(f"outstanding: {too_much} is more than invoice")
