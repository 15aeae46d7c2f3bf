"""Bank statement lines imported from CSV and matched (R23's money side) on both databases:
matched by statement, invoice or fapiao number when nothing is in doubt, the rest waiting for a
person; a rerun or two imports at the same moment book nothing twice; a reference recorded by
hand before is matched to that payment; bad lines are reported by line and field while the good
ones go through; GBK files with Chinese headers. The ledger identity is checked after each test
(tests/conftest.py)."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx

from service.payments.bankimport import MAX_LINES
from tests import payments_flows as pf
from tests.flows import Flows
from tests.pages import Person
from tests.support import Backend, unique

HEADER = "value_date,amount,payer,bank_reference,remittance"


def ref(prefix: str) -> str:
    """A bank reference as it is stored (capitals)."""
    return unique(prefix).upper()


def csv_of(*lines: str, header: str = HEADER) -> bytes:
    return ("\n".join((header, *lines)) + "\n").encode("utf-8")


def upload(
    client: httpx.Client, content: bytes, *, dry_run: bool = False, name: str = "statement.csv"
) -> httpx.Response:
    return client.post(
        "/bank-statements",
        params={"dry_run": str(dry_run).lower()},
        files={"file": (name, content, "text/csv")},
    )


def imported(flows: Flows, content: bytes, **kwargs: Any) -> dict[str, Any]:
    response = upload(flows.finance, content, **kwargs)
    assert response.status_code == 201, response.text
    return dict(response.json())


def outcomes(report: dict[str, Any]) -> dict[int, str]:
    return {line["line"]: line["outcome"] for line in report["lines"]}


def payments_of(flows: Flows) -> list[dict[str, Any]]:
    found = flows.finance.get(f"/customers/{flows.world.customer}/payments").json()
    return list(found)


def line(flows: Flows, line_id: int) -> httpx.Response:
    return flows.finance.get(f"/bank-lines/{line_id}")


def test_r23_bank_lines_naming_an_invoice_or_its_fapiao_are_booked_once_the_rest_wait(
    flows: Flows,
) -> None:
    first = pf.invoice(flows, [(0, 1)])
    second = pf.invoice(flows, [(1, 1)])
    today = flows.today
    refs = [ref("ICBC") for _ in range(6)]
    name = f"customer {flows.world.customer}"
    content = csv_of(
        f'{today},"{Decimal(first["outstanding"]):,}",{name},{refs[0]},货款 {first["invoice_no"]}',
        f"{today},{second['outstanding']},Some Trading Co.,{refs[1]},FP{second['fapiao_no']}款",
        f"{today},100.00,{name},{refs[2]},货款",
        f"{today},-88.00,{name},{refs[3]},退款",
        f"2026-13-45,10.00,{name},{refs[4]},x",
        f"{today},12.3.4,{name},{refs[5]},x",
    )
    report = imported(flows, content)
    assert outcomes(report) == {
        2: "booked",
        3: "booked",
        4: "waiting",
        5: "skipped",
        6: "error",
        7: "error",
    }
    assert {k: report[k] for k in ("lines_read", "new", "matched", "booked", "waiting")} == {
        "lines_read": 6,
        "new": 3,
        "matched": 2,
        "booked": 2,
        "waiting": 1,
    }
    assert (report["skipped"], report["errors"], report["already"]) == (1, 2, 0)
    assert [(p["line"], p["field"], p["code"]) for p in report["problems"]] == [
        (6, "value_date", "bank.line.bad_date"),
        (7, "amount", "bank.line.bad_amount"),
    ]
    assert pf.read(flows, first["id"])["state"] == "paid"
    assert pf.read(flows, second["id"])["state"] == "paid"
    booked = {p["bank_reference"]: p for p in payments_of(flows)}
    assert set(booked) == {refs[0], refs[1]}
    assert booked[refs[0]]["amount"] == first["outstanding"]
    assert booked[refs[1]]["payer"] == "Some Trading Co."
    waiting = report["lines"][2]
    assert waiting["reason"] == "bank.waiting.nothing_named"
    # Nothing of the bad lines is stored.
    listed = flows.finance.get("/bank-lines", params={"customer_code": flows.world.customer})
    assert {x["bank_reference"] for x in listed.json()} == set(refs[:3])

    again = imported(flows, content)
    assert outcomes(again) == {2: "already", 3: "already", 4: "already", 5: "skipped"} | {
        6: "error",
        7: "error",
    }
    assert (again["new"], again["booked"], again["already"]) == (0, 0, 3)
    assert len(payments_of(flows)) == 2


def test_r23_a_bank_line_naming_a_confirmed_statement_pays_it_with_its_deductions(
    backend: Backend, person: Callable[..., Person]
) -> None:
    from datetime import date

    from service.clock import business_date
    from tests import statements_flows as sf
    from tests.support import make_world
    from tests.test_statements import adjustment
    from tests.test_statements import upload as upload_scan

    world = make_world(
        backend.db,
        today=business_date(backend.settings.tz),
        discount_mode="receipt_offset",
        discount_rate="0.02",
    )
    with Flows(backend, world) as flows:
        invoice = sf.invoice_due(flows, date(2026, 12, 16))
        rebate = adjustment(flows, "rebate", "500.00")
        sf.run(backend, date(2026, 12, 11))
        [drafted] = sf.statements(flows)
        no = drafted["statement_no"]
        sent = flows.sales.post(
            f"/statements/{no}/send",
            json={"sent_on": str(flows.today), "to": "Ms Wang", "channel": "email"},
        )
        assert sent.status_code == 200, sent.text
        confirmed = flows.finance.post(
            f"/statements/{no}/confirm",
            json={
                "confirmed_on": str(flows.today),
                "customer_signatory": "Ms Wang",
                "evidence_id": upload_scan(flows),
            },
        )
        assert confirmed.status_code == 200, confirmed.text
        due = confirmed.json()["totals"]["amount_due"]
        # The rebate deducted on its own meanwhile: the payment is refused, the line waits.
        alone = flows.finance.post(
            "/deductions",
            json={
                "customer_code": world.customer,
                "kind": "statement_adjustment",
                "id": rebate["id"],
                "day": str(flows.today),
            },
        )
        assert alone.status_code == 201, alone.text
        early = imported(flows, csv_of(f"{flows.today},{due},Mall,{ref('CMB')},{no}"))
        [waiting] = early["lines"]
        assert (waiting["outcome"], waiting["reason"]) == ("waiting", "bank.waiting.refused")
        assert waiting["reason_params"]["refusal"] == "payment.deduction_already_booked"
        with person("finance", locale="zh") as chinese:
            shown = chinese.page(f"/web/bank-lines/{waiting['bank_line_id']}")
            assert "回款被拒绝" in shown
        reversed_ = flows.finance.post(
            f"/deductions/{alone.json()['id']}/reverse", json={"reason": "paid with the statement"}
        )
        assert reversed_.status_code == 200, reversed_.text
        again = flows.finance.post(
            f"/bank-lines/{waiting['bank_line_id']}/match",
            json={"customer_code": world.customer, "statement_no": no},
        )
        assert again.status_code == 200, again.text
        assert sf.statement(flows, no)["state"] == "paid"
        pf.reverse(flows, again.json()["payment_no"])
        assert sf.statement(flows, no)["state"] == "confirmed"

        reference = ref("CMB")
        report = imported(
            flows, csv_of(f"{flows.today},{due},Mall,{reference},对账单 {no.lower()} 付款")
        )
        assert outcomes(report) == {2: "booked"}, report
        payment = flows.finance.get(f"/payments/{report['lines'][0]['payment_no']}").json()
        assert payment["statement_no"] == no
        assert len(payment["deductions"]) == 2
        assert pf.read(flows, invoice["id"])["state"] == "paid"
        assert sf.statement(flows, no)["state"] == "paid"


def test_r23_a_bank_line_whose_reference_was_recorded_by_hand_is_matched_to_that_payment(
    flows: Flows,
) -> None:
    invoice = pf.invoice(flows, [(0, 1)])
    reference = ref("ABC")
    by_hand = pf.paid(flows, "300.00", bank_reference=reference)
    report = imported(
        flows,
        csv_of(f"{flows.today},300.00,Mall,{reference.lower()},{invoice['invoice_no']}"),
    )
    assert outcomes(report) == {2: "matched_existing"}
    assert report["lines"][0]["payment_no"] == by_hand["payment_no"]
    assert (report["matched"], report["booked"]) == (1, 0)
    assert len(payments_of(flows)) == 1
    found = line(flows, report["lines"][0]["bank_line_id"]).json()
    assert (found["state"], found["payment_no"]) == ("matched", by_hand["payment_no"])


def test_r23_an_amount_that_is_not_what_the_named_invoice_owes_waits_with_its_candidates(
    flows: Flows,
) -> None:
    invoice = pf.invoice(flows, [(0, 1)])
    other = pf.invoice(flows, [(1, 1)])
    report = imported(
        flows,
        csv_of(f"{flows.today},500.00,Mall,{ref('BOC')},pay {invoice['invoice_no']}"),
    )
    [waiting] = report["lines"]
    assert (waiting["outcome"], waiting["reason"]) == ("waiting", "bank.waiting.amount_differs")
    response = line(flows, waiting["bank_line_id"])
    assert response.headers["ETag"] == '"1"'
    found = response.json()
    assert found["customer_code"] == flows.world.customer
    assert [c["code"] for c in found["candidates"]["customers"]] == [flows.world.customer]
    candidates = found["candidates"]["invoices"]
    assert candidates[0]["invoice_no"] == invoice["invoice_no"] and candidates[0]["named"]
    assert other["invoice_no"] in {c["invoice_no"] for c in candidates}
    assert pf.read(flows, invoice["id"])["outstanding"] == invoice["outstanding"]
    queue = flows.finance.get("/bank-lines", params={"state": "unmatched", "limit": 500}).json()
    assert waiting["bank_line_id"] in {x["id"] for x in queue}


def test_r23_a_person_matches_a_waiting_line_ignores_and_reopens_another(flows: Flows) -> None:
    invoice = pf.invoice(flows, [(0, 1)])
    refs = [ref("CCB"), ref("CCB")]
    report = imported(
        flows,
        csv_of(
            f"{flows.today},200.00,Someone,{refs[0]},thanks",
            f"{flows.today},9.99,Bank fee refund,{refs[1]},",
        ),
    )
    first, second = (x["bank_line_id"] for x in report["lines"])
    assert {x["reason"] for x in report["lines"]} == {"bank.waiting.no_customer"}
    body = {
        "customer_code": flows.world.customer,
        "remittance": [{"invoice_no": invoice["invoice_no"], "amount": "150.00"}],
    }
    stale = flows.finance.post(f"/bank-lines/{first}/match", json=body, headers={"If-Match": "7"})
    pf.problem(stale, 409, "document.version_mismatch")
    too_much = flows.finance.post(
        f"/bank-lines/{first}/match",
        json=body | {"remittance": [{"invoice_no": invoice["invoice_no"], "amount": "201.00"}]},
    )
    pf.problem(too_much, 422, "payment.remittance_exceeds_amount")
    assert line(flows, first).json()["state"] == "unmatched"
    matched = flows.finance.post(f"/bank-lines/{first}/match", json=body, headers={"If-Match": "1"})
    assert matched.status_code == 200, matched.text
    found = matched.json()
    assert (found["state"], found["customer_code"]) == ("matched", flows.world.customer)
    payment = flows.finance.get(f"/payments/{found['payment_no']}").json()
    assert (payment["amount"], payment["bank_reference"], payment["payer"]) == (
        "200.00",
        refs[0],
        "Someone",
    )
    assert (payment["allocated"], payment["unapplied"]) == ("150.00", "50.00")
    pf.problem(
        flows.finance.post(f"/bank-lines/{first}/match", json=body),
        409,
        "workflow.trigger_not_allowed",
    )
    # Reversing the payment leaves the line matched to it.
    assert pf.reverse(flows, found["payment_no"]).status_code == 200
    assert line(flows, first).json()["state"] == "matched"

    no_reason = flows.finance.post(f"/bank-lines/{second}/ignore", json={"reason": ""})
    assert no_reason.status_code == 422, no_reason.text
    assert no_reason.json()["errors"][0]["field"] == "reason"
    ignored = flows.finance.post(f"/bank-lines/{second}/ignore", json={"reason": "bank refund"})
    assert ignored.status_code == 200, ignored.text
    assert (ignored.json()["state"], ignored.json()["ignore_reason"]) == ("ignored", "bank refund")
    reopened = flows.finance.post(f"/bank-lines/{second}/reopen")
    assert reopened.status_code == 200, reopened.text
    assert (reopened.json()["state"], reopened.json()["ignore_reason"]) == ("unmatched", None)
    history = flows.finance.get(f"/bank-lines/{second}/history").json()
    assert [e["trigger"] for e in history] == ["create", "ignore", "reopen"]
    assert flows.sales.post(f"/bank-lines/{second}/ignore", json={"reason": "x"}).status_code == 403


def test_r23_a_gbk_file_with_chinese_headers_and_a_dry_run_that_stores_nothing(
    flows: Flows,
) -> None:
    invoice = pf.invoice(flows, [(0, 1)])
    reference = ref("ABC")
    text = (
        "交易日期,贷方金额,对方户名,流水号,附言,余额\r\n"
        f"{flows.today:%Y/%m/%d},{invoice['outstanding']},北京家电商场,{reference},"
        f"支付发票{invoice['invoice_no']}货款,123.00\r\n"
    )
    content = text.encode("gbk")
    trial = imported(flows, content, dry_run=True, name="流水.csv")
    assert (trial["dry_run"], trial["import_id"], outcomes(trial)) == (True, None, {2: "booked"})
    assert payments_of(flows) == []
    assert pf.read(flows, invoice["id"])["state"] == "issued"
    assert flows.finance.get("/payments", params={"bank_reference": reference}).json() == []
    done = imported(flows, content, name="流水.csv")
    assert outcomes(done) == {2: "booked"}
    assert done["file"] == "流水.csv"
    stored = line(flows, done["lines"][0]["bank_line_id"]).json()
    assert stored["payer"] == "北京家电商场"
    assert stored["raw"]["余额"] == "123.00"


def test_bank_import_refuses_a_file_without_the_needed_columns_naming_them(flows: Flows) -> None:
    response = upload(flows.finance, csv_of("2026-12-01,1.00", header="date,amount"))
    found = pf.problem(response, 422, "bank.file.columns_missing")
    assert found["errors"][0]["field"] == "file"
    assert found["missing"] == ["payer", "bank_reference"]
    many = csv_of(*(f"{flows.today},1.00,Mall,R{n}," for n in range(MAX_LINES + 1)))
    pf.problem(upload(flows.finance, many), 422, "bank.file.too_many_lines")
    empty = flows.finance.post(
        "/bank-statements", content=b"", headers={"content-type": "text/csv"}
    )
    pf.problem(empty, 422, "bank.file.missing")
    body = flows.finance.post(
        "/bank-statements",
        content=csv_of(f"{flows.today},5.00,Mall,{ref('X')},"),
        headers={"content-type": "text/csv"},
    )
    assert body.status_code == 201, body.text
    assert outcomes(body.json()) == {2: "waiting"}


def test_r23_two_imports_of_one_file_at_the_same_moment_book_it_once(
    backend: Backend, flows: Flows
) -> None:
    invoices = [pf.invoice(flows, [(i, 1)]) for i in range(3)]
    content = csv_of(
        *(
            f"{flows.today},{inv['outstanding']},Mall,{ref('SPDB')},{inv['invoice_no']}"
            for inv in invoices
        )
    )
    answers: list[httpx.Response] = []
    start = threading.Barrier(2)

    def post() -> None:
        with backend.client("finance") as client:
            start.wait()
            answers.append(upload(client, content))

    threads = [threading.Thread(target=post) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [a.status_code for a in answers] == [201, 201], [a.text for a in answers]
    booked = sum(a.json()["booked"] for a in answers)
    already = sum(a.json()["already"] for a in answers)
    assert (booked, already) == (3, 3)
    assert len(payments_of(flows)) == 3
    for invoice in invoices:
        assert pf.read(flows, invoice["id"])["state"] == "paid"


def _finance_user(flows: Flows) -> str:
    from service.auth import tokens

    username = unique("bank-importer")
    with flows.backend.db.write() as session:
        tokens.create_user(session, username=username, roles=["finance"])
    return username


def test_r23_the_import_command_dry_runs_imports_in_chunks_and_reruns_without_booking_twice(
    flows: Flows, tmp_path: Path
) -> None:
    invoices = [pf.invoice(flows, [(i, 1)]) for i in range(2)]
    refs = [ref("HSBC") for _ in range(4)]
    path = tmp_path / "statement.csv"
    path.write_bytes(
        csv_of(
            *(
                f"{flows.today},{inv['outstanding']},Mall,{r},{inv['invoice_no']}"
                for inv, r in zip(invoices, refs, strict=False)
            ),
            f"{flows.today},77.00,Mall,{refs[2]},",
            f"{flows.today},abc,Mall,{refs[3]},",
        )
    )
    user = _finance_user(flows)
    env = {k: v for k, v in os.environ.items() if not k.startswith("O2C_")}
    env["O2C_DATABASE_URL"] = flows.backend.settings.database_url

    def o2c(*args: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "service", "import", "bank-statement", *args]
        return subprocess.run(command, env=env, capture_output=True, text=True, check=False)

    trial = o2c(str(path), "--user", user, "--dry-run", "--no-progress")
    assert trial.returncode == 1, trial.stderr
    assert "dry run, nothing stored: lines read: 4; new: 3, matched: 2" in trial.stdout
    assert "line 5: amount: abc is not an amount" in trial.stdout
    assert payments_of(flows) == []

    first = o2c(str(path), "--user", user, "--no-progress", "--chunk-size", "1")
    assert first.returncode == 1, first.stderr
    assert "new: 3, matched: 2 (2 payments booked), waiting: 1, already imported: 0" in first.stdout
    assert f"line 4: {refs[2]} waits: No customer found" in first.stdout
    assert len(payments_of(flows)) == 2

    again = o2c(str(path), "--user", user, "--no-progress")
    assert "new: 0, matched: 0 (0 payments booked), waiting: 0, already imported: 3" in again.stdout
    assert len(payments_of(flows)) == 2

    refused = o2c(str(path), "--user", "nobody")
    assert refused.returncode == 2
    assert "no active user nobody" in refused.stderr


def test_r23_a_waiting_line_recorded_by_hand_meanwhile_is_matched_to_that_payment(
    flows: Flows,
) -> None:
    pf.invoice(flows, [(0, 1)])
    reference = ref("CITIC")
    report = imported(flows, csv_of(f"{flows.today},321.00,Mall,{reference},"))
    line_id = report["lines"][0]["bank_line_id"]
    by_hand = pf.paid(flows, "321.00", bank_reference=reference)
    matched = flows.finance.post(
        f"/bank-lines/{line_id}/match", json={"customer_code": flows.world.customer}
    )
    assert matched.status_code == 200, matched.text
    assert (matched.json()["state"], matched.json()["payment_no"]) == (
        "matched",
        by_hand["payment_no"],
    )
    assert len(payments_of(flows)) == 1
