"""R8: a receipt exception left open past N working days (`receipt_exception_overdue_working_days`,
5 by default) raises a task for its owner, exactly once per period of N working days; working the
exception resolves it.

The exceptions are found today and then dated back to a fixed moment, so the periods fall on
known days of the Chinese calendar: found on Friday 13 November 2026, the fifth working day after
it is Friday 20 November, the tenth Friday 27 November.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import update

from service import bootstrap
from service.receipts.models import ReceiptException
from service.receipts.queries import RECEIPT_EXCEPTION_OVERDUE
from service.scheduler.jobs import CALENDAR_GAP, JobResult
from service.scheduler.runner import run_due
from service.settings import Settings
from tests.flows import Flows
from tests.pages import Person, text_of
from tests.returns_flows import request
from tests.test_receipt_exceptions import act, exception, redelivery_body, shortage

SHANGHAI = "+08:00"
FOUND = "2026-11-13T10:00"  # a Friday
ALL_STATES = ["open", "in_progress", "done", "cancelled"]


def at(moment: str) -> datetime:
    return datetime.fromisoformat(moment + SHANGHAI)


def found_on(flows: Flows, exception_id: int, moment: str = FOUND) -> None:
    """Date the exception back, as if the receipt had been posted at `moment`."""
    with flows.backend.db.write() as session:
        session.execute(
            update(ReceiptException)
            .where(ReceiptException.id == exception_id)
            .values(created_at=at(moment))
        )


def overdue_run(flows: Flows, moment: str, **changed: Any) -> JobResult:
    """R8's job alone, as the scheduler runs it for `moment` (with settings changed, if asked)."""
    runtime = flows.backend.runtime
    settings: Settings = runtime.settings.model_copy(update=changed)
    [result] = run_due(
        runtime.db,
        jobs={RECEIPT_EXCEPTION_OVERDUE: bootstrap.jobs()[RECEIPT_EXCEPTION_OVERDUE]},
        workflows=runtime.workflows,
        as_of=at(moment),
        tz=settings.tz,
        settings=settings,
    )
    return result


def overdue_tasks(flows: Flows, exc: dict[str, Any], role: str = "logistics") -> list[Any]:
    response = flows.clients[role].get(
        "/tasks",
        params={
            "kind": RECEIPT_EXCEPTION_OVERDUE,
            "subject_type": "receipt_exception",
            "subject_id": exc["id"],
            "state": ALL_STATES,
        },
    )
    assert response.status_code == 200, response.text
    return sorted(response.json(), key=lambda t: t["period"])


def substitution(flows: Flows) -> tuple[dict[str, Any], dict[str, Any]]:
    """An order whose customer received 2 of another model on line 1: its exception (sales')."""
    order = flows.shipped_order()
    body = flows.receipt_body(
        order,
        lines=[
            {"line_no": 1, "received_qty": 8},
            {"line_no": 1, "received_qty": 2, "item_code": flows.world.items[3]},
            {"line_no": 2, "received_qty": 5},
        ],
    )
    response = flows.post_receipt(order["id"], body)
    assert response.status_code == 201, response.text
    [found] = response.json()["exceptions"]
    return order, exception(flows, found["id"])


def test_r8_an_exception_left_open_raises_one_task_per_period_for_its_owner(
    flows: Flows,
) -> None:
    order, exc = shortage(flows, 8)
    assert exc["owner_role"] == "logistics"
    found_on(flows, exc["id"])
    # The fifth working day after the Friday it was found is the next Friday: until it is over,
    # nothing; from the first moment after it, one task.
    overdue_run(flows, "2026-11-20T23:59:59.999")
    assert overdue_tasks(flows, exc) == []
    overdue_run(flows, "2026-11-21T00:00")
    [task] = overdue_tasks(flows, exc)
    assert (task["owner_role"], task["state"], task["period"]) == (
        "logistics",
        "open",
        "2026-11-20",
    )
    assert task["due_at"].startswith("2026-11-23T10:00")  # the next working day, 18:00 Shanghai
    detail = task["detail"]
    assert detail["order_id"] == order["id"]
    assert detail["company_order_no"] == order["company_order_no"]
    assert detail["customer_po_no"] == order["customer_po_no"]
    assert detail["receipt_no"] == exc["receipt_no"]
    assert (detail["kind"], detail["quantity"], detail["state"]) == ("shortage", 2, "open")
    assert (detail["opened_on"], detail["working_days_open"]) == ("2026-11-13", 5)
    assert order["company_order_no"] in task["title"]
    assert "5 working days" in task["title"]
    # A rerun, a later run in the same period, or a second scheduler: nothing twice.
    for moment in ("2026-11-21T00:00", "2026-11-23T09:00", "2026-11-27T23:00"):
        overdue_run(flows, moment)
    assert len(overdue_tasks(flows, exc)) == 1
    # Five working days later the next period raises the next task.
    overdue_run(flows, "2026-11-28T08:00")
    first, second = overdue_tasks(flows, exc)
    assert first["id"] == task["id"]
    assert (second["period"], second["detail"]["working_days_open"]) == ("2026-11-27", 10)
    overdue_run(flows, "2026-11-28T09:00")
    assert len(overdue_tasks(flows, exc)) == 2
    # Only the owner role sees it.
    assert overdue_tasks(flows, exc, role="finance") == []


def test_r8_the_period_is_the_setting_and_a_claim_still_open_counts(flows: Flows) -> None:
    _, exc = shortage(flows, 4)
    claim = {
        "amount": "6003.00",
        "claimed_on": str(flows.today),
        "evidence_id": flows.upload_evidence()["id"],
    }
    assert act(flows, "logistics", exc, "claim", claim).status_code == 200
    found_on(flows, exc["id"])
    # Two working days: Monday 16 and Tuesday 17 November.
    overdue_run(flows, "2026-11-17T23:00", receipt_exception_overdue_working_days=2)
    assert overdue_tasks(flows, exc) == []
    overdue_run(flows, "2026-11-18T07:00", receipt_exception_overdue_working_days=2)
    [task] = overdue_tasks(flows, exc)
    assert (task["period"], task["detail"]["state"]) == ("2026-11-17", "claimed")


def test_r8_a_substitution_raises_its_task_for_sales(flows: Flows) -> None:
    _, exc = substitution(flows)
    assert exc["owner_role"] == "sales"
    found_on(flows, exc["id"])
    overdue_run(flows, "2026-11-21T00:00")
    [task] = overdue_tasks(flows, exc, role="sales")
    assert (task["owner_role"], task["detail"]["kind"]) == ("sales", "substitution")
    assert overdue_tasks(flows, exc, role="logistics") == []


def test_r8_no_task_for_a_closed_exception(flows: Flows) -> None:
    _, exc = shortage(flows, 8)
    accepted = act(flows, "sales", exc, "accept", {"reason": "customer cancels the rest"})
    assert accepted.status_code == 200, accepted.text
    found_on(flows, exc["id"])
    overdue_run(flows, "2026-11-21T00:00")
    overdue_run(flows, "2026-12-01T00:00")
    assert overdue_tasks(flows, exc) == []


def test_r8_the_open_task_is_resolved_when_the_exception_is_worked(flows: Flows) -> None:
    _, redelivered = shortage(flows, 8)
    _, settled = shortage(flows, 4)
    _, accepted = shortage(flows, 9)
    for exc in (redelivered, settled, accepted):
        found_on(flows, exc["id"])
    overdue_run(flows, "2026-11-21T00:00")
    # Re-delivered: still open while the follow-up delivery is on its way, resolved once its
    # signed receipt is posted.
    assert act(flows, "logistics", redelivered, "redeliver").status_code == 200
    [task] = overdue_tasks(flows, redelivered)
    assert task["state"] == "open"
    body = redelivery_body(flows, 2)
    assert act(flows, "logistics", redelivered, "redelivery", body).status_code == 200
    [task] = overdue_tasks(flows, redelivered)
    assert task["state"] == "done"
    assert body["receipt_no"] in task["resolution"]
    # Claimed: open until the carrier settles (finance records it).
    claim = {
        "amount": "6003.00",
        "claimed_on": str(flows.today),
        "evidence_id": flows.upload_evidence()["id"],
    }
    assert act(flows, "logistics", settled, "claim", claim).status_code == 200
    assert overdue_tasks(flows, settled)[0]["state"] == "open"
    done = act(
        flows,
        "finance",
        settled,
        "settle-claim",
        {"amount": "6003", "settled_on": str(flows.today)},
    )
    assert done.status_code == 200, done.text
    [task] = overdue_tasks(flows, settled)
    assert task["state"] == "done" and "6003.00" in task["resolution"]
    # Accepted by sales.
    assert act(flows, "sales", accepted, "accept", {"reason": "cancelled"}).status_code == 200
    [task] = overdue_tasks(flows, accepted)
    assert (task["state"], task["resolution"]) == ("done", "accepted by sales")
    # Worked, they raise nothing in the next period.
    overdue_run(flows, "2026-11-28T08:00")
    for exc in (redelivered, settled, accepted):
        assert len(overdue_tasks(flows, exc)) == 1


def test_r8_a_substitution_returned_resolves_its_task(flows: Flows) -> None:
    order, exc = substitution(flows)
    found_on(flows, exc["id"])
    overdue_run(flows, "2026-11-21T00:00")
    assert overdue_tasks(flows, exc, role="sales")[0]["state"] == "open"
    invoice = flows.issued_invoice(order["id"])
    [line_no] = [
        ln["line_no"] for ln in invoice["lines"] if ln["item_code"] == flows.world.items[3]
    ]
    ret = request(
        flows, invoice, [(line_no, 2)], reason="wrong_model", receipt_exception_id=exc["id"]
    )
    assert ret.status_code == 201, ret.text
    [task] = overdue_tasks(flows, exc, role="sales")
    assert task["state"] == "done"
    assert ret.json()["return_no"] in task["resolution"]


def test_r8_beyond_the_working_day_calendar_admin_is_told_once(flows: Flows) -> None:
    _, exc = shortage(flows, 8)
    found_on(flows, exc["id"], "2026-12-28T10:00")
    result = overdue_run(flows, "2027-01-11T09:00")
    assert any("2026-12-28" in p and "upgrade chinesecalendar" in p for p in result.problems)
    assert overdue_tasks(flows, exc) == []
    gaps = flows.admin.get(
        "/tasks", params={"kind": CALENDAR_GAP, "subject_id": 2027, "state": ALL_STATES}
    ).json()
    assert len(gaps) == 1 and gaps[0]["owner_role"] == "admin"
    overdue_run(flows, "2027-01-12T09:00")
    again = flows.admin.get(
        "/tasks", params={"kind": CALENDAR_GAP, "subject_id": 2027, "state": ALL_STATES}
    ).json()
    assert len(again) == 1


def test_r8_the_task_page_names_the_exception_in_both_languages(
    flows: Flows, person: Callable[..., Person]
) -> None:
    _, exc = shortage(flows, 8)
    found_on(flows, exc["id"])
    overdue_run(flows, "2026-11-21T00:00")
    [task] = overdue_tasks(flows, exc)
    for locale, words in (
        ("en", ("Receipt exception open too long", "Working days open", "Shortage", "Open")),
        ("zh", ("收货异常超期未处理", "已持续工作日", "短少", "待处理", "的签收异常")),
    ):
        shown = text_of(person("logistics", locale=locale).page(f"/web/tasks/{task['id']}"))
        # The exception's kind and state in words, not as codes.
        assert all(w in shown for w in (*words, exc["receipt_no"])), (locale, shown)


def test_r8_the_job_needs_the_settings(flows: Flows) -> None:
    runtime = flows.backend.runtime
    job = bootstrap.jobs()[RECEIPT_EXCEPTION_OVERDUE]
    [result] = run_due(
        runtime.db,
        jobs={RECEIPT_EXCEPTION_OVERDUE: job},
        workflows=runtime.workflows,
        as_of=at("2026-11-21T00:00") + timedelta(0),
        tz=runtime.settings.tz,
    )
    assert result.raised == [] and result.problems
