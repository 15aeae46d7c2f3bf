"""R32: each customer's payment record feeds its grade and limit: the monthly review proposes,
finance approves or rejects, and the credit check at order approval uses the approved figures."""

from __future__ import annotations

import threading
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import httpx

from service.credit.jobs import JOB, TASK, credit_review
from service.scheduler.jobs import JobResult
from service.scheduler.runner import run_due
from tests.flows import Flows
from tests.support import settings_for, unique


def _ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def invoices_received(flows: Flows, *days_ago: int) -> list[dict[str, Any]]:
    """One issued invoice per age: ordered that many days ago and received two days later, so
    due 45 days after receipt. The orders are all approved first (before anything is overdue)."""
    orders = [
        flows.approved_order(order_date=str(flows.today - timedelta(days=ago))) for ago in days_ago
    ]
    invoices = []
    for order, ago in zip(orders, days_ago, strict=True):
        assert order["state"] != "on_credit_hold", order
        shipped = flows.ship(order["id"], shipped_on=str(flows.today - timedelta(days=ago - 1)))
        assert shipped.status_code == 201, shipped.text
        body = flows.receipt_body(order, receipt_date=str(flows.today - timedelta(days=ago - 2)))
        _ok(flows.post_receipt(order["id"], body), 201)
        invoices.append(flows.issued_invoice(order["id"]))
    return invoices


def pay(flows: Flows, invoice: dict[str, Any], on: date) -> None:
    _ok(
        flows.finance.post(
            "/payments",
            json={
                "customer_code": flows.world.customer,
                "amount": invoice["total"],
                "value_date": str(on),
                "payer": "Beijing Appliance Mall Co.",
                "bank_reference": unique("CMB"),
            },
        ),
        201,
    )


def due_of(flows: Flows, invoice: dict[str, Any]) -> date:
    return date.fromisoformat(_ok(flows.finance.get(f"/invoices/{invoice['id']}"))["due_date"])


def record(flows: Flows) -> dict[str, Any]:
    return dict(_ok(flows.sales.get(f"/customers/{flows.world.customer}/credit-record")))


def review(flows: Flows, day: date, **settings: Any) -> list[JobResult]:
    runtime = flows.backend.runtime
    chosen = settings_for(flows.backend.settings.database_url, **settings) if settings else None
    return run_due(
        runtime.db,
        jobs={JOB: credit_review},
        workflows=runtime.workflows,
        as_of=datetime.combine(day, time(9, 0), tzinfo=runtime.settings.tz),
        tz=runtime.settings.tz,
        settings=chosen or runtime.settings,
    )


def proposals(flows: Flows) -> list[dict[str, Any]]:
    return list(
        _ok(flows.finance.get("/credit-proposals", params={"customer": flows.world.customer}))
    )


def decide_tasks(flows: Flows, proposal_id: int) -> list[dict[str, Any]]:
    return list(
        _ok(
            flows.finance.get(
                "/tasks",
                params={"kind": TASK, "subject_id": proposal_id, "state": ["open", "done"]},
            )
        )
    )


def test_r32_the_payment_record_counts_late_payments_and_what_is_overdue(flows: Flows) -> None:
    empty = record(flows)
    assert (empty["grade"], empty["credit_limit"]) == ("B", "1000000.00")
    assert empty["figures"] == {
        "invoices_paid": 0,
        "invoices_paid_late": 0,
        "average_days_late": "0.0",
        "amount_overdue": "0.00",
        "invoices_overdue": 0,
        "broken_promises": 0,
    }
    late, on_time, unpaid = invoices_received(flows, 80, 70, 60)
    pay(flows, late, due_of(flows, late) + timedelta(days=11))
    pay(flows, on_time, due_of(flows, on_time))
    found = record(flows)
    assert found["as_of"] == str(flows.today) and found["lookback_days"] == 365
    assert found["figures"] == {
        "invoices_paid": 2,
        "invoices_paid_late": 1,
        "average_days_late": "5.5",
        "amount_overdue": unpaid["total"],
        "invoices_overdue": 1,
        "broken_promises": 0,
    }
    missing = flows.sales.get("/customers/NO-SUCH/credit-record")
    assert missing.status_code == 404 and missing.json()["code"] == "customer.not_found"


def test_r32_the_review_proposes_once_finance_approves_and_the_credit_check_uses_it(
    flows: Flows,
) -> None:
    # HQ set a limit of 30,000; the customer then paid an invoice 40 days late.
    customer = flows.change_customer(credit_limit="30000")
    [late] = invoices_received(flows, 98)
    pay(flows, late, due_of(flows, late) + timedelta(days=40))

    # Two schedulers at once, then reruns: one proposal, one task for finance.
    errors: list[BaseException] = []

    def one() -> None:
        try:
            review(flows, flows.today)
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=one) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    review(flows, flows.today)
    review(flows, flows.today + timedelta(days=1))
    [proposal] = proposals(flows)
    assert (proposal["grade_before"], proposal["grade_after"]) == ("B", "C")
    assert (proposal["limit_before"], proposal["limit_after"]) == ("30000.00", "21000.00")
    assert proposal["period"] == flows.today.strftime("%Y-%m")
    assert proposal["state"] == "proposed" and proposal["figures"]["average_days_late"] == "40.0"
    assert proposal["decision"]["rules"] == ["grade-b-late"]
    [task] = decide_tasks(flows, proposal["id"])
    assert (task["owner_role"], task["state"]) == ("finance", "open")

    # Sales may not decide; finance approves, the customer changes, journalled, the task closes.
    refused = flows.sales.post(f"/credit-proposals/{proposal['id']}/approve", json={})
    assert refused.status_code == 403, refused.text
    approved = _ok(
        flows.finance.post(f"/credit-proposals/{proposal['id']}/approve", json={"note": "agreed"})
    )
    assert (approved["state"], approved["decided_by"] is not None) == ("approved", True)
    changed = _ok(flows.hq.get(f"/customers/{flows.world.customer}"))
    assert (changed["grade"], changed["credit_limit"]) == ("C", "21000.00")
    assert changed["version"] == customer["version"] + 1  # one journalled change
    last = _ok(flows.hq.get(f"/customers/{flows.world.customer}/history"))[-1]
    assert last["trigger"] == "review_credit"
    assert last["payload"]["changes"] == {
        "grade": {"before": "B", "after": "C"},
        "credit_limit": {"before": "30000.00", "after": "21000.00"},
    }
    assert [t["state"] for t in decide_tasks(flows, proposal["id"])] == ["done"]
    again = flows.finance.post(f"/credit-proposals/{proposal['id']}/reject", json={"note": "no"})
    assert again.status_code == 409, again.text

    # An order of 25,012.50 fitted the old limit of 30,000; the approved 21,000 holds it.
    order = flows.approved_order(lines=[(0, 25)])
    assert order["state"] == "on_credit_hold", order
    values = order["credit_decision"]["decision"]["values"]
    assert (values["credit_limit"], values["customer_grade"]) == ("21000.00", "C")


def test_r32_finance_rejects_with_a_note_and_the_customer_keeps_its_grade(flows: Flows) -> None:
    [late] = invoices_received(flows, 98)
    pay(flows, late, due_of(flows, late) + timedelta(days=35))
    # Before the review day of the month nothing is read; from it, the review runs.
    assert review(flows, flows.today, credit_review_day=28)[0].candidates == 0
    assert proposals(flows) == []
    review(flows, date(flows.today.year, flows.today.month, 28), credit_review_day=28)
    [proposal] = proposals(flows)
    path = f"/credit-proposals/{proposal['id']}"
    without_note = flows.finance.post(f"{path}/reject", json={})
    assert without_note.status_code == 422 and "note" in without_note.text
    rejected = _ok(flows.finance.post(f"{path}/reject", json={"note": "one late payment"}))
    assert (rejected["state"], rejected["decision_note"]) == ("rejected", "one late payment")
    customer = _ok(flows.hq.get(f"/customers/{flows.world.customer}"))
    assert (customer["grade"], customer["credit_limit"]) == ("B", "1000000.00")
    assert [t["state"] for t in decide_tasks(flows, proposal["id"])] == ["done"]
    history = _ok(flows.finance.get(f"{path}/history"))
    assert [e["trigger"] for e in history] == ["raise", "reject"]
    assert history[0]["decisions"][0]["rules"] == ["grade-b-late"]
    missing = flows.finance.get("/credit-proposals/999999999")
    assert missing.status_code == 404 and missing.json()["code"] == "credit.proposal_not_found"


def test_r32_an_approval_of_an_unchanged_limit_changes_only_the_grade(flows: Flows) -> None:
    # Grade C paying six invoices on time goes up to B with 20% more limit.
    flows.change_customer(grade="C")
    invoices = invoices_received(flows, 90, 89, 88, 87, 86, 85)
    for invoice in invoices:
        pay(flows, invoice, due_of(flows, invoice) - timedelta(days=1))
    review(flows, flows.today)
    [proposal] = proposals(flows)
    assert (proposal["grade_after"], proposal["limit_after"]) == ("B", str(Decimal("1200000.00")))
    _ok(flows.finance.post(f"/credit-proposals/{proposal['id']}/approve"))
    customer = _ok(flows.hq.get(f"/customers/{flows.world.customer}"))
    assert (customer["grade"], customer["credit_limit"]) == ("B", "1200000.00")
