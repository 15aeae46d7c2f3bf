"""R27/R28 deadline alerts: the scheduler tells HQ, once, of a contract or a power of attorney to
renew or replace, and the task resolves itself when that is done."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import update

from service.clock import business_date
from service.masterdata.alerts import (
    ATTORNEY_EXPIRING,
    ATTORNEY_OUTLIVES_CONTRACT,
    ATTORNEY_PERSON_LEFT,
    CONTRACT_EXPIRING,
    JOB,
    deadline_alerts,
)
from service.masterdata.models import Contract
from service.scheduler.jobs import JobResult
from service.scheduler.runner import run_due
from tests.flows import Flows
from tests.pages import Person, text_of
from tests.support import Backend, World, make_world, settings_for, unique

# The world's contract ends 20 days from today: within the default 30 days' notice.
ENDS_IN = 20


@pytest.fixture
def world(backend: Backend) -> World:
    today = business_date(backend.settings.tz)
    return make_world(backend.db, today=today, contract_days=(-100, ENDS_IN))


def alert_run(flows: Flows, day: date, **settings: Any) -> list[JobResult]:
    runtime = flows.backend.runtime
    chosen = settings_for(flows.backend.settings.database_url, **settings) if settings else None
    return run_due(
        runtime.db,
        jobs={JOB: deadline_alerts},
        workflows=runtime.workflows,
        as_of=datetime.combine(day, time(9, 0), tzinfo=runtime.settings.tz),
        tz=runtime.settings.tz,
        settings=chosen or runtime.settings,
    )


def _ok(response: httpx.Response, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, response.text
    return dict(response.json())


def alerts(flows: Flows, kind: str, subject_id: int, role: str = "hq") -> list[dict[str, Any]]:
    response = getattr(flows, role).get(
        "/tasks",
        params={
            "kind": kind,
            "subject_id": subject_id,
            "state": ["open", "in_progress", "done", "cancelled"],
            "limit": 500,
        },
    )
    return list(_ok_list(response))


def _ok_list(response: httpx.Response) -> list[dict[str, Any]]:
    assert response.status_code == 200, response.text
    return list(response.json())


def contract(flows: Flows, contract_no: str | None = None) -> dict[str, Any]:
    return _ok(flows.hq.get(f"/contracts/{contract_no or flows.world.contract}"))


def prices(flows: Flows) -> list[dict[str, str]]:
    return [{"item_code": c, "unit_price": str(p)} for c, p in flows.world.prices.items()]


def attorney(flows: Flows, **fields: Any) -> dict[str, Any]:
    body = {"attorney_name": "Wang Fang", "phone": "138 0000 0001", "scope": ["collect"]} | fields
    path = f"/customers/{flows.world.customer}/powers-of-attorney"
    return _ok(flows.hq.post(path, json=body), 201)


def test_r27_a_contract_ending_soon_raises_one_task_for_hq_and_renewal_resolves_it(
    flows: Flows,
) -> None:
    ends = flows.today + timedelta(days=ENDS_IN)
    found = contract(flows)
    # 35 days ahead is beyond the 30 days' notice; a setting of 40 days reaches it.
    alert_run(flows, flows.today - timedelta(days=15))
    assert alerts(flows, CONTRACT_EXPIRING, found["id"]) == []
    alert_run(flows, flows.today - timedelta(days=15), contract_expiry_alert_days=40)
    [task] = alerts(flows, CONTRACT_EXPIRING, found["id"])
    assert (task["owner_role"], task["state"], task["period"]) == ("hq", "open", str(ends))
    assert task["detail"]["contract_no"] == flows.world.contract
    assert f"ends on {ends}" in task["title"] and "R27" in task["title"]
    # A rerun, later runs up to and past the end, two at once: still the one task.
    for days in (-15, 0, 0, ENDS_IN, ENDS_IN + 3):
        alert_run(flows, flows.today + timedelta(days=days))
    assert [t["id"] for t in alerts(flows, CONTRACT_EXPIRING, found["id"])] == [task["id"]]
    # Sales and finance do not see HQ's task.
    assert alerts(flows, CONTRACT_EXPIRING, found["id"], role="sales") == []

    # HQ records the next contract: the task resolves itself at once, journalled.
    renewal = unique("HT")
    _ok(
        flows.hq.post(
            "/contracts",
            json={
                "customer_code": flows.world.customer,
                "contract_no": renewal,
                "valid_from": str(ends + timedelta(days=1)),
                "valid_to": str(ends + timedelta(days=366)),
                "prices": prices(flows),
            },
        ),
        201,
    )
    [done] = alerts(flows, CONTRACT_EXPIRING, found["id"])
    assert (done["state"], done["closed_at"] is not None) == ("done", True)
    history = _ok_list(flows.hq.get(f"/tasks/{task['id']}/history"))
    assert history[-1]["trigger"] == "resolve" and history[-1]["actor"].startswith("u-hq")
    # The scheduler raises nothing again, for the old contract or the new one.
    alert_run(flows, flows.today + timedelta(days=ENDS_IN + 4))
    assert [t["state"] for t in alerts(flows, CONTRACT_EXPIRING, found["id"])] == ["done"]
    assert alerts(flows, CONTRACT_EXPIRING, contract(flows, renewal)["id"]) == []


def test_r27_a_contract_extended_within_the_notice_is_raised_again_for_its_new_end(
    flows: Flows,
) -> None:
    found = contract(flows)
    alert_run(flows, flows.today)
    [first] = alerts(flows, CONTRACT_EXPIRING, found["id"])
    longer = flows.today + timedelta(days=ENDS_IN + 5)
    body = {k: found[k] for k in ("valid_from", "discount_rate", "rebate_terms")}
    _ok(
        flows.hq.put(
            f"/contracts/{flows.world.contract}",
            json=body | {"valid_to": str(longer), "prices": prices(flows)},
        )
    )
    # The end it was raised for is gone; the new end is within the notice too.
    old, new = alerts(flows, CONTRACT_EXPIRING, found["id"])
    assert (old["id"], old["state"]) == (first["id"], "done")
    assert (new["state"], new["period"]) == ("open", str(longer))
    # Extended beyond the notice: nothing left open, and the scheduler agrees.
    _ok(
        flows.hq.put(
            f"/contracts/{flows.world.contract}",
            json=body
            | {"valid_to": str(flows.today + timedelta(days=200)), "prices": prices(flows)},
        )
    )
    alert_run(flows, flows.today)
    assert [t["state"] for t in alerts(flows, CONTRACT_EXPIRING, found["id"])] == ["done", "done"]


def test_r27_a_catch_up_after_downtime_raises_what_it_missed_once(flows: Flows) -> None:
    found = contract(flows)
    # The scheduler was down until after the contract ended.
    after = flows.today + timedelta(days=ENDS_IN + 10)
    alert_run(flows, after)
    [task] = alerts(flows, CONTRACT_EXPIRING, found["id"])
    assert "ended on" in task["title"]
    assert task["due_at"].startswith(str(after))  # due at once, not in the past
    for day in range(ENDS_IN + 10):  # replaying the missed days adds nothing
        alert_run(flows, flows.today + timedelta(days=day))
    assert len(alerts(flows, CONTRACT_EXPIRING, found["id"])) == 1


def test_r27_two_schedulers_at_the_same_moment_raise_each_alert_once(flows: Flows) -> None:
    found = contract(flows)
    poa = attorney(flows, attorney_name="Zhou Xun")  # to the contract's end: alerted too
    errors: list[BaseException] = []

    def one() -> None:
        try:
            alert_run(flows, flows.today + timedelta(days=1))
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=one) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(alerts(flows, CONTRACT_EXPIRING, found["id"])) == 1
    assert len(alerts(flows, ATTORNEY_EXPIRING, poa["id"])) == 1


def test_r28_a_power_of_attorney_ending_soon_is_raised_and_continuing_it_resolves(
    flows: Flows,
) -> None:
    # The contract is extended first, so only the power of attorney ends soon.
    found = contract(flows)
    body = {k: found[k] for k in ("valid_from", "discount_rate", "rebate_terms")}
    far = flows.today + timedelta(days=300)
    _ok(
        flows.hq.put(
            f"/contracts/{flows.world.contract}",
            json=body | {"valid_to": str(far), "prices": prices(flows)},
        )
    )
    ends = flows.today + timedelta(days=10)
    poa = attorney(flows, valid_to=str(ends))
    # HQ is told at once (the change) and the scheduler raises nothing more.
    alert_run(flows, flows.today)
    alert_run(flows, flows.today + timedelta(days=3))
    [task] = alerts(flows, ATTORNEY_EXPIRING, poa["id"])
    assert (task["owner_role"], task["period"], task["state"]) == ("hq", str(ends), "open")
    assert task["detail"]["attorney_name"] == "Wang Fang"
    assert alerts(flows, CONTRACT_EXPIRING, found["id"]) == []
    # A power of attorney for someone else does not continue it.
    attorney(flows, attorney_name="Li Lei", valid_from=str(ends + timedelta(days=1)))
    assert alerts(flows, ATTORNEY_EXPIRING, poa["id"])[0]["state"] == "open"
    # The same person's next power of attorney does.
    attorney(flows, valid_from=str(ends + timedelta(days=1)))
    assert alerts(flows, ATTORNEY_EXPIRING, poa["id"])[0]["state"] == "done"
    alert_run(flows, flows.today + timedelta(days=5))
    assert len(alerts(flows, ATTORNEY_EXPIRING, poa["id"])) == 1


def test_r28_a_person_who_left_is_recorded_by_sales_and_replacing_resolves_the_task(
    flows: Flows,
) -> None:
    found = contract(flows)
    body = {k: found[k] for k in ("valid_from", "discount_rate", "rebate_terms")}
    _ok(
        flows.hq.put(
            f"/contracts/{flows.world.contract}",
            json=body
            | {"valid_to": str(flows.today + timedelta(days=300)), "prices": prices(flows)},
        )
    )
    poa = attorney(flows)
    path = f"/powers-of-attorney/{poa['id']}/person-left"
    refused = flows.logistics.post(path, json={})
    assert refused.status_code == 403, refused.text
    left_on = flows.today - timedelta(days=2)
    recorded = _ok(flows.sales.post(path, json={"left_on": str(left_on), "note": "resigned"}))
    assert (recorded["person_left_on"], recorded["person_left_note"]) == (str(left_on), "resigned")
    assert (recorded["state"], recorded["version"]) == ("valid", 2)
    # HQ has its task at once; the scheduler raises it no second time.
    [task] = alerts(flows, ATTORNEY_PERSON_LEFT, poa["id"])
    assert (task["owner_role"], task["period"], task["state"]) == ("hq", str(left_on), "open")
    alert_run(flows, flows.today)
    assert len(alerts(flows, ATTORNEY_PERSON_LEFT, poa["id"])) == 1
    again = flows.hq.post(path, json={})
    assert again.status_code == 409 and again.json()["code"] == "attorney.person_left_recorded"
    history = _ok_list(flows.hq.get(f"/powers-of-attorney/{poa['id']}/history"))
    assert history[-1]["trigger"] == "record_person_left"
    assert history[-1]["payload"]["left_on"] == str(left_on)

    # Replaced by the new person: the task resolves, the successor is not alerted.
    successor = {
        "attorney_name": "Zhao Min",
        "phone": "139 0000 0002",
        "scope": ["collect"],
        "reason": "Wang Fang left",
    }
    new = _ok(flows.hq.post(f"/powers-of-attorney/{poa['id']}/replace", json=successor), 201)
    assert alerts(flows, ATTORNEY_PERSON_LEFT, poa["id"])[0]["state"] == "done"
    alert_run(flows, flows.today + timedelta(days=1))
    assert alerts(flows, ATTORNEY_PERSON_LEFT, new["id"]) == []


def test_r28_a_power_of_attorney_outliving_its_contract_is_raised_and_revoking_resolves(
    backend: Backend, flows: Flows
) -> None:
    poa = attorney(flows, valid_to=str(flows.today + timedelta(days=ENDS_IN)))
    # Data from before the check (an import, an old system) may have a contract ending sooner.
    shorter = flows.today + timedelta(days=5)
    with backend.db.write() as session:
        session.execute(
            update(Contract)
            .where(Contract.contract_no == flows.world.contract)
            .values(valid_to=shorter)
        )
    alert_run(flows, flows.today)
    [task] = alerts(flows, ATTORNEY_OUTLIVES_CONTRACT, poa["id"])
    assert (task["period"], task["detail"]["contract_valid_to"]) == (str(shorter), str(shorter))
    assert len(alerts(flows, ATTORNEY_EXPIRING, poa["id"])) == 1
    revoked = flows.hq.post(f"/powers-of-attorney/{poa['id']}/revoke", json={"reason": "wrong"})
    assert revoked.status_code == 200, revoked.text
    assert alerts(flows, ATTORNEY_OUTLIVES_CONTRACT, poa["id"])[0]["state"] == "done"
    assert alerts(flows, ATTORNEY_EXPIRING, poa["id"])[0]["state"] == "done"
    alert_run(flows, flows.today + timedelta(days=1))
    assert len(alerts(flows, ATTORNEY_OUTLIVES_CONTRACT, poa["id"])) == 1


def test_r28_person_left_is_bounded_and_refused_with_its_field(flows: Flows) -> None:
    poa = attorney(flows)
    path = f"/powers-of-attorney/{poa['id']}/person-left"
    for body, field in (({"left_on": "not a day"}, "left_on"), ({"note": "x" * 501}, "note")):
        response = flows.sales.post(path, json=body)
        assert response.status_code == 422, response.text
        assert field in response.text
    missing = flows.sales.post("/powers-of-attorney/999999999/person-left", json={})
    assert missing.status_code == 404 and missing.json()["code"] == "attorney.not_found"
    assert _ok(flows.hq.get(f"/powers-of-attorney/{poa['id']}"))["person_left_on"] is None


def test_r28_sales_records_from_the_page_that_the_person_left(
    flows: Flows, person: Callable[..., Person]
) -> None:
    poa = attorney(flows)
    path = f"/web/attorneys/{poa['id']}"
    sales = person("sales")
    page = sales.page(path)
    assert 'id="person-left"' in page and "The person has left the customer" in text_of(page)
    assert 'id="person-left"' not in person("logistics").page(path)
    wrong = sales.submit(path, f"{path}/person-left", {"left_on": "2026-02-30"})
    assert wrong.status_code == 422, text_of(wrong.text)[:400]
    assert _ok(flows.hq.get(f"/powers-of-attorney/{poa['id']}"))["person_left_on"] is None
    done = sales.submit(path, f"{path}/person-left", {"note": "moved to a competitor"})
    assert done.status_code == 303, text_of(done.text)[:400]
    shown = sales.page(path)
    assert 'id="person-left-on"' in shown and "moved to a competitor" in text_of(shown)
    assert 'id="person-left"' not in shown  # recorded once
    [task] = alerts(flows, ATTORNEY_PERSON_LEFT, poa["id"])
    assert task["period"] == str(flows.today)
    zh = text_of(person("hq", locale="zh").page(path))
    assert "受托人离开日期" in zh


def test_r27_hq_reads_the_alert_on_the_task_pages_with_a_link_to_the_contract(
    flows: Flows, person: Callable[..., Person]
) -> None:
    found = contract(flows)
    alert_run(flows, flows.today)
    [task] = alerts(flows, CONTRACT_EXPIRING, found["id"])
    hq = person("hq")
    board = text_of(hq.page(f"/web/tasks?kind={CONTRACT_EXPIRING}"))
    assert "Renew a contract before it ends (R27)" in board
    page = hq.page(f"/web/tasks/{task['id']}")
    assert f'href="/web/contracts/{flows.world.contract}"' in page
    zh = text_of(person("hq", locale="zh").page(f"/web/tasks/{task['id']}"))
    assert "合同到期前续签（R27）" in zh
    # The title in the reader's words: the contract ends, it has not ended yet.
    ends = task["detail"]["valid_to"]
    assert task["title_words"]["code"] == "tasks.title.contract_ends"
    assert f"Contract {flows.world.contract} of {flows.world.customer} ends on {ends}" in text_of(
        page
    )
    assert f"{flows.world.customer} 的合同 {flows.world.contract} 将于 {ends} 到期" in zh
