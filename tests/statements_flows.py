"""Steps of reconciliation statements through the API and the scheduler (R20-R22)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import select, update

from service import bootstrap
from service.invoices.models import Invoice
from service.scheduler.jobs import JobResult
from service.scheduler.models import Task
from service.scheduler.runner import run_due
from service.statements.jobs import JOB
from tests.flows import Flows
from tests.support import Backend


def invoice_due(
    flows: Flows, day: date, lines: list[tuple[int, int]] | None = None
) -> dict[str, Any]:
    """An issued blue invoice of a received order whose stored due date is `day` (R19 gives
    it from the terms; statements rely only on the stored column)."""
    invoice = flows.issued_invoice(flows.receipted_order(lines=lines)["id"])
    set_due(flows.backend, [invoice["id"]], day)
    return invoice


def set_due(backend: Backend, invoice_ids: Sequence[int], day: date) -> None:
    with backend.db.write() as session:
        session.execute(update(Invoice).where(Invoice.id.in_(invoice_ids)).values(due_date=day))


def run(backend: Backend, day: date, hour: int = 9) -> JobResult:
    """The statements' job for a moment of `day`, as `o2c scheduler run-once` runs it."""
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


def statements(flows: Flows, **params: Any) -> list[dict[str, Any]]:
    response = flows.finance.get(
        "/statements", params={"customer_code": flows.world.customer, **params}
    )
    assert response.status_code == 200, response.text
    return sorted(response.json(), key=lambda s: (s["settlement_date"], s["kind"]))


def statement(flows: Flows, statement_no: str) -> dict[str, Any]:
    response = flows.sales.get(f"/statements/{statement_no}")
    assert response.status_code == 200, response.text
    return dict(response.json())


def statement_of(backend: Backend, invoice_id: int) -> int | None:
    with backend.db.read() as session:
        return session.scalar(select(Invoice.statement_id).where(Invoice.id == invoice_id))


def tasks_of(backend: Backend, statement_id: int) -> list[tuple[str, str, str]]:
    with backend.db.read() as session:
        rows = session.execute(
            select(Task.kind, Task.owner_role, Task.period, Task.state).where(
                Task.subject_type == "statement", Task.subject_id == statement_id
            )
        ).all()
    return sorted((kind, role, f"{period}:{state}") for kind, role, period, state in rows)
