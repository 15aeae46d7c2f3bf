"""Reconciliation statements drafted by the scheduler (R20) through the API on both databases:
what they list and how the totals add up (R21), sending, confirming by both sides, disputes and
re-drafts with every version kept (R22)."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date
from typing import Any

import pytest
from sqlalchemy import select, update

from service.clock import business_date
from service.invoices.models import Invoice
from service.masterdata.models import Customer
from service.numbering import document_number
from service.scheduler.jobs import CALENDAR_GAP
from service.scheduler.models import Task
from service.statements import batch
from service.statements.jobs import RECONCILE_FINANCE, RECONCILE_SALES, SCHEDULER, scan_query
from service.statements.opening import PREFIX, Due, open_many
from tests import returns_flows as rf
from tests import statements_flows as sf
from tests.flows import Flows
from tests.support import Backend, analyses, make_world, plan_of, png_bytes, unique
from tests.test_red_letter import red_invoice, usable_form
from tests.test_returns import _blue_body


def upload(flows: Flows, role: str = "finance") -> int:
    response = flows.clients[role].post(
        "/attachments", files={"file": ("doc.png", png_bytes(unique("doc")), "image/png")}
    )
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def adjustment(flows: Flows, kind: str, amount: str, **overrides: Any) -> dict[str, Any]:
    body = {
        "customer_code": flows.world.customer,
        "kind": kind,
        "amount": amount,
        "description": f"{kind} agreed for the quarter",
        "document_no": unique("FL"),
        "evidence": [upload(flows)],
    } | overrides
    response = flows.finance.post("/statement-adjustments", json=body)
    assert response.status_code == 201, response.text
    return dict(response.json())


def problem(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    found = dict(response.json())
    assert found["code"] == code, found
    return found


# --- R20: drafted a number of working days ahead, decided per customer ----------------------


def test_r20_statements_are_drafted_working_days_ahead_per_grade_over_weekends_and_holidays(
    backend: Backend, flows: Flows
) -> None:
    # Grade B: three working days. Monday 12 October 2026 follows the National Day holidays
    # (1-7 October) and a make-up working Saturday (10 October): 10, 9, 8 October.
    grade_b = sf.invoice_due(flows, date(2026, 10, 12))
    assert sf.statements(flows) == []
    sf.run(backend, date(2026, 10, 7))
    assert sf.statements(flows) == []
    sf.run(backend, date(2026, 10, 8))
    [drafted] = sf.statements(flows)
    assert (drafted["settlement_date"], drafted["draft_day"], drafted["kind"]) == (
        "2026-10-12",
        "2026-10-08",
        "scheduled",
    )
    full = sf.statement(flows, drafted["statement_no"])
    assert (full["state"], full["lead_working_days"]) == ("draft", 3)
    assert full["decision"]["rules"] == ["default"]
    assert full["decision"]["ruleset"] == "reconciliation_timing"
    assert [ln["source_id"] for ln in full["current"]["lines"]["invoice"]] == [grade_b["id"]]
    assert sf.tasks_of(backend, full["id"]) == [
        (RECONCILE_FINANCE, "finance", "2026-10-12:open"),
        (RECONCILE_SALES, "sales", "2026-10-12:open"),
    ]

    # Grade A: five working days; Monday 14 December 2026 over a weekend: 11, 10, 9, 8, 7.
    with Flows(backend, make_world(backend.db, today=flows.today, grade="A")) as key_account:
        sf.invoice_due(key_account, date(2026, 12, 14))
        sf.run(backend, date(2026, 12, 6))
        assert sf.statements(key_account) == []
        sf.run(backend, date(2026, 12, 7))
        [early] = sf.statements(key_account)
        assert early["draft_day"] == "2026-12-07"
        detail = sf.statement(key_account, early["statement_no"])
        assert (detail["lead_working_days"], detail["decision"]["rules"]) == (5, ["grade-a"])


def test_r20_a_catch_up_after_ten_missed_days_drafts_each_statement_once_and_a_rerun_nothing(
    backend: Backend, flows: Flows
) -> None:
    first = sf.invoice_due(flows, date(2026, 12, 7))  # drafted on 2 December
    second = sf.invoice_due(flows, date(2026, 12, 9))  # on 4 December
    later = sf.invoice_due(flows, date(2026, 12, 16))  # on 11 December
    sf.run(backend, date(2026, 11, 30))
    assert sf.statements(flows) == []
    # The scheduler was down from 1 to 10 December: the run on the 10th drafts what it missed.
    sf.run(backend, date(2026, 12, 10))
    drafted = sf.statements(flows)
    assert [(s["settlement_date"], s["draft_day"]) for s in drafted] == [
        ("2026-12-07", "2026-12-02"),
        ("2026-12-09", "2026-12-04"),
    ]
    again = sf.run(backend, date(2026, 12, 10), hour=15)
    assert sf.statements(flows) == drafted
    ours = {s["id"] for s in drafted}
    with backend.db.read() as session:
        raised_again = session.scalars(
            select(Task.id).where(Task.id.in_(again.raised), Task.subject_id.in_(ours))
        ).all()
    assert raised_again == []
    sf.run(backend, date(2026, 12, 11))
    drafted = sf.statements(flows)
    assert [s["settlement_date"] for s in drafted] == ["2026-12-07", "2026-12-09", "2026-12-16"]
    assert [sf.statement_of(backend, i["id"]) for i in (first, second, later)] == [
        s["id"] for s in drafted
    ]
    for s in drafted:
        assert len(sf.tasks_of(backend, s["id"])) == 2


def test_r20_invoices_falling_due_later_join_a_draft_as_a_new_version_not_a_sent_one(
    backend: Backend, flows: Flows
) -> None:
    day = date(2026, 12, 16)
    one = sf.invoice_due(flows, day)
    sf.run(backend, date(2026, 12, 11))
    [drafted] = sf.statements(flows)
    two = sf.invoice_due(flows, day)
    sf.run(backend, date(2026, 12, 14))
    joined = sf.statement(flows, drafted["statement_no"])
    assert joined["versions"] == 2
    assert sorted(ln["source_id"] for ln in joined["current"]["lines"]["invoice"]) == sorted(
        [one["id"], two["id"]]
    )
    assert [a["source_id"] for a in joined["current"]["changes"]["added"]] == [two["id"]]
    history = flows.finance.get(f"/statements/{drafted['statement_no']}/history").json()
    assert [e["trigger"] for e in history] == ["create", "extend"]
    assert history[1]["actor"] == "scheduler"

    sent = flows.sales.post(
        f"/statements/{drafted['statement_no']}/send",
        json={"sent_on": "2026-12-06", "to": "buyer's accountant", "channel": "email"},
    )
    assert sent.status_code == 200, sent.text
    three = sf.invoice_due(flows, day)
    sf.run(backend, date(2026, 12, 15))
    assert sf.statement(flows, drafted["statement_no"])["versions"] == 2
    assert sf.statement_of(backend, three["id"]) is None  # it waits for the next statement


def test_r20_a_settlement_date_the_calendar_does_not_know_waits_with_one_admin_task(
    backend: Backend, flows: Flows
) -> None:
    waiting = sf.invoice_due(flows, date(2027, 1, 11))
    first = sf.run(backend, date(2026, 12, 31))
    sf.run(backend, date(2026, 12, 31), hour=15)
    assert sf.statements(flows) == []
    assert sf.statement_of(backend, waiting["id"]) is None
    assert any("2027-01-11" in p for p in first.problems)
    with backend.db.read() as session:
        gaps = session.scalars(
            select(Task).where(Task.kind == CALENDAR_GAP, Task.subject_id == 2027)
        ).all()
    assert len(gaps) == 1


# --- R21: what a statement lists and how it adds up ----------------------------------------


@pytest.fixture
def discounted(backend: Backend) -> Flows:
    """A customer whose 2% contract discount is offset by receipts (收据冲账)."""
    world = make_world(
        backend.db, today=sf_today(backend), discount_mode="receipt_offset", discount_rate="0.02"
    )
    return Flows(backend, world)


def sf_today(backend: Backend) -> date:
    return business_date(backend.settings.tz)


def test_r21_a_statement_lists_invoices_credits_adjustments_and_open_goods_to_the_fen(
    backend: Backend, discounted: Flows
) -> None:
    flows = discounted
    day = date(2026, 12, 18)
    rf.accepting(backend, flows.world.customer, "customer_blue_invoice", "red_letter")
    # Two invoices of 10 x 1000.50 + 5 x 1111.50 = 15562.50 each; a 2% discount offset by
    # receipts on each: 311.25.
    first = sf.invoice_due(flows, day)
    second = sf.invoice_due(flows, day)
    # A red invoice takes back one unit of the first invoice's first line: 1000.50.
    form = usable_form(flows, first, [(0, 1)])
    red = red_invoice(flows, form["id"])
    assert red.status_code == 201, red.text
    assert red.json()["total"] == "-1000.50"
    # A return of one unit of the second invoice's second line (1111.50) credited by the
    # customer's blue invoice.
    ret = rf.received(flows, second, [(2, 1)])
    chosen = rf.choose(flows, ret, "customer_blue_invoice", reason="customer issues it back")
    assert chosen.status_code == 200, chosen.text
    blue_back = flows.finance.post(
        f"/returns/{ret['id']}/customer-blue-invoice", json=_blue_body(chosen.json())
    )
    assert blue_back.status_code == 200, blue_back.text
    assert blue_back.json()["total"] == "1111.50"
    # A defective unit still open: listed, not counted.
    defective = rf.requested(flows, first, [(2, 1)], reason="defective")
    rebate = adjustment(flows, "rebate", "500.00")
    fee = adjustment(flows, "fee", "88.88")

    made = flows.sales.post(
        "/statements", json={"customer_code": flows.world.customer, "settlement_date": str(day)}
    )
    assert made.status_code == 201, made.text
    drafted = made.json()
    lines = drafted["current"]["lines"]
    assert sorted(ln["source_id"] for ln in lines["invoice"]) == [first["id"], second["id"]]
    assert [(ln["reference"], ln["amount"]) for ln in lines["red_invoice"]] == [
        (red.json()["invoice_no"], "1000.50")
    ]
    assert [ln["amount"] for ln in lines["customer_blue_invoice"]] == ["1111.50"]
    assert [ln["amount"] for ln in lines["discount_offset"]] == ["311.25", "311.25"]
    assert sorted((ln["reference"], ln["amount"]) for ln in lines["adjustment"]) == sorted(
        [(rebate["document_no"], "500.00"), (fee["document_no"], "88.88")]
    )
    assert [(ln["source_id"], ln["counted"]) for ln in lines["open_return"]] == [
        (defective["id"], False)
    ]
    invoice_line = next(ln for ln in lines["invoice"] if ln["source_id"] == first["id"])
    assert invoice_line["receipt_no"] and invoice_line["warehouse"] == flows.world.dc
    assert invoice_line["due_date"] == str(day)
    # Goods 31125.00; credits 1000.50 + 1111.50 + 622.50 = 2734.50; adjustments 588.88;
    # to be paid 31125.00 - 2734.50 - 588.88 = 27801.62.
    assert drafted["totals"] == {
        "goods_total": "31125.00",
        "credits_total": "2734.50",
        "adjustments_total": "588.88",
        "amount_due": "27801.62",
    }
    # Each is taken once: nothing is left for another statement of the customer.
    again = flows.finance.post(
        "/statements",
        json={"customer_code": flows.world.customer, "settlement_date": "2026-12-19"},
    )
    problem(again, 422, "statement.nothing_to_reconcile")
    taken = flows.finance.post(
        f"/statement-adjustments/{rebate['id']}/cancel", json={"reason": "entered twice"}
    )
    problem(taken, 409, "statement.adjustment_on_statement")
    listed = flows.finance.get(f"/statement-adjustments/{rebate['id']}").json()
    assert listed["statement_no"] == drafted["statement_no"]


def test_r21_adjustments_are_validated_where_they_enter_and_cancelled_while_free(
    flows: Flows,
) -> None:
    base = {
        "customer_code": flows.world.customer,
        "kind": "price_reduction",
        "amount": "0.00",
        "description": "降价 for the promotion",
        "document_no": "JJ-1",
        "evidence": [upload(flows)],
    }
    zero = flows.finance.post("/statement-adjustments", json=base)
    assert zero.status_code == 422, zero.text
    assert zero.json()["errors"][0]["field"] == "amount"
    fen = flows.finance.post("/statement-adjustments", json=base | {"amount": "1.005"})
    assert fen.status_code == 422, fen.text
    nobody = flows.finance.post(
        "/statement-adjustments", json=base | {"amount": "10.00", "customer_code": "NOPE"}
    )
    problem(nobody, 404, "statement.customer_not_found")
    missing = flows.finance.post(
        "/statement-adjustments", json=base | {"amount": "10.00", "evidence": [2_000_000_000]}
    )
    problem(missing, 422, "evidence.not_found")
    sales = flows.sales.post("/statement-adjustments", json=base | {"amount": "10.00"})
    assert sales.status_code == 403, sales.text
    made = adjustment(flows, "margin_support", "120.00")
    cancelled = flows.finance.post(
        f"/statement-adjustments/{made['id']}/cancel",
        json={"reason": "agreed amount changed"},
        headers={"If-Match": str(made["version"])},
    )
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["state"] == "cancelled"


# --- R22: sent, confirmed by both sides, disputed, re-drafted --------------------------------


def test_r22_a_statement_is_sent_and_confirmed_by_both_sides_which_closes_its_tasks(
    backend: Backend, flows: Flows
) -> None:
    sf.invoice_due(flows, date(2026, 12, 16))
    sf.run(backend, date(2026, 12, 11))
    [drafted] = sf.statements(flows)
    no = drafted["statement_no"]
    early = flows.sales.post(
        f"/statements/{no}/confirm",
        json={
            "confirmed_on": "2026-12-06",
            "customer_signatory": "Ms Wang",
            "evidence_id": upload(flows, "sales"),
        },
    )
    problem(early, 409, "workflow.trigger_not_allowed")
    stale = flows.sales.post(
        f"/statements/{no}/send",
        json={"sent_on": "2026-12-06", "to": "Ms Wang", "channel": "email"},
        headers={"If-Match": '"99"'},
    )
    problem(stale, 409, "document.version_mismatch")
    future = flows.sales.post(
        f"/statements/{no}/send",
        json={"sent_on": "2099-01-01", "to": "Ms Wang", "channel": "email"},
    )
    problem(future, 422, "statement.date_in_future")
    sent = flows.sales.post(
        f"/statements/{no}/send",
        json={"sent_on": "2026-12-06", "to": "Ms Wang", "channel": "email"},
        headers={"Idempotency-Key": f"send-{no}"},
    )
    assert sent.status_code == 200, sent.text
    assert (sent.json()["state"], sent.json()["allowed_triggers"]) == (
        "sent",
        ["confirm", "dispute", "redraft"],
    )
    replay = flows.sales.post(
        f"/statements/{no}/send",
        json={"sent_on": "2026-12-06", "to": "Ms Wang", "channel": "email"},
        headers={"Idempotency-Key": f"send-{no}"},
    )
    assert replay.headers["Idempotent-Replayed"] == "true"
    confirmed = flows.finance.post(
        f"/statements/{no}/confirm",
        json={
            "confirmed_on": "2026-12-06",
            "customer_signatory": "Ms Wang",
            "customer_reference": "DZQR-8",
            "evidence_id": upload(flows),
        },
    )
    assert confirmed.status_code == 200, confirmed.text
    body = confirmed.json()
    assert (body["state"], body["confirmed_by"], body["customer_signatory"]) == (
        "confirmed",
        backend_username(flows, "finance"),
        "Ms Wang",
    )
    assert [t[2] for t in sf.tasks_of(backend, body["id"])] == [
        "2026-12-16:done",
        "2026-12-16:done",
    ]


def backend_username(flows: Flows, role: str) -> str:
    response = flows.clients[role].get("/me")
    assert response.status_code == 200, response.text
    return str(response.json()["username"])


def test_r22_disputed_lines_open_disputes_for_finance_and_a_redraft_keeps_every_version(
    backend: Backend, flows: Flows
) -> None:
    day = date(2026, 12, 16)
    kept = sf.invoice_due(flows, day)
    wrong = sf.invoice_due(flows, day, lines=[(0, 2)])
    sf.run(backend, date(2026, 12, 11))
    [drafted] = sf.statements(flows)
    no = drafted["statement_no"]
    first = sf.statement(flows, no)
    assert first["totals"]["amount_due"] == "17563.50"  # 15562.50 + 2 x 1000.50
    sent = flows.sales.post(
        f"/statements/{no}/send", json={"sent_on": "2026-12-06", "to": "AP", "channel": "post"}
    )
    assert sent.status_code == 200, sent.text
    line = next(ln for ln in first["current"]["lines"]["invoice"] if ln["source_id"] == wrong["id"])
    not_ours = flows.sales.post(
        f"/statements/{no}/dispute",
        json={"lines": [{"line_id": 2_000_000_000, "reason": "unknown to us"}]},
    )
    problem(not_ours, 422, "statement.line_not_on_statement")
    disputed = flows.sales.post(
        f"/statements/{no}/dispute",
        json={
            "lines": [
                {"line_id": line["id"], "reason": "we never received it", "customer_amount": "0"}
            ]
        },
    )
    assert disputed.status_code == 200, disputed.text
    [opened] = disputed.json()["disputes"]
    assert (opened["state"], opened["line_amount"], opened["customer_amount"]) == (
        "open",
        "2001.00",
        "0.00",
    )
    queue = flows.finance.get("/statement-disputes").json()
    assert opened["id"] in [d["id"] for d in queue]
    with backend.db.read() as session:
        [task] = session.scalars(
            select(Task).where(
                Task.subject_type == "statement_dispute", Task.subject_id == opened["id"]
            )
        ).all()
    assert (task.owner_role, task.state) == ("finance", "open")
    accepted = flows.finance.post(
        f"/statement-disputes/{opened['id']}/accept",
        json={"note": "the invoice is reissued: void it and re-draft"},
    )
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["state"] == "accepted"

    # The disputed invoice is taken back in full by a red invoice (voided), then re-drafted.
    form = usable_form(flows, wrong, [(0, 2)])
    assert red_invoice(flows, form["id"]).status_code == 201
    redrafted = flows.finance.post(
        f"/statements/{no}/redraft", json={"reason": "invoice voided after the dispute"}
    )
    assert redrafted.status_code == 200, redrafted.text
    now = redrafted.json()
    assert (now["state"], now["versions"]) == ("draft", 2)
    assert [ln["source_id"] for ln in now["current"]["lines"]["invoice"]] == [kept["id"]]
    assert now["current"]["lines"]["red_invoice"] == []  # its blue invoice is void: neither
    assert now["totals"]["amount_due"] == "15562.50"
    changes = now["current"]["changes"]
    assert [(c["kind"], c["source_id"]) for c in changes["removed"]] == [("invoice", wrong["id"])]
    assert changes["totals_before"]["amount_due"] == "17563.50"
    assert changes["totals_after"]["amount_due"] == "15562.50"
    v1 = flows.sales.get(f"/statements/{no}/versions/1").json()
    assert v1["totals"]["amount_due"] == "17563.50"
    assert len(v1["lines"]["invoice"]) == 2
    assert [v["number"] for v in now["history"]] == [1, 2]
    missing = flows.sales.get(f"/statements/{no}/versions/3")
    problem(missing, 404, "statement.version_not_found")


# --- exactly once, set-based ---------------------------------------------------------------


def test_r20_the_daily_scan_reads_the_partial_index_on_both_databases(backend: Backend) -> None:
    query = scan_query(backend.runtime.workflows, date(2026, 12, 31))
    plan = plan_of(backend.db, query)
    assert "ix_invoices_statement_scan" in plan, plan


def test_r20_two_schedulers_at_once_on_postgresql_draft_each_statement_and_task_once(
    backend: Backend, flows: Flows
) -> None:
    if backend.name != "postgresql":
        pytest.skip("SQLite has one writer at a time; the race is PostgreSQL's")
    invoices = [sf.invoice_due(flows, date(2026, 12, day)) for day in (14, 15, 16, 16, 17)]
    env = {k: v for k, v in os.environ.items() if not k.startswith("O2C_")}
    env["O2C_DATABASE_URL"] = backend.settings.database_url
    command = [
        sys.executable,
        "-m",
        "service",
        "scheduler",
        "run-once",
        "--as-of",
        "2026-12-14T09:00",
    ]
    processes = [
        subprocess.Popen(
            command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for _ in range(2)
    ]
    outputs = [p.communicate(timeout=120) for p in processes]
    assert [p.returncode for p in processes] == [0, 0], outputs
    drafted = sf.statements(flows)
    assert [s["settlement_date"] for s in drafted] == [
        "2026-12-14",
        "2026-12-15",
        "2026-12-16",
        "2026-12-17",
    ]
    assert len({s["statement_no"] for s in drafted}) == 4
    on = [sf.statement_of(backend, i["id"]) for i in invoices]
    ids = [s["id"] for s in drafted]
    assert on == [ids[0], ids[1], ids[2], ids[2], ids[3]]
    for s in drafted:
        assert len(sf.tasks_of(backend, s["id"])) == 2
        history = flows.finance.get(f"/statements/{s['statement_no']}/history").json()
        assert [e["trigger"] for e in history] == ["create"], history
        assert sf.statement(flows, s["statement_no"])["versions"] == 1


def test_r20_a_large_claim_refreshes_the_planner_statistics_on_both_databases(
    backend: Backend, flows: Flows, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Any claim counts as large here: ANALYZE runs inside the job's transaction on both.
    analysed = analyses(monkeypatch)
    claimed = sf.invoice_due(flows, date(2026, 12, 16))
    result = sf.run(backend, date(2026, 12, 11))
    assert result.problems == [] or all("calendar" in p for p in result.problems)
    [drafted] = sf.statements(flows)
    assert sf.statement_of(backend, claimed["id"]) == drafted["id"]
    assert "invoices" in analysed


def _customer_id(backend: Backend, flows: Flows) -> int:
    with backend.db.read() as session:
        return int(
            session.scalars(select(Customer.id).where(Customer.code == flows.world.customer)).one()
        )


def test_r20_statements_opened_together_skip_a_key_taken_meanwhile_and_leave_no_gap_in_numbers(
    backend: Backend, flows: Flows
) -> None:
    customer = _customer_id(backend, flows)
    days = [date(2026, 12, 14), date(2026, 12, 15), date(2026, 12, 16)]
    dues = [Due(customer, day, 3, day, {"explanation": "test"}) for day in days]
    today = date(2026, 12, 10)
    workflows = backend.runtime.workflows
    with backend.db.write() as session:
        [taken] = open_many(session, workflows, dues[1:2], actor=SCHEDULER, today=today)
    with backend.db.write() as session:
        opened = open_many(session, workflows, dues, actor=SCHEDULER, today=today)
        following = document_number(session, PREFIX, today.year)
    assert [o.due.settlement_date for o in opened] == [days[0], days[2]]
    numbers = [int(o.statement_no[-6:]) for o in opened]
    assert numbers[1] == numbers[0] + 1
    assert int(following[-6:]) == numbers[1] + 1  # the number left over went back
    drafted = sf.statements(flows)
    assert [(s["settlement_date"], s["statement_no"]) for s in drafted] == [
        (str(days[0]), opened[0].statement_no),
        (str(days[1]), taken.statement_no),
        (str(days[2]), opened[1].statement_no),
    ]
    for o in opened:
        history = flows.finance.get(f"/statements/{o.statement_no}/history").json()
        assert [(e["trigger"], e["actor"]) for e in history] == [("create", "scheduler")]


def test_r21_an_invoice_another_statement_takes_while_a_run_drafts_is_listed_only_there(
    backend: Backend, flows: Flows, monkeypatch: pytest.MonkeyPatch
) -> None:
    day = date(2026, 12, 16)
    sf.invoice_due(flows, day)
    made = flows.sales.post(
        "/statements", json={"customer_code": flows.world.customer, "settlement_date": str(day)}
    )
    assert made.status_code == 201, made.text
    requested = made.json()
    raced = sf.invoice_due(flows, day)
    kept = sf.invoice_due(flows, day)
    copy = batch._list

    def meanwhile(session: Any, *args: Any) -> int:
        # The run copied the lines; a re-draft of the requested statement takes one of the
        # invoices before the run claims them (PostgreSQL, READ COMMITTED).
        listed = copy(session, *args)
        session.execute(
            update(Invoice).where(Invoice.id == raced["id"]).values(statement_id=requested["id"])
        )
        return listed

    monkeypatch.setattr(batch, "_list", meanwhile)
    sf.run(backend, date(2026, 12, 11))
    [scheduled] = [s for s in sf.statements(flows) if s["kind"] == "scheduled"]
    drafted = sf.statement(flows, scheduled["statement_no"])
    assert [ln["source_id"] for ln in drafted["current"]["lines"]["invoice"]] == [kept["id"]]
    assert drafted["totals"]["goods_total"] == kept["total"]
    assert sf.statement_of(backend, raced["id"]) == requested["id"]
    assert sf.statement_of(backend, kept["id"]) == scheduled["id"]


def test_r22_finance_rejects_a_disputed_line_with_its_reason_once(
    backend: Backend, flows: Flows
) -> None:
    sf.invoice_due(flows, date(2026, 12, 16))
    sf.run(backend, date(2026, 12, 11))
    [drafted] = sf.statements(flows)
    no = drafted["statement_no"]
    line = sf.statement(flows, no)["current"]["lines"]["invoice"][0]
    body = {"sent_on": "2026-12-06", "to": "AP", "channel": "portal"}
    assert flows.finance.post(f"/statements/{no}/send", json=body).status_code == 200
    twice = flows.sales.post(
        f"/statements/{no}/dispute",
        json={
            "lines": [
                {"line_id": line["id"], "reason": "a"},
                {"line_id": line["id"], "reason": "b"},
            ]
        },
    )
    problem(twice, 422, "statement.line_disputed_twice")
    disputed = flows.sales.post(
        f"/statements/{no}/dispute",
        json={"lines": [{"line_id": line["id"], "reason": "price differs from the contract"}]},
    )
    assert disputed.status_code == 200, disputed.text
    [opened] = disputed.json()["disputes"]
    by_sales = flows.sales.post(
        f"/statement-disputes/{opened['id']}/reject", json={"note": "not mine to decide"}
    )
    assert by_sales.status_code == 403, by_sales.text
    rejected = flows.finance.post(
        f"/statement-disputes/{opened['id']}/reject",
        json={"note": "the contract price of the order date applies"},
        headers={"If-Match": str(opened["version"])},
    )
    assert rejected.status_code == 200, rejected.text
    assert (rejected.json()["state"], rejected.json()["resolution"]) == (
        "rejected",
        "the contract price of the order date applies",
    )
    again = flows.finance.post(f"/statement-disputes/{opened['id']}/accept", json={"note": "x"})
    problem(again, 409, "workflow.trigger_not_allowed")
    assert opened["id"] not in [d["id"] for d in flows.finance.get("/statement-disputes").json()]
    with backend.db.read() as session:
        [task] = session.scalars(
            select(Task).where(
                Task.subject_type == "statement_dispute", Task.subject_id == opened["id"]
            )
        ).all()
    assert task.state == "done"
