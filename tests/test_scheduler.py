"""The scheduler raises tasks on time, once (R7), and the task queue people work from."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from service import bootstrap
from service.auth.tokens import Actor
from service.carriers import jobs as carrier_jobs
from service.carriers.queries import CARRIER_RECEIPT_OVERDUE, report_deadline
from service.journal import Event
from service.scheduler import jobs
from service.scheduler.models import Task, apscheduler_jobs
from service.scheduler.process import SchedulerProcess
from service.scheduler.runner import run_due
from service.workdays import CalendarGap
from tests import statements_flows as sf
from tests.flows import Flows
from tests.support import Backend, World, make_world, settings_for

SHANGHAI = "+08:00"


def at(moment: str) -> datetime:
    return datetime.fromisoformat(moment + SHANGHAI)


@pytest.fixture
def world(backend: Backend) -> World:
    # Contracts valid from the start of 2026, so the fixed calendar dates below are in force.
    today = date.today()
    return make_world(backend.db, today=today, contract_days=((date(2026, 1, 1) - today).days, 400))


def delivered_order(
    flows: Flows,
    *,
    ordered: date,
    shipped: date,
    delivered: date,
    kind: str = "internal",
    carrier: str = "SF Express",
) -> dict[str, Any]:
    order = flows.approved_order(order_date=str(ordered))
    response = flows.ship(
        order["id"], shipped_on=str(shipped), warehouse_kind=kind, carrier=carrier
    )
    assert response.status_code == 201, response.text
    response = flows.logistics.post(
        f"/orders/{order['id']}/delivery", json={"delivered_on": str(delivered)}
    )
    assert response.status_code == 200, response.text
    return order


def carrier_tasks(flows: Flows, order_id: int | None = None) -> list[dict[str, Any]]:
    response = flows.logistics.get(
        "/tasks",
        params={
            "kind": CARRIER_RECEIPT_OVERDUE,
            "state": ["open", "in_progress", "done"],
            "limit": 500,
        },
    )
    tasks = [t for t in response.json() if t["detail"]["customer_code"] == flows.world.customer]
    return [t for t in tasks if order_id is None or t["detail"]["order_id"] == order_id]


def run(flows: Flows, moment: str) -> list[jobs.JobResult]:
    runtime = flows.backend.runtime
    return run_due(
        runtime.db,
        jobs=bootstrap.jobs(),
        workflows=runtime.workflows,
        as_of=at(moment),
        tz=runtime.settings.tz,
        settings=runtime.settings,
    )


def test_r7_carrier_receipt_overdue_across_a_weekend(flows: Flows) -> None:
    # Delivered Friday 13 November: the carrier has Monday and Tuesday to report.
    order = delivered_order(
        flows, ordered=date(2026, 11, 9), shipped=date(2026, 11, 12), delivered=date(2026, 11, 13)
    )
    run(flows, "2026-11-17T23:00")
    assert carrier_tasks(flows) == []
    run(flows, "2026-11-18T08:00")
    [task] = carrier_tasks(flows)
    assert task["owner_role"] == "logistics"
    assert task["detail"]["order_id"] == order["id"]
    assert task["detail"]["report_deadline"] == "2026-11-17"
    assert "SF Express" in task["title"]
    assert all(t["owner_role"] == "finance" for t in flows.finance.get("/tasks").json())


def test_r7_across_national_day_and_a_make_up_working_day(flows: Flows) -> None:
    # Delivered Wednesday 30 September; 1-8 October are holidays, Friday 9 October is the
    # second working day, and Saturday 10 October is a make-up working day.
    delivered_order(
        flows, ordered=date(2026, 9, 25), shipped=date(2026, 9, 28), delivered=date(2026, 9, 30)
    )
    run(flows, "2026-10-09T20:00")
    assert carrier_tasks(flows) == []
    run(flows, "2026-10-10T09:00")
    [task] = carrier_tasks(flows)
    assert task["period"] == "2026-10-09"
    assert task["due_at"].startswith("2026-10-12T10:00")  # next working day, 18:00 Shanghai


def test_r7_a_make_up_sunday_counts_as_a_working_day(flows: Flows) -> None:
    # Delivered Friday 18 September; Sunday 20 September is worked, so Monday is the deadline.
    delivered_order(
        flows, ordered=date(2026, 9, 14), shipped=date(2026, 9, 17), delivered=date(2026, 9, 18)
    )
    run(flows, "2026-09-21T22:00")
    assert carrier_tasks(flows) == []
    run(flows, "2026-09-22T07:00")
    assert len(carrier_tasks(flows)) == 1


def test_r7_no_task_for_external_warehouses_or_receipts_already_posted(flows: Flows) -> None:
    delivered_order(
        flows,
        ordered=date(2026, 11, 2),
        shipped=date(2026, 11, 3),
        delivered=date(2026, 11, 4),
        kind="external",
        carrier="3PL",
    )
    on_time = delivered_order(
        flows, ordered=date(2026, 11, 2), shipped=date(2026, 11, 3), delivered=date(2026, 11, 4)
    )
    body = flows.receipt_body(on_time, receipt_date="2026-11-04")
    assert flows.post_receipt(on_time["id"], body).status_code == 201
    run(flows, "2026-11-20T09:00")
    assert carrier_tasks(flows) == []


def test_r7_the_same_run_twice_raises_one_task(flows: Flows) -> None:
    order = delivered_order(
        flows, ordered=date(2026, 11, 9), shipped=date(2026, 11, 12), delivered=date(2026, 11, 13)
    )
    run(flows, "2026-11-18T08:00")
    run(flows, "2026-11-18T08:00")
    run(flows, "2026-11-19T08:00")
    [task] = carrier_tasks(flows, order["id"])
    history = flows.logistics.get(f"/tasks/{task['id']}/history").json()
    assert [(e["trigger"], e["to_state"], e["actor"]) for e in history] == [
        ("raise", "open", "scheduler")
    ]


def test_r7_deliveries_beyond_the_calendar_raise_one_task_for_admins_and_the_rest_go_on(
    flows: Flows, monkeypatch: pytest.MonkeyPatch
) -> None:
    known = delivered_order(
        flows, ordered=date(2026, 11, 9), shipped=date(2026, 11, 10), delivered=date(2026, 11, 12)
    )
    unknown = delivered_order(
        flows, ordered=date(2026, 11, 9), shipped=date(2026, 11, 10), delivered=date(2026, 11, 13)
    )
    # As on the last days of a year whose successor the calendar library does not know yet.
    year = 2099

    def deadline(delivered: date) -> date:
        if delivered == date(2026, 11, 13):
            raise CalendarGap(f"the calendar does not know {year}", date(year, 1, 4))
        return report_deadline(delivered)

    monkeypatch.setattr(carrier_jobs, "report_deadline", deadline)
    [result] = [r for r in run(flows, "2026-11-18T08:00") if r.job == CARRIER_RECEIPT_OVERDUE]
    assert any("deliveries of 2026-11-13" in p for p in result.problems)
    run(flows, "2026-11-19T08:00")
    assert [t["detail"]["order_id"] for t in carrier_tasks(flows, known["id"])] == [known["id"]]
    assert carrier_tasks(flows, unknown["id"]) == []
    found = flows.admin.get("/tasks", params={"kind": jobs.CALENDAR_GAP, "subject_id": year}).json()
    assert len(found) == 1, found
    [task] = found
    assert task["owner_role"] == "admin"
    assert task["period"] == str(year)
    assert "upgrade chinesecalendar" in task["title"]
    assert "2026-11-13" in task["detail"]["waiting"]
    assert flows.logistics.get("/tasks", params={"kind": jobs.CALENDAR_GAP}).json() == []


def test_r7_catch_up_after_ten_missed_days_raises_each_task_once(flows: Flows) -> None:
    deliveries = [date(2026, 11, d) for d in (2, 3, 4, 5, 6, 9, 10)]
    orders = [
        delivered_order(flows, ordered=date(2026, 10, 30), shipped=date(2026, 10, 31), delivered=d)
        for d in deliveries
    ]
    # The scheduler was down from 2 to 12 November; the first run after the outage catches up.
    run(flows, "2026-11-12T09:00")
    tasks = carrier_tasks(flows)
    assert sorted(t["detail"]["order_id"] for t in tasks) == sorted(
        o["id"] for o in orders[:-1]
    )  # delivered on 10 Nov: due 12 Nov, not yet overdue
    for day in range(2, 13):  # replaying the missed days, in any order, adds nothing
        run(flows, f"2026-11-{day:02d}T09:00")
    assert len(carrier_tasks(flows)) == len(orders) - 1
    run(flows, "2026-11-13T09:00")
    assert len(carrier_tasks(flows)) == len(orders)


def test_r7_two_scheduler_processes_at_the_same_moment_raise_no_duplicate(
    backend: Backend, flows: Flows
) -> None:
    from service.orders import approval
    from service.orders import usecases as orders
    from service.orders.schemas import OrderCreate
    from service.shipments import usecases as shipments
    from service.shipments.schemas import DeliveryReport, ShipmentCreate

    seed = Actor(user_id=0, username="seed", roles=frozenset({"sales", "hq", "logistics"}))
    ctx = backend.runtime.for_actor(seed)
    with backend.db.write() as session:
        for n in range(120):
            order = orders.create(
                session,
                ctx,
                data=OrderCreate(
                    customer_code=flows.world.customer,
                    customer_po_no=f"PO-PAR-{n}-{flows.world.customer}",
                    dc_code="DC1",
                    order_date=date(2026, 10, 20),
                    lines=[{"item_code": flows.world.items[0], "quantity": 1}],
                ),
            )
            approval.approve(session, ctx, order_id=order.id)
            shipments.ship(
                session,
                ctx,
                order_id=order.id,
                data=ShipmentCreate(
                    warehouse_kind="internal",
                    source_warehouse="W",
                    carrier="ZTO",
                    shipped_on=date(2026, 10, 21),
                ),
            )
            shipments.record_delivery(
                session,
                ctx,
                order_id=order.id,
                data=DeliveryReport(delivered_on=date(2026, 10, 22)),
            )
    env = {k: v for k, v in os.environ.items() if not k.startswith("O2C_")}
    env["O2C_DATABASE_URL"] = backend.settings.database_url
    command = [
        sys.executable,
        "-m",
        "service",
        "scheduler",
        "run-once",
        "--as-of",
        "2026-11-02T09:00",
    ]
    processes = [
        subprocess.Popen(
            command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for _ in range(2)
    ]
    outputs = [p.communicate(timeout=120) for p in processes]
    assert [p.returncode for p in processes] == [0, 0], outputs
    raised = [
        int(out.split(f"{CARRIER_RECEIPT_OVERDUE}: ")[1].split(" ")[0]) for out, _err in outputs
    ]
    assert sum(raised) >= 120  # between them they raised all of ours (and maybe others')
    with backend.db.read() as session:
        ours = session.scalars(
            select(Task.id).where(
                Task.kind == CARRIER_RECEIPT_OVERDUE,
                Task.detail["customer_code"].as_string() == flows.world.customer,
            )
        ).all()
        journalled = session.scalar(
            select(func.count())
            .select_from(Event)
            .where(Event.entity_type == "task", Event.trigger == "raise", Event.entity_id.in_(ours))
        )
    assert len(ours) == 120
    assert journalled == 120


def test_r7_a_late_receipt_is_marked_against_the_carrier_and_resolves_the_task(
    flows: Flows,
) -> None:
    order = delivered_order(
        flows,
        ordered=date(2026, 11, 9),
        shipped=date(2026, 11, 12),
        delivered=date(2026, 11, 13),
        carrier="Slow Freight",
    )
    run(flows, "2026-11-18T08:00")
    [task] = carrier_tasks(flows, order["id"])
    assert task["state"] == "open"
    body = flows.receipt_body(order, receipt_date="2026-11-13")
    receipt = flows.post_receipt(order["id"], body).json()
    assert receipt["reported_late"] is True
    assert receipt["report_deadline"] == "2026-11-17"
    [resolved] = carrier_tasks(flows, order["id"])
    assert resolved["state"] == "done"
    assert "posted" in resolved["resolution"]
    lateness = flows.finance.get(
        "/carriers/lateness", params={"since": "2026-11-13", "until": "2026-11-13"}
    ).json()
    slow = [c for c in lateness if c["carrier"] == "Slow Freight"]
    assert slow and slow[0]["late"] >= 1
    assert order["id"] in [r["order_id"] for r in slow[0]["late_receipts"]]


def test_r7_a_receipt_reported_in_time_is_not_late(flows: Flows) -> None:
    today = flows.today
    try:
        deadline = report_deadline(today)
    except CalendarGap:
        pytest.skip("the working-day calendar does not know the days after today yet")
    order = delivered_order(
        flows, ordered=today - timedelta(days=3), shipped=today - timedelta(days=1), delivered=today
    )
    receipt = flows.post_receipt(
        order["id"], flows.receipt_body(order, receipt_date=str(today))
    ).json()
    assert receipt["reported_late"] is False
    assert receipt["report_deadline"] == str(deadline)


def test_tasks_are_taken_and_closed_by_their_owner_role(flows: Flows, backend: Backend) -> None:
    order = delivered_order(
        flows, ordered=date(2026, 11, 9), shipped=date(2026, 11, 12), delivered=date(2026, 11, 13)
    )
    run(flows, "2026-11-18T08:00")
    [task] = carrier_tasks(flows, order["id"])
    assert all(t["owner_role"] == "finance" for t in flows.finance.get("/tasks").json())
    refused = flows.finance.post(f"/tasks/{task['id']}/take")
    assert refused.status_code == 409
    assert refused.json()["guard"] == "holds_owner_role"
    assert flows.scheduler.post(f"/tasks/{task['id']}/take").status_code == 403
    taken = flows.logistics.post(f"/tasks/{task['id']}/take")
    assert taken.status_code == 200, taken.text
    assert taken.json()["state"] == "in_progress"
    closed = flows.logistics.post(
        f"/tasks/{task['id']}/close", json={"note": "carrier called; scan promised tomorrow"}
    )
    assert closed.status_code == 200
    assert closed.json()["state"] == "done"
    assert closed.json()["resolution"] == "carrier called; scan promised tomorrow"
    again = flows.logistics.post(f"/tasks/{task['id']}/close")
    assert again.status_code == 409
    assert again.json()["allowed_triggers"] == []


def test_one_scheduler_process_leads_and_another_takes_over_when_it_stops(
    backend: Backend, flows: Flows
) -> None:
    order = delivered_order(
        flows,
        ordered=flows.today - timedelta(days=40),
        shipped=flows.today - timedelta(days=35),
        delivered=flows.today - timedelta(days=30),
    )
    settings = settings_for(
        backend.settings.database_url,
        scheduler_enabled=True,
        scheduler_interval_seconds=3600,
        scheduler_lease_seconds=3,
    )
    first, second = (
        SchedulerProcess(
            settings, backend.db, jobs=bootstrap.jobs(), workflows=backend.runtime.workflows
        )
        for _ in range(2)
    )
    first.start()
    try:
        deadline = time.monotonic() + 30
        while not carrier_tasks(flows, order["id"]):
            assert time.monotonic() < deadline, "the leader did not run the stored job"
            time.sleep(0.2)
        with backend.db.read() as session:
            stored = session.execute(select(apscheduler_jobs.c.id)).scalars().all()
        assert "o2c-scan" in stored
        second.start()
        time.sleep(1.5)
        assert first.leading and not second.leading
    finally:
        first.stop()
    deadline = time.monotonic() + 15
    while not second.leading:  # the lease is released on stop: the other process takes over
        assert time.monotonic() < deadline, "no takeover after the leader stopped"
        time.sleep(0.2)
    second.stop()


def test_run_once_on_the_command_line(backend: Backend, flows: Flows) -> None:
    delivered_order(
        flows, ordered=date(2026, 11, 9), shipped=date(2026, 11, 12), delivered=date(2026, 11, 13)
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("O2C_")}
    env["O2C_DATABASE_URL"] = backend.settings.database_url
    base = [sys.executable, "-m", "service", "scheduler", "run-once"]
    ok = subprocess.run(
        [*base, "--as-of", "2026-11-18T08:00"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert ok.returncode == 0, ok.stderr
    assert "carrier_receipt_overdue:" in ok.stdout
    assert len(carrier_tasks(flows)) == 1
    bad = subprocess.run(
        [*base, "--as-of", "next tuesday"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert bad.returncode == 1
    assert "--as-of" in bad.stderr


def test_a_run_as_of_another_day_journals_what_it_makes_on_that_business_day(
    flows: Flows,
) -> None:
    # `o2c scheduler run-once --as-of` (a replay, a catch-up): the statements and tasks it makes
    # are journalled on the business day it runs as of, whatever the day it runs on.
    delivered_order(
        flows, ordered=date(2026, 11, 9), shipped=date(2026, 11, 12), delivered=date(2026, 11, 13)
    )
    sf.invoice_due(flows, date(2026, 11, 23))  # grade B: drafted on 18 November
    with flows.backend.db.read() as session:
        before = session.scalar(select(func.max(Event.id))) or 0
    run(flows, "2026-11-18T08:00")
    with flows.backend.db.read() as session:
        made = session.execute(
            select(Event.entity_type, Event.business_date).where(Event.id > before)
        ).all()
    assert {"task", "statement"} <= {machine for machine, _ in made}
    assert {day for _, day in made} == {date(2026, 11, 18)}


def test_a_delivery_date_is_checked(flows: Flows) -> None:
    order = flows.shipped_order()
    for day, reason in [
        (flows.today + timedelta(days=1), "future"),
        (flows.today - timedelta(days=30), "before the shipment"),
    ]:
        response = flows.logistics.post(
            f"/orders/{order['id']}/delivery", json={"delivered_on": str(day)}
        )
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "delivered_on"
        assert reason in response.json()["detail"]
    draft = flows.create_order()
    refused = flows.logistics.post(
        f"/orders/{draft['id']}/delivery", json={"delivered_on": str(flows.today)}
    )
    assert refused.status_code == 409
