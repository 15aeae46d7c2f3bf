"""R19 through the API: an invoice's due date counts from the customer's receipt date by the
version of its terms in force on that date; a new version re-dates only the open invoices
received from its effective date (a dry run says how many and changes nothing); terms are
validated where they enter; the due-date job fills what waited for the working-day calendar."""

from __future__ import annotations

import calendar
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from service import bootstrap, workdays
from service.invoices.duejobs import JOB
from service.scheduler.jobs import CALENDAR_GAP
from service.scheduler.models import Task
from service.scheduler.runner import run_due
from tests.flows import Flows
from tests.support import analyses, unique, unique_fapiao


def _ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def _refused(response: httpx.Response, status: int, code: str, field: str) -> None:
    assert response.status_code == status, response.text
    problem = response.json()
    assert problem["code"] == code, problem
    assert field in {e["field"] for e in problem["errors"]}, problem


def receipted_invoice(flows: Flows, received: date) -> dict[str, Any]:
    """A draft invoice for goods ordered, shipped and then received on `received`."""
    order = flows.create_order(order_date=str(received - timedelta(days=6)))
    _ok(flows.hq.post(f"/orders/{order['id']}/approve"))
    _ok(flows.ship(order["id"], shipped_on=str(received - timedelta(days=4))), 201)
    body = flows.receipt_body(order, receipt_date=str(received))
    _ok(flows.post_receipt(order["id"], body), 201)
    return flows.invoice(order["id"])


def _invoice(flows: Flows, invoice_id: int) -> dict[str, Any]:
    return dict(_ok(flows.finance.get(f"/invoices/{invoice_id}")))


def _month_end_plus(received: date, days: int) -> date:
    last = calendar.monthrange(received.year, received.month)[1]
    return date(received.year, received.month, last) + timedelta(days=days)


def test_r19_the_due_date_counts_from_the_customers_receipt_date(flows: Flows) -> None:
    received = flows.today - timedelta(days=2)
    invoice = receipted_invoice(flows, received)
    # The world's customer: 45 days from receipt; the order was made 6 days and shipped 4 days
    # before the receipt, the invoice today: none of those starts the term.
    assert invoice["term_start"] == str(received)
    assert invoice["due_date"] == str(received + timedelta(days=45))
    assert invoice["due_date"] != str(flows.today + timedelta(days=45))
    issued = _ok(
        flows.finance.post(
            f"/invoices/{invoice['id']}/issue",
            json={"fapiao_no": unique_fapiao(), "fapiao_date": str(flows.today)},
        )
    )
    assert (issued["term_start"], issued["due_date"]) == (
        invoice["term_start"],
        invoice["due_date"],
    )
    terms = _ok(flows.sales.get(f"/customers/{flows.world.customer}/terms"))
    assert [(t["basis"], t["days"], t["in_force"]) for t in terms] == [("receipt", 45, True)]


def test_r19_a_new_version_moves_only_invoices_received_from_its_date(flows: Flows) -> None:
    code = flows.world.customer
    days = (10, 6, 2)
    invoices = {d: receipted_invoice(flows, flows.today - timedelta(days=d)) for d in days}
    effective = flows.today - timedelta(days=6)
    version = {"effective_from": str(effective), "basis": "month_end", "days": 30}
    path = f"/customers/{code}/terms"

    preview = _ok(flows.finance.post(path, params={"dry_run": "true"}, json=version))
    assert (preview["dry_run"], preview["moved"], preview["terms"]["id"]) == (True, 2, None)
    moved = {i["id"]: i for i in preview["invoices"]}
    assert set(moved) == {invoices[6]["id"], invoices[2]["id"]}
    for d in (6, 2):
        received = flows.today - timedelta(days=d)
        line = moved[invoices[d]["id"]]
        assert line["due_date_before"] == str(received + timedelta(days=45))
        assert line["due_date_after"] == str(_month_end_plus(received, 30))
    # The dry run changed nothing: no version, no due date, no journal entry.
    assert len(_ok(flows.sales.get(path))) == 1
    assert _invoice(flows, invoices[6]["id"])["due_date"] == invoices[6]["due_date"]
    history = _ok(flows.sales.get(f"/customers/{code}/history"))
    assert "change_terms" not in [e["trigger"] for e in history]

    added = _ok(
        flows.finance.post(path, json=version | {"note": "月结30天 from the new contract"}), 201
    )
    assert (added["dry_run"], added["moved"], added["terms"]["in_force"]) == (False, 2, True)
    assert added["terms"]["created_by"] and added["terms"]["id"]
    assert _invoice(flows, invoices[10]["id"])["due_date"] == invoices[10]["due_date"]
    for d in (6, 2):
        received = flows.today - timedelta(days=d)
        assert _invoice(flows, invoices[d]["id"])["due_date"] == str(_month_end_plus(received, 30))

    versions = _ok(flows.sales.get(path))
    assert [(v["effective_from"], v["basis"], v["in_force"]) for v in versions] == [
        (str(effective), "month_end", True),
        ("2000-01-01", "receipt", False),
    ]
    customer = _ok(flows.sales.get(f"/customers/{code}"))
    assert (customer["settlement_kind"], customer["payment_term_days"]) == ("month_end", 30)
    assert customer["terms_effective_from"] == str(effective)
    [change] = [
        e
        for e in _ok(flows.sales.get(f"/customers/{code}/history"))
        if e["trigger"] == "change_terms"
    ]
    assert change["payload"]["moved"] == 2
    terms_change = change["payload"]["changes"]["payment_terms"]
    assert (terms_change["before"]["basis"], terms_change["after"]["basis"]) == (
        "receipt",
        "month_end",
    )

    # The same effective date again is refused; a version between two only covers its span.
    _refused(flows.finance.post(path, json=version), 409, "terms.exists_on_date", "effective_from")
    between = version | {"effective_from": str(flows.today - timedelta(days=8)), "days": 60}
    assert _ok(flows.hq.post(path, json=between), 201)["moved"] == 0
    assert _invoice(flows, invoices[10]["id"])["due_date"] == invoices[10]["due_date"]


def test_r19_terms_are_validated_where_they_enter(flows: Flows) -> None:
    path = f"/customers/{flows.world.customer}/terms"
    today = str(flows.today)
    base = {"effective_from": today, "basis": "receipt", "days": 30}
    cases = [
        (base | {"days": -1}, "input.greater_than_equal", "days"),
        (base | {"days": 366}, "input.less_than_equal", "days"),
        (
            base | {"basis": "monthly_day", "day_of_month": 32},
            "input.less_than_equal",
            "day_of_month",
        ),
        (base | {"day_of_month": 15}, "terms.day_of_month_only_monthly", "day_of_month"),
        (base | {"basis": "monthly_day"}, "terms.day_of_month_required", "day_of_month"),
        (base | {"non_working": "later"}, "input.literal_error", "non_working"),
        (base | {"effective_from": "2026-02-30"}, "", "effective_from"),
    ]
    for body, code, field in cases:
        response = flows.finance.post(path, json=body)
        assert response.status_code == 422, (body, response.text)
        errors = {(e["field"], e["code"]) for e in response.json()["errors"]}
        assert field in {f for f, _c in errors}, (body, errors)
        if code:
            assert (field, code) in errors or response.json()["code"] == code, (body, errors)
    # Who may: finance and HQ change terms; sales reads them.
    assert flows.sales.post(path, json=base).status_code == 403
    assert len(_ok(flows.sales.get(path))) == 1
    # Where a customer is made: the same bounds; the old code term_from_receipt is `receipt`.
    customer = {
        "code": unique("C"),
        "name": "terms customer",
        "grade": "B",
        "credit_limit": "1000.00",
        "payment_term_days": 30,
        "settlement_kind": "monthly_day",
        "settlement_day": 31,
        "non_working": "next",
    }
    made = _ok(flows.hq.post("/customers", json=customer), 201)
    assert (made["settlement_day"], made["non_working"]) == (31, "next")
    refused = flows.hq.post(
        "/customers", json=customer | {"code": unique("C"), "settlement_day": 32}
    )
    assert refused.status_code == 422
    old_code = customer | {"code": unique("C"), "settlement_kind": "term_from_receipt"}
    refused = flows.hq.post("/customers", json=old_code)
    # (a check across the customer's fields, as customer.settlement_day_required: its words
    # name settlement_day; the pages put it next to that input)
    assert "customer.settlement_day_only_monthly" in {e["code"] for e in refused.json()["errors"]}
    made = _ok(flows.hq.post("/customers", json=old_code | {"settlement_day": None}), 201)
    assert made["settlement_kind"] == "receipt"


def test_r19_a_changed_customer_gets_a_version_from_today(flows: Flows) -> None:
    code = flows.world.customer
    received = flows.today - timedelta(days=3)
    earlier = receipted_invoice(flows, received)
    response = flows.sales.get(f"/customers/{code}")
    customer = _ok(response)
    fields = (
        "name",
        "tax_no",
        "branch",
        "grade",
        "credit_limit",
        "reconciliation_lead_days",
        "invoice_delivery",
        "settlement_centre_address",
        "discount_mode",
        "return_credit_methods",
    )
    body = {name: customer[name] for name in fields} | {
        "payment_term_days": 60,
        "settlement_kind": "receipt",
        "settlement_day": None,
        "warehouses": [
            {k: w[k] for k in ("code", "name", "address")} for w in customer["warehouses"]
        ],
    }
    changed = _ok(
        flows.hq.put(
            f"/customers/{code}", json=body, headers={"If-Match": response.headers["ETag"]}
        )
    )
    assert (changed["payment_term_days"], changed["terms_effective_from"]) == (60, str(flows.today))
    versions = _ok(flows.sales.get(f"/customers/{code}/terms"))
    assert [(v["effective_from"], v["days"]) for v in versions] == [
        (str(flows.today), 60),
        ("2000-01-01", 45),
    ]
    # Goods received before today keep the terms of their receipt date.
    assert _invoice(flows, earlier["id"])["due_date"] == str(received + timedelta(days=45))
    [update] = [
        e for e in _ok(flows.sales.get(f"/customers/{code}/history")) if e["trigger"] == "update"
    ]
    assert update["payload"]["changes"]["payment_term_days"] == {"before": 45, "after": 60}


def test_r19_a_terms_change_that_moves_many_invoices_refreshes_the_planner_statistics(
    flows: Flows, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Any change of rows counts as a bulk change here; ANALYZE runs in the change's transaction.
    analysed = analyses(monkeypatch)
    code = flows.world.customer
    path = f"/customers/{code}/terms"
    received = flows.today - timedelta(days=3)
    invoice = receipted_invoice(flows, received)
    version = {"effective_from": str(received), "basis": "month_end", "days": 30}

    preview = _ok(flows.finance.post(path, params={"dry_run": "true"}, json=version))
    assert (preview["moved"], analysed) == (1, [])
    assert _ok(flows.finance.post(path, json=version), 201)["moved"] == 1
    assert _invoice(flows, invoice["id"])["due_date"] == str(_month_end_plus(received, 30))
    assert analysed == ["invoices"]

    # A version that moves nothing gathers nothing.
    earlier = version | {"effective_from": str(received - timedelta(days=1))}
    assert _ok(flows.finance.post(path, json=earlier), 201)["moved"] == 0
    assert analysed == ["invoices"]


def _due_job(flows: Flows) -> Any:
    runtime = flows.backend.runtime
    [result] = run_due(
        runtime.db,
        jobs={JOB: bootstrap.jobs()[JOB]},
        workflows=runtime.workflows,
        as_of=datetime.now(runtime.settings.tz),
        tz=runtime.settings.tz,
        settings=runtime.settings,
    )
    return result


def test_r19_the_due_date_job_fills_what_waited_for_the_calendar(
    flows: Flows, monkeypatch: pytest.MonkeyPatch
) -> None:
    code = flows.world.customer
    received = flows.today - timedelta(days=1)
    nominal = received + timedelta(days=45)
    unknown = nominal.year
    real: Callable[[date], bool] = workdays.is_working_day

    def lacking_the_year(day: date) -> bool:
        if day.year >= unknown:
            raise workdays.CalendarGap(f"the calendar does not know {day.year}", day)
        return real(day)

    def weekdays(day: date) -> bool:
        return day.weekday() < 5

    # Terms that move a due date on a day off to the next working day, in a year not known yet.
    monkeypatch.setattr(workdays, "is_working_day", lacking_the_year)
    _ok(
        flows.finance.post(
            f"/customers/{code}/terms",
            json={
                "effective_from": str(received),
                "basis": "receipt",
                "days": 45,
                "non_working": "next",
            },
        ),
        201,
    )
    invoice = receipted_invoice(flows, received)
    assert (invoice["term_start"], invoice["due_date"]) == (str(received), None)

    first = _due_job(flows)
    again = _due_job(flows)
    assert any("due dates" in p for p in first.problems)
    assert again.raised == []
    with flows.backend.db.read() as session:
        tasks = session.scalar(
            select(func.count())
            .select_from(Task)
            .where(
                Task.kind == CALENDAR_GAP,
                Task.subject_type == "calendar_year",
                Task.subject_id == unknown,
            )
        )
    assert tasks == 1
    assert _invoice(flows, invoice["id"])["due_date"] is None

    # Once the calendar knows the year, the job fills the due date (a Saturday or Sunday moves
    # to Monday with these terms).
    monkeypatch.setattr(workdays, "is_working_day", weekdays)
    analysed = analyses(monkeypatch)
    filled = _due_job(flows)
    assert filled.problems == []
    # Filling due dates is a bulk change of the invoices here (any change counts as one).
    assert analysed == ["invoices"]
    expected = nominal + timedelta(
        days=(7 - nominal.weekday()) % 7 if nominal.weekday() >= 5 else 0
    )
    assert _invoice(flows, invoice["id"])["due_date"] == str(expected)
