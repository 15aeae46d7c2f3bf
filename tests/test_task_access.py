"""Who may do what with a task (README "Tasks"): its owner role sees, takes and cancels it, only
its assignee closes it, an admin frees one whose assignee is away and works only admin tasks."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from service.db import utcnow
from service.scheduler.tasks import NewTask, raise_tasks
from tests.flows import Flows
from tests.support import unique


def logistics_task(flows: Flows) -> dict[str, Any]:
    runtime = flows.backend.runtime
    with runtime.db.write() as session:
        [task_id] = raise_tasks(
            session,
            runtime.workflows,
            [
                NewTask(
                    kind="carrier_receipt_overdue",
                    subject_type="shipment",
                    subject_id=abs(hash(unique("s"))) % 1_000_000,
                    period=unique("p"),
                    owner_role="logistics",
                    title="Chase the carrier",
                    due_at=utcnow() + timedelta(days=1),
                    detail={},
                )
            ],
            actor="scheduler",
        )
    response = flows.logistics.get(f"/tasks/{task_id}")
    assert response.status_code == 200, response.text
    return dict(response.json())


def test_a_task_is_seen_by_its_owner_role_only(flows: Flows) -> None:
    task = logistics_task(flows)
    for client in (flows.finance, flows.admin, flows.hq):
        hidden = client.get(f"/tasks/{task['id']}")
        assert hidden.status_code == 403 and hidden.json()["code"] == "task.owned_by_other_role"
        assert client.get(f"/tasks/{task['id']}/history").status_code == 403
        assert task["id"] not in [t["id"] for t in client.get("/tasks").json()]
    assert task["allowed_triggers"] == ["take", "cancel"]


def test_only_the_owner_role_takes_and_cancels_a_task(flows: Flows) -> None:
    task = logistics_task(flows)
    for client in (flows.admin, flows.hq):
        for trigger in ("take", "cancel"):
            refused = client.post(f"/tasks/{task['id']}/{trigger}")
            assert refused.status_code == 409, refused.text
            assert refused.json()["code"] == "task.owned_by_other_role"
    cancelled = flows.logistics.post(f"/tasks/{task['id']}/cancel", json={"note": "not needed"})
    assert cancelled.status_code == 200 and cancelled.json()["state"] == "cancelled"


def test_only_the_assignee_closes_and_an_admin_may_free_a_task(flows: Flows) -> None:
    task = logistics_task(flows)
    taken = flows.logistics.post(f"/tasks/{task['id']}/take")
    assert taken.status_code == 200 and taken.json()["assignee"]
    closed_by_admin = flows.admin.post(f"/tasks/{task['id']}/close", json={"note": "done"})
    assert closed_by_admin.status_code == 409
    assert closed_by_admin.json()["code"] == "task.taken_by_other"
    freed = flows.admin.post(f"/tasks/{task['id']}/release")
    assert freed.status_code == 200 and freed.json()["assignee"] is None
    again = flows.logistics.post(f"/tasks/{task['id']}/take")
    closed = flows.logistics.post(f"/tasks/{task['id']}/close", json={"note": "chased SF"})
    assert again.status_code == 200
    assert closed.status_code == 200 and closed.json()["resolution"] == "chased SF"
