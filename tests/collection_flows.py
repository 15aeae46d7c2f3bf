"""Steps of collection (R30-R31) through the API and the scheduler's collection job."""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

import httpx
from sqlalchemy import select, update

from service import bootstrap
from service.collection.job import JOB
from service.collection.models import CollectionTask
from service.masterdata.models import Customer
from service.scheduler.jobs import JobResult
from service.scheduler.runner import run_due
from tests.flows import Flows
from tests.receivables_flows import dated_invoices
from tests.support import Backend


def run(backend: Backend, day: date, hour: int = 9) -> JobResult:
    """The collection job for a moment of `day`, as `o2c scheduler run-once` runs it."""
    as_of = datetime.combine(day, time(hour), tzinfo=backend.settings.tz)
    [result] = run_due(
        backend.db,
        jobs={JOB: bootstrap.jobs()[JOB]},
        workflows=backend.runtime.workflows,
        as_of=as_of,
        tz=backend.settings.tz,
        settings=backend.settings,
    )
    return result


def invoice(flows: Flows, *, due: date, received: date | None = None) -> dict[str, Any]:
    """An issued invoice (15562.50) whose stored due date (and receipt date) are as given."""
    dates: dict[str, date | None] = {"due": due}
    if received is not None:
        dates["received"] = received
    [made] = dated_invoices(flows, dates)
    return made


def set_limit(flows: Flows, limit: str) -> None:
    with flows.backend.db.write() as session:
        session.execute(
            update(Customer)
            .where(Customer.code == flows.world.customer)
            .values(credit_limit=Decimal(limit))
        )


def tasks(flows: Flows) -> list[tuple[str, str, str, int, str]]:
    """The world customer's collection tasks: (condition, state, owner role, level, period)."""
    with flows.backend.db.read() as session:
        rows = session.execute(
            select(
                CollectionTask.condition,
                CollectionTask.state,
                CollectionTask.owner_role,
                CollectionTask.level,
                CollectionTask.period,
            )
            .join(Customer, Customer.id == CollectionTask.customer_id)
            .where(Customer.code == flows.world.customer)
            .order_by(CollectionTask.id)
        ).all()
    return [tuple(r) for r in rows]  # type: ignore[misc]


def board(client: httpx.Client, flows: Flows, **params: Any) -> list[dict[str, Any]]:
    answer = client.get(
        "/collection/tasks", params={"customer_code": flows.world.customer, **params}
    )
    assert answer.status_code == 200, answer.text
    return list(answer.json())


def task(client: httpx.Client, task_id: int) -> dict[str, Any]:
    answer = client.get(f"/collection/tasks/{task_id}")
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def post(client: httpx.Client, path: str, status: int = 200, **body: Any) -> dict[str, Any]:
    answer = client.post(path, json=body)
    assert answer.status_code == status, answer.text
    return dict(answer.json())


def history(client: httpx.Client, task_id: int) -> list[tuple[str, str]]:
    answer = client.get(f"/collection/tasks/{task_id}/history")
    assert answer.status_code == 200, answer.text
    return [(e["trigger"], e["to_state"]) for e in answer.json()]
