"""Collection (R30-R31) through the API and the scheduler on both databases: each condition
raises its task once (rerun, catch-up, two schedulers), payments resolve it and their reversal
reopens it, promises are judged kept, partly kept or broken, tasks escalate step by step."""

from __future__ import annotations

import threading
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select

from service.collection import scans
from service.collection.models import CollectionTask
from service.collection.storing import insert_tasks
from service.db import utcnow
from service.masterdata.models import Customer
from tests import collection_flows as cf
from tests import payments_flows as pf
from tests.flows import Flows
from tests.support import Backend, World, plan_of


def test_r30_an_invoice_past_due_raises_one_task_for_the_account_manager(flows: Flows) -> None:
    today = flows.today
    cf.invoice(flows, due=today - timedelta(days=10))
    cf.run(flows.backend, today)
    period = cf.tasks(flows)[0][4]
    assert cf.tasks(flows) == [("overdue", "open", "sales", 0, period)]
    # A rerun the same day, and the next day (same repeat window or a live task), raise nothing.
    cf.run(flows.backend, today, hour=15)
    cf.run(flows.backend, today + timedelta(days=1))
    assert len(cf.tasks(flows)) == 1
    [shown] = cf.board(flows.sales, flows)
    assert (shown["condition"], shown["priority"], shown["amount"]) == (
        "overdue",
        "normal",
        "15562.50",
    )
    assert shown["due_on"] == str(today + timedelta(days=5))
    assert shown["decision"]["ruleset"] == "collection"
    assert shown["decision"]["rules"] == ["overdue"]
    # Finance does not see the account manager's task; the board filters.
    assert cf.board(flows.finance, flows) == []
    assert cf.board(flows.sales, flows, priority="high") == []
    assert cf.board(flows.sales, flows, assignee="me") == []
    refused = flows.finance.get(f"/collection/tasks/{shown['id']}")
    assert (refused.status_code, refused.json()["code"]) == (
        403,
        "collection.owned_by_other_role",
    )


def test_r30_a_customer_over_its_credit_limit_raises_a_task_for_finance(flows: Flows) -> None:
    cf.invoice(flows, due=flows.today + timedelta(days=20))
    cf.set_limit(flows, "10000.00")
    cf.run(flows.backend, flows.today)
    [(condition, state, role, level, _period)] = cf.tasks(flows)
    # Finance is the second step of R31's ladder.
    assert (condition, state, role, level) == ("over_limit", "open", "finance", 1)
    [shown] = cf.board(flows.finance, flows)
    assert (shown["priority"], shown["amount"]) == ("high", "5562.50")


def test_r30_receivables_older_than_the_grade_allows_raise_an_over_age_task(
    flows: Flows,
) -> None:
    # Grade B allows 120 days since receipt (setting collection_allowed_age_days).
    today = flows.today
    cf.invoice(flows, due=today + timedelta(days=5), received=today - timedelta(days=119))
    cf.run(flows.backend, today)
    assert cf.tasks(flows) == []
    cf.run(flows.backend, today + timedelta(days=2))
    [(condition, state, role, _level, _period)] = cf.tasks(flows)
    assert (condition, state, role) == ("over_age", "open", "sales")


def _journal(client: Any, task_id: int) -> list[tuple[str, str, str]]:
    answer = client.get(f"/collection/tasks/{task_id}/history")
    assert answer.status_code == 200, answer.text
    return [(e["trigger"], e["to_state"], e["actor"]) for e in answer.json()]


def _payer(flows: Flows, payment_no: str) -> str:
    answer = flows.finance.get(f"/payments/{payment_no}/history")
    assert answer.status_code == 200, answer.text
    return str(answer.json()[0]["actor"])


def test_r30_a_payment_clearing_the_debt_resolves_its_task_at_once(flows: Flows) -> None:
    today = flows.today
    made = cf.invoice(flows, due=today - timedelta(days=3))
    cf.run(flows.backend, today)
    [shown] = cf.board(flows.sales, flows)
    cf.post(flows.sales, f"/collection/tasks/{shown['id']}/take")
    # Part of the debt paid: the condition remains, the task stays with its collector.
    part = pf.paid(flows, "5000.00")
    assert [s for _c, s, _r, _l, _p in cf.tasks(flows)] == ["in_progress"]
    # The rest paid: resolved in the payment's own transaction, no job run in between.
    rest = pf.paid(flows, str(Decimal(made["total"]) - Decimal("5000.00")))
    [(condition, state, _r, _l, _p)] = cf.tasks(flows)
    assert (condition, state) == ("overdue", "resolved")
    assert cf.board(flows.sales, flows) == []
    assert cf.task(flows.sales, shown["id"])["resolution"] == (
        f"cleared as of {today}: payment {rest['payment_no']}"
    )
    trail = _journal(flows.sales, shown["id"])
    assert [(t, s) for t, s, _a in trail] == [
        ("raise", "open"),
        ("take", "in_progress"),
        ("clear", "resolved"),
    ]
    assert trail[-1][2] == _payer(flows, rest["payment_no"]) != "scheduler"
    assert part["payment_no"] != rest["payment_no"]
    # The job's next run finds nothing to do for it.
    cf.run(flows.backend, today, hour=15)
    assert [s for _c, s, _r, _l, _p in cf.tasks(flows)] == ["resolved"]


def test_r30_reversing_that_payment_reopens_the_task_at_once(flows: Flows) -> None:
    today = flows.today
    made = cf.invoice(flows, due=today - timedelta(days=3))
    cf.run(flows.backend, today)
    [(_c, _s, _r, _l, period)] = cf.tasks(flows)
    payment = pf.paid(flows, made["total"])
    assert cf.tasks(flows) == [("overdue", "resolved", "sales", 0, period)]
    assert pf.reverse(flows, payment["payment_no"]).status_code == 200
    # Reopened in the reversal's transaction: the same task, the same key, no new one.
    assert cf.tasks(flows) == [("overdue", "open", "sales", 0, period)]
    [shown] = cf.board(flows.sales, flows)
    assert shown["resolution"] == ""
    trail = _journal(flows.sales, shown["id"])
    assert [(t, s) for t, s, _a in trail] == [
        ("raise", "open"),
        ("clear", "resolved"),
        ("reopen_cleared", "open"),
    ]
    assert trail[-1][2] == trail[-2][2] == _payer(flows, payment["payment_no"])
    cf.run(flows.backend, today, hour=15)
    assert cf.tasks(flows) == [("overdue", "open", "sales", 0, period)]


def test_r30_a_condition_gone_another_way_is_resolved_and_reopened_by_the_job(
    flows: Flows,
) -> None:
    today = flows.today
    cf.invoice(flows, due=today + timedelta(days=20))
    cf.set_limit(flows, "10000.00")
    cf.run(flows.backend, today)
    [(_c, _s, _r, _l, period)] = cf.tasks(flows)
    # The limit raised: no money moved, the job resolves the task at its next run.
    cf.set_limit(flows, "20000.00")
    assert cf.tasks(flows)[0][1] == "open"
    cf.run(flows.backend, today + timedelta(days=1))
    assert cf.tasks(flows) == [("over_limit", "resolved", "finance", 1, period)]
    # Lowered again within the task's window: the job reopens it.
    cf.set_limit(flows, "10000.00")
    cf.run(flows.backend, today + timedelta(days=2))
    assert cf.tasks(flows) == [("over_limit", "open", "finance", 1, period)]
    [shown] = cf.board(flows.finance, flows)
    assert [t for t, _s in cf.history(flows.finance, shown["id"])] == ["raise", "resolve", "reopen"]


def _promised(flows: Flows, amount: str) -> int:
    """An overdue invoice, its task taken by sales, a contact logged and `amount` promised by
    today; the task's id."""
    today = flows.today
    cf.invoice(flows, due=today - timedelta(days=10))
    cf.run(flows.backend, today)
    [shown] = cf.board(flows.sales, flows)
    cf.post(flows.sales, f"/collection/tasks/{shown['id']}/take")
    assert cf.board(flows.sales, flows, assignee="me")[0]["id"] == shown["id"]
    cf.post(
        flows.sales,
        f"/collection/tasks/{shown['id']}/contacts",
        201,
        channel="call",
        notes="spoke to their finance; pays this week",
    )
    held = cf.post(
        flows.sales,
        f"/collection/tasks/{shown['id']}/promises",
        201,
        amount=amount,
        due_on=str(today),
    )
    assert held["state"] == "promised"
    assert [c["channel"] for c in held["contacts"]] == ["call"]
    assert [(p["amount"], p["outcome"]) for p in held["promises"]] == [(amount, "open")]
    return int(shown["id"])


def test_r30_a_promise_paid_in_full_is_kept_and_resolves_the_task(flows: Flows) -> None:
    task_id = _promised(flows, "15562.50")
    pf.paid(flows, "15562.50")
    # Judged once the grace (3 days) is over.
    cf.run(flows.backend, flows.today + timedelta(days=3))
    assert cf.task(flows.sales, task_id)["promises"][0]["outcome"] == "open"
    cf.run(flows.backend, flows.today + timedelta(days=4))
    shown = cf.task(flows.sales, task_id)
    assert shown["state"] == "resolved"
    assert (shown["promises"][0]["outcome"], shown["promises"][0]["received"]) == (
        "kept",
        "15562.50",
    )


def test_r30_a_promise_partly_paid_is_partly_kept_and_the_collector_goes_on(flows: Flows) -> None:
    task_id = _promised(flows, "10000.00")
    pf.paid(flows, "4000.00")
    cf.run(flows.backend, flows.today + timedelta(days=4))
    shown = cf.task(flows.sales, task_id)
    assert shown["state"] == "in_progress"
    assert (shown["promises"][0]["outcome"], shown["promises"][0]["received"]) == (
        "partly_kept",
        "4000.00",
    )
    assert len(cf.tasks(flows)) == 1


def test_r30_a_broken_promise_closes_the_task_raises_the_next_and_counts(flows: Flows) -> None:
    task_id = _promised(flows, "15562.50")
    cf.run(flows.backend, flows.today + timedelta(days=4))
    shown = cf.task(flows.sales, task_id)
    assert shown["state"] == "closed"
    assert shown["promises"][0]["outcome"] == "broken"
    found = cf.tasks(flows)
    assert [(c, s) for c, s, _r, _l, _p in found] == [("overdue", "closed"), ("overdue", "open")]
    promise_id = shown["promises"][0]["id"]
    assert found[1][4] == f"promise-{promise_id}"
    [following] = cf.board(flows.sales, flows)
    assert following["decision"]["values"]["broken_promises"] == "1"
    # R32: it counts on the customer's payment record, which the credit review reads.
    record = flows.sales.get(f"/customers/{flows.world.customer}/credit-record")
    assert record.json()["figures"]["broken_promises"] == 1


def test_r30_a_promise_for_a_past_day_is_refused_and_changes_nothing(flows: Flows) -> None:
    cf.invoice(flows, due=flows.today - timedelta(days=10))
    cf.run(flows.backend, flows.today)
    [shown] = cf.board(flows.sales, flows)
    path = f"/collection/tasks/{shown['id']}"
    # Not taken yet: only the person holding it records a promise.
    not_mine = flows.sales.post(f"{path}/promises", json={"amount": "1.00", "due_on": "2099-01-01"})
    assert not_mine.status_code == 409, not_mine.text
    cf.post(flows.sales, f"{path}/take")
    past = flows.sales.post(
        f"{path}/promises",
        json={"amount": "1.00", "due_on": str(flows.today - timedelta(days=1))},
    )
    assert (past.status_code, past.json()["code"]) == (422, "collection.promise_in_past")
    for body in ({"amount": "0", "due_on": "2099-01-01"}, {"amount": "1.00"}):
        assert flows.sales.post(f"{path}/promises", json=body).status_code == 422
    bad = flows.sales.post(f"{path}/contacts", json={"channel": "fax"})
    assert bad.status_code == 422
    assert cf.task(flows.sales, shown["id"])["state"] == "in_progress"
    assert cf.task(flows.sales, shown["id"])["promises"] == []


def test_r31_an_unresolved_task_escalates_step_by_step_to_audit_and_legal(flows: Flows) -> None:
    today = flows.today
    cf.invoice(flows, due=today - timedelta(days=10))
    cf.run(flows.backend, today)
    # The rule that fired escalates after 15 days unresolved, one step each time.
    steps = []
    for days in (14, 15, 30, 45, 60):
        cf.run(flows.backend, today + timedelta(days=days))
        [(_c, state, role, level, _p)] = cf.tasks(flows)
        steps.append((days, state, role, level))
    assert steps == [
        (14, "open", "sales", 0),
        (15, "escalated", "finance", 1),
        (30, "escalated", "hq", 2),
        (45, "escalated", "legal", 3),
        (60, "escalated", "legal", 3),
    ]
    [shown] = cf.board(flows.legal, flows)
    assert cf.board(flows.sales, flows) == []
    events = [t for t, _s in cf.history(flows.legal, shown["id"])]
    assert events == ["raise", "escalate", "escalate", "escalate"]
    taken = cf.post(flows.legal, f"/collection/tasks/{shown['id']}/take")
    assert taken["state"] == "in_progress"
    assert taken["assignee"] is not None


def test_r31_a_catch_up_after_downtime_climbs_the_steps_it_missed_once(flows: Flows) -> None:
    today = flows.today
    cf.invoice(flows, due=today - timedelta(days=10))
    cf.run(flows.backend, today)
    cf.run(flows.backend, today + timedelta(days=31))
    cf.run(flows.backend, today + timedelta(days=31), hour=10)
    [(_c, state, role, level, _p)] = cf.tasks(flows)
    assert (state, role, level) == ("escalated", "hq", 2)
    [shown] = cf.board(flows.hq, flows)
    assert [t for t, _s in cf.history(flows.hq, shown["id"])] == ["raise", "escalate"]


def test_r30_two_schedulers_at_once_raise_each_task_once(backend: Backend, flows: Flows) -> None:
    if backend.name != "postgresql":
        pytest.skip("SQLite has one writer at a time; the race is PostgreSQL's")
    cf.invoice(flows, due=flows.today - timedelta(days=10))
    cf.set_limit(flows, "100.00")
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def one() -> None:
        start.wait()
        try:
            cf.run(backend, flows.today)
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=one) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert errors == []
    assert sorted((c, s) for c, s, _r, _l, _p in cf.tasks(flows)) == [
        ("over_limit", "open"),
        ("overdue", "open"),
    ]


def test_r31_handing_a_customer_to_legal_stops_reminders_and_orders_and_opens_its_case(
    flows: Flows,
) -> None:
    today = flows.today
    made = cf.invoice(flows, due=today - timedelta(days=10))
    cf.run(flows.backend, today)
    cf.run(flows.backend, today + timedelta(days=15))
    [shown] = cf.board(flows.finance, flows)
    path = f"/collection/tasks/{shown['id']}"
    cf.post(flows.finance, f"{path}/take")
    cf.post(flows.finance, f"{path}/contacts", 201, channel="visit", notes="no one paid")
    cf.post(flows.finance, f"{path}/promises", 201, amount="500.00", due_on=str(today))
    handover = f"/collection/customers/{flows.world.customer}/handover-to-legal"
    refused = flows.sales.post(handover, json={"reason": "not paying"})
    assert refused.status_code == 403
    case = cf.post(flows.hq, handover, 201, reason="a year of broken promises")
    assert (case["customer_code"], case["outstanding"]) == (flows.world.customer, made["total"])
    assert [i["invoice_no"] for i in case["invoices"]] == [made["invoice_no"]]
    assert [c["channel"] for c in case["contacts"]] == ["visit"]
    assert [p["amount"] for p in case["promises"]] == ["500.00"]
    assert [(e["owner_role"], e["level"]) for e in case["escalations"]] == [("finance", 1)]
    assert [(t["state"], t["resolution"]) for t in case["tasks"]] == [
        ("closed", f"handed to audit & legal (case {case['id']})")
    ]
    again = flows.hq.post(handover, json={"reason": "twice"})
    assert again.status_code == 409, again.text
    # 清欠户: no new order is approved, the scheduler raises no ordinary reminder.
    order = flows.create_order()
    approve = flows.hq.post(f"/orders/{order['id']}/approve")
    assert (approve.status_code, approve.json()["code"]) == (409, "order.customer_inactive")
    cf.run(flows.backend, today + timedelta(days=30))
    assert [s for _c, s, _r, _l, _p in cf.tasks(flows)] == ["closed"]
    listed = flows.legal.get("/collection/cases").json()
    assert case["id"] in [c["id"] for c in listed]
    read = flows.legal.get(f"/collection/cases/{case['id']}")
    assert read.status_code == 200
    assert read.json()["invoices"] == case["invoices"]
    assert flows.sales.get("/collection/cases").status_code == 403
    assert flows.legal.get("/collection/cases/999999").status_code == 404


def test_r30_the_rules_decide_once_per_distinct_combination_of_facts_not_per_invoice(
    flows: Flows, monkeypatch: pytest.MonkeyPatch
) -> None:
    from service.collection import decide

    seen: list[tuple[object, ...]] = []
    real = decide.decide

    def spied(rules: Any, day: Any, facts: dict[str, Any]) -> Any:
        seen.append(tuple(facts.values()))
        return real(rules, day, facts)

    monkeypatch.setattr(decide, "decide", spied)
    today = flows.today
    for _ in range(3):
        cf.invoice(flows, due=today - timedelta(days=10))
    cf.run(flows.backend, today)
    assert seen, "the rules were asked nothing"
    assert len(seen) == len(set(seen))
    [(_c, state, _r, _l, _p)] = cf.tasks(flows)
    assert state == "open"


def test_r30_a_task_closed_while_the_debt_remains_comes_back_in_the_next_repeat_window(
    flows: Flows,
) -> None:
    from service.collection.job import window

    today = flows.today
    cf.invoice(flows, due=today - timedelta(days=10))
    cf.run(flows.backend, today)
    [shown] = cf.board(flows.sales, flows)
    cf.post(flows.sales, f"/collection/tasks/{shown['id']}/take")
    closed = cf.post(flows.sales, f"/collection/tasks/{shown['id']}/close", note="called twice")
    assert (closed["state"], closed["resolution"]) == ("closed", "called twice")
    # The rule that fired repeats every 7 days: nothing new until the next window starts.
    following = window(today, 7) + timedelta(days=7)
    if following - timedelta(days=1) > today:
        cf.run(flows.backend, following - timedelta(days=1))
    assert len(cf.tasks(flows)) == 1
    cf.run(flows.backend, following)
    found = cf.tasks(flows)
    assert [(s, p) for _c, s, _r, _l, p in found][1] == ("open", following.isoformat())


def test_r31_a_running_promise_holds_the_task_where_it_is(flows: Flows) -> None:
    today = flows.today
    cf.invoice(flows, due=today - timedelta(days=10))
    cf.run(flows.backend, today)
    [shown] = cf.board(flows.sales, flows)
    path = f"/collection/tasks/{shown['id']}"
    cf.post(flows.sales, f"{path}/take")
    due = str(today + timedelta(days=40))
    cf.post(flows.sales, f"{path}/promises", 201, amount="100.00", due_on=due)
    cf.run(flows.backend, today + timedelta(days=20))
    assert cf.tasks(flows)[0][1:4] == ("promised", "sales", 0)


def test_r30_the_daily_scans_read_the_partial_indexes_on_both_databases(backend: Backend) -> None:
    today = date(2026, 12, 31)
    past_due = plan_of(backend.db, scans.past_due_query(today))
    assert "ix_invoices_open" in past_due, past_due
    over_age = plan_of(backend.db, scans.over_age_query(today, {"A": 180, "B": 120, "C": 90}))
    assert "ix_invoices_open_received" in over_age, over_age


def _handed_over(flows: Flows) -> dict[str, Any]:
    """An overdue customer with its task, handed to audit & legal by HQ: the case."""
    cf.invoice(flows, due=flows.today - timedelta(days=10))
    cf.run(flows.backend, flows.today)
    handover = f"/collection/customers/{flows.world.customer}/handover-to-legal"
    return cf.post(flows.hq, handover, 201, reason="a year of broken promises")


def test_r31_a_customer_handed_to_legal_still_has_its_data_corrected_by_hq(flows: Flows) -> None:
    _handed_over(flows)
    corrected = flows.change_customer(name="Corrected Name Ltd")
    assert (corrected["state"], corrected["name"]) == ("handed_to_legal", "Corrected Name Ltd")
    assert corrected["allowed_triggers"] == ["update", "change_terms"]
    path = f"/customers/{flows.world.customer}"
    terms = flows.finance.post(
        f"{path}/terms",
        json={"effective_from": str(flows.today), "basis": "receipt", "days": 45},
    )
    assert terms.status_code in (200, 201), terms.text
    # Orders stay refused and the sales side cannot change it.
    assert flows.sales.put(path, json={}).status_code in (403, 422)
    events = flows.hq.get(f"{path}/history").json()
    assert [e["trigger"] for e in events][-3:] == ["hand_over_to_legal", "update", "change_terms"]


def test_r31_legal_closes_a_case_recovered_and_the_customer_is_back_suspended(
    flows: Flows,
) -> None:
    case = _handed_over(flows)
    path = f"/collection/cases/{case['id']}/close"
    body = {"outcome": "recovered", "note": "settled in court"}
    for who in (flows.sales, flows.finance, flows.hq):
        assert who.post(path, json=body).status_code == 403
    bad = flows.legal.post(path, json={"outcome": "lost"})
    assert (bad.status_code, bad.json()["code"]) == (422, "input.invalid_fields")
    assert "outcome" in bad.text
    closed = cf.post(flows.legal, path, outcome="recovered", note="settled in court")
    assert (closed["outcome"], closed["closed_on"], closed["close_note"]) == (
        "recovered",
        str(flows.today),
        "settled in court",
    )
    again = flows.legal.post(path, json=body)
    assert (again.status_code, again.json()["code"]) == (409, "collection.case_closed")
    customer = f"/customers/{flows.world.customer}"
    read = flows.hq.get(customer).json()
    assert read["state"] == "suspended"
    [event] = [e for e in flows.hq.get(f"{customer}/history").json() if e["trigger"] == "recover"]
    assert (event["to_state"], event["payload"]) == (
        "suspended",
        {"case_id": case["id"], "outcome": "recovered", "note": "settled in court"},
    )
    # HQ reactivates it as usual; what it still owes is collected again from the next window.
    from service.collection.job import window

    cf.post(flows.hq, f"{customer}/reactivate", reason="recovered by legal")
    cf.run(flows.backend, window(flows.today, 7) + timedelta(days=7))
    assert [s for _c, s, _r, _l, _p in cf.tasks(flows)] == ["closed", "open"]
    # Handed over again later: the case opens anew.
    reopened = cf.post(
        flows.hq,
        f"/collection/customers/{flows.world.customer}/handover-to-legal",
        201,
        reason="again",
    )
    assert (reopened["id"], reopened["reason"], reopened["outcome"]) == (case["id"], "again", None)


def test_r31_legal_closes_a_case_written_off_and_the_customer_stays_with_legal(
    flows: Flows,
) -> None:
    case = _handed_over(flows)
    closed = cf.post(
        flows.legal,
        f"/collection/cases/{case['id']}/close",
        outcome="written_off",
        note="the customer is bankrupt",
    )
    customer = f"/customers/{flows.world.customer}"
    assert flows.hq.get(customer).json()["state"] == "handed_to_legal"
    events = flows.hq.get(f"{customer}/history").json()
    assert (events[-1]["trigger"], events[-1]["to_state"]) == ("write_off", "handed_to_legal")
    assert (closed["outcome"], closed["closed_by"]) == ("written_off", events[-1]["actor"])
    listed = flows.legal.get("/collection/cases").json()
    assert [c["outcome"] for c in listed if c["id"] == case["id"]] == ["written_off"]
    missing = flows.legal.post("/collection/cases/999999/close", json={"outcome": "recovered"})
    assert (missing.status_code, missing.json()["code"]) == (404, "collection.case_not_found")


class _Undone(Exception):
    """Raised to roll a write transaction back."""


def test_r30_each_task_key_is_stored_once_with_its_own_decision_on_both_databases(
    backend: Backend, world: World
) -> None:
    today, now = date(2026, 12, 31), utcnow()
    shared = {"state": "open", "version": 1, "raised_on": today, "level_since": today}
    shared |= {"resolution": "", "created_at": now, "updated_at": now}
    # Two tasks share one decision (the rules decided once for their facts), one has its own.
    first, second = {"rules": ["overdue"]}, {"rules": ["over-limit"], "values": {"n": "2"}}

    def row(condition: str, customer: int, decision: dict[str, Any]) -> dict[str, Any]:
        return {
            "condition": condition,
            "customer_id": customer,
            "period": "2026-12-28",
            "owner_role": "sales",
            "level": 0,
            "priority": "normal",
            "due_on": today + timedelta(days=5),
            "repeat_days": 7,
            "escalate_after_days": 15,
            "amount": Decimal("15562.50"),
            "days_overdue": 10,
            "decision": decision,
        }

    with pytest.raises(_Undone), backend.db.write() as session:
        customer = session.scalars(select(Customer.id).where(Customer.code == world.customer))
        c = customer.one()
        rows = [row("overdue", c, first), row("over_age", c, first), row("over_limit", c, second)]
        stored = insert_tasks(session, rows, shared)
        assert sorted(condition for _id, condition, _c in stored) == [
            "over_age",
            "over_limit",
            "overdue",
        ]
        # Raised again (a rerun, a second scheduler): only the key not yet stored goes in.
        again = insert_tasks(session, [*rows, row("overdue", c, second) | {"period": "x"}], shared)
        assert [(condition, customer) for _id, condition, customer in again] == [("overdue", c)]
        kept = session.execute(
            select(CollectionTask.condition, CollectionTask.period, CollectionTask.decision)
            .where(CollectionTask.customer_id == c)
            .order_by(CollectionTask.id)
        ).all()
        assert [tuple(k) for k in kept] == [
            ("overdue", "2026-12-28", first),
            ("over_age", "2026-12-28", first),
            ("over_limit", "2026-12-28", second),
            ("overdue", "x", second),
        ]
        raise _Undone
