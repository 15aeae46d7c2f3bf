"""Business dates: what people enter late keeps the day it happened on.

Every action that may be entered late takes its business date; the journal keeps it beside the
time it was recorded; document numbers take its year; R7 judges a receipt on the day it was
reported; no business date is in the future, before the document's previous step or in the
closed period; the books close forward only (back only by an admin, with a reason).

The closings here are of days long past (2001), which no other test enters: the session's
database is shared.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from service.auth import tokens
from service.receipts.importer import import_receipts
from service.receipts.importfile import COLUMNS
from service.web.templating import happened
from service.workdays import add_working_days
from tests.flows import Flows
from tests.pages import Person, text_of
from tests.support import Backend, make_world, png_bytes, unique, unique_fapiao

LONG_AGO = date(2001, 1, 1)


def _field(response: httpx.Response) -> str:
    return str(response.json()["errors"][0]["field"])


def _closed(flows: Flows) -> dict[str, Any]:
    response = flows.finance.get("/books/closed-through")
    assert response.status_code == 200, response.text
    return dict(response.json())


def _close(client: httpx.Client, through: date, **more: Any) -> httpx.Response:
    return client.put("/books/closed-through", json={"through": str(through), **more})


def _ensure_closed_long_ago(flows: Flows) -> date:
    """The books closed through a day of 2001 at least (moving them forward if needed)."""
    current = _closed(flows)["closed_through"]
    if current is None:
        response = _close(flows.finance, LONG_AGO + timedelta(days=30))
        assert response.status_code == 200, response.text
        current = response.json()["closed_through"]
    return date.fromisoformat(current)


def test_r7_a_receipt_entered_three_days_late_with_its_report_on_time_is_not_late(
    flows: Flows,
) -> None:
    order = flows.approved_order(order_date=str(flows.today - timedelta(days=20)))
    shipped = flows.ship(order["id"], shipped_on=str(flows.today - timedelta(days=15)))
    assert shipped.status_code == 201, shipped.text
    signed = flows.today - timedelta(days=10)
    reported = add_working_days(signed, 1)  # within the carrier's 2 working days
    body = flows.receipt_body(order, receipt_date=str(signed), reported_on=str(reported))
    response = flows.post_receipt(order["id"], body)
    assert response.status_code == 201, response.text
    receipt = response.json()
    assert receipt["reported_on"] == str(reported)
    assert receipt["reported_late"] is False
    last = flows.history(order["id"])[-1]
    assert last["trigger"] == "post_receipt"
    assert last["business_date"] == str(reported)


def test_r7_a_receipt_reported_after_the_deadline_is_late_even_when_entered_early(
    flows: Flows,
) -> None:
    order = flows.approved_order(order_date=str(flows.today - timedelta(days=20)))
    flows.ship(order["id"], shipped_on=str(flows.today - timedelta(days=15)))
    signed = flows.today - timedelta(days=14)
    reported = add_working_days(signed, 3)
    body = flows.receipt_body(order, receipt_date=str(signed), reported_on=str(reported))
    response = flows.post_receipt(order["id"], body)
    assert response.status_code == 201, response.text
    assert response.json()["reported_late"] is True


def test_r4_an_order_approved_late_in_december_is_numbered_in_its_business_year(
    backend: Backend, flows: Flows
) -> None:
    last_year = flows.today.year - 1
    world = make_world(backend.db, today=flows.today, contract_days=(-500, 300))
    body = flows.order_body(customer_code=world.customer, order_date=f"{last_year}-12-28")
    body["lines"] = [{"item_code": world.items[0], "quantity": 3}]
    created = flows.sales.post("/orders", json=body)
    assert created.status_code == 201, created.text
    order_id = created.json()["id"]
    response = flows.hq.post(
        f"/orders/{order_id}/approve", json={"business_date": f"{last_year}-12-30"}
    )
    assert response.status_code == 200, response.text
    assert response.json()["company_order_no"].startswith(f"SO{last_year}")
    history = flows.history(order_id)
    assert [e["business_date"] for e in history] == [f"{last_year}-12-28", f"{last_year}-12-30"]
    # The journal keeps when each step was recorded, too: today.
    recorded = date.fromisoformat(history[-1]["occurred_at"][:10])
    assert abs((recorded - flows.today).days) <= 1


def test_an_action_without_a_business_date_happens_today(flows: Flows) -> None:
    order = flows.approved_order()
    assert [e["business_date"] for e in flows.history(order["id"])][-1] == str(flows.today)
    assert order["company_order_no"].startswith(f"SO{flows.today.year}")


def test_a_business_date_in_the_future_is_refused_naming_the_field(flows: Flows) -> None:
    order = flows.create_order()
    tomorrow = flows.today + timedelta(days=1)
    response = flows.hq.post(
        f"/orders/{order['id']}/approve", json={"business_date": str(tomorrow)}
    )
    assert response.status_code == 422
    assert response.json()["code"] == "business_date.in_future"
    assert _field(response) == "business_date"
    assert flows.order(order["id"])["state"] == "draft"


def test_a_business_date_before_the_documents_previous_step_is_refused(flows: Flows) -> None:
    order = flows.create_order(order_date=str(flows.today - timedelta(days=5)))
    early = flows.today - timedelta(days=6)
    response = flows.hq.post(f"/orders/{order['id']}/approve", json={"business_date": str(early)})
    assert response.status_code == 422
    assert response.json()["code"] == "business_date.before_previous_step"
    assert _field(response) == "business_date"
    assert flows.order(order["id"])["state"] == "draft"


def test_a_step_is_not_dated_before_the_last_step_journaled(flows: Flows) -> None:
    order = flows.approved_order(order_date=str(flows.today - timedelta(days=9)))
    # Approved today; a cancellation dated before the approval is refused.
    day = flows.today - timedelta(days=2)
    response = flows.sales.post(
        f"/orders/{order['id']}/cancel", json={"reason": "withdrawn", "business_date": str(day)}
    )
    assert response.status_code == 422, response.text
    assert response.json()["code"] == "business_date.before_previous_step"
    assert response.json()["previous"] == str(flows.today)


def test_a_business_date_in_the_closed_period_is_refused(flows: Flows) -> None:
    closed = _ensure_closed_long_ago(flows)
    order = flows.create_order()
    response = flows.hq.post(f"/orders/{order['id']}/approve", json={"business_date": str(closed)})
    assert response.status_code == 422
    problem = response.json()
    assert problem["code"] == "period.closed"
    assert problem["closed_through"] == str(closed)
    assert _field(response) == "business_date"
    assert flows.order(order["id"])["state"] == "draft"


def test_the_books_close_forward_only_and_back_only_by_an_admin_with_a_reason(
    flows: Flows,
) -> None:
    closed = _ensure_closed_long_ago(flows)
    later = closed + timedelta(days=31)
    moved = _close(flows.finance, later, seen_through=str(closed))
    assert moved.status_code == 200, moved.text
    assert moved.json()["closed_through"] == str(later)
    assert moved.json()["closed_by"].startswith("u-finance")
    back = _close(flows.finance, closed)
    assert back.status_code == 403
    assert back.json()["code"] == "book.reopen_admin_only"
    no_reason = _close(flows.admin, closed)
    assert no_reason.status_code == 422
    assert no_reason.json()["code"] == "book.reopen_reason_required"
    stale = _close(flows.finance, later + timedelta(days=1), seen_through=str(closed))
    assert stale.status_code == 409
    assert stale.json()["code"] == "book.changed"
    not_past = _close(flows.finance, flows.today)
    assert not_past.status_code == 422
    assert _field(not_past) == "through"
    reopened = _close(flows.admin, closed, reason="a December invoice was entered late")
    assert reopened.status_code == 200, reopened.text
    shown = _closed(flows)
    assert shown["closed_through"] == str(closed)
    assert shown["history"][0]["reason"] == "a December invoice was entered late"
    assert shown["history"][1]["closed_through"] == str(later)
    assert _close(flows.sales, later).status_code == 403


def _late_receipted_order(flows: Flows, world_customer: str, item: str, year: int) -> int:
    """An order of December `year` entered late: approved, shipped and received in December."""
    body = flows.order_body(customer_code=world_customer, order_date=f"{year}-12-20")
    body["lines"] = [{"item_code": item, "quantity": 2}]
    created = flows.sales.post("/orders", json=body)
    assert created.status_code == 201, created.text
    order = created.json()
    approved = flows.hq.post(
        f"/orders/{order['id']}/approve", json={"business_date": f"{year}-12-21"}
    )
    assert approved.status_code == 200, approved.text
    shipped = flows.ship(order["id"], shipped_on=f"{year}-12-22")
    assert shipped.status_code == 201, shipped.text
    receipt = flows.receipt_body(
        approved.json(), receipt_date=f"{year}-12-24", reported_on=f"{year}-12-25"
    )
    posted = flows.post_receipt(order["id"], receipt)
    assert posted.status_code == 201, posted.text
    return int(order["id"])


def test_an_invoice_entered_in_january_for_december_is_numbered_in_december_s_year(
    backend: Backend, flows: Flows
) -> None:
    year = flows.today.year - 1
    world = make_world(backend.db, today=flows.today, contract_days=(-500, 300))
    order_id = _late_receipted_order(flows, world.customer, world.items[0], year)
    before = flows.finance.post(
        "/invoices", json={"order_id": order_id, "business_date": f"{year}-12-23"}
    )
    assert before.status_code == 422
    assert before.json()["code"] == "business_date.before_previous_step"
    assert before.json()["previous"] == f"{year}-12-24"  # the receipt date
    made = flows.finance.post(
        "/invoices", json={"order_id": order_id, "business_date": f"{year}-12-30"}
    )
    assert made.status_code == 201, made.text
    invoice = made.json()
    assert invoice["invoice_no"].startswith(f"IV{year}")
    history = flows.finance.get(f"/invoices/{invoice['id']}/history").json()
    assert history[0]["business_date"] == f"{year}-12-30"
    steps = [(e["trigger"], e["business_date"]) for e in flows.history(order_id)]
    assert steps == [
        ("create", f"{year}-12-20"),
        ("approve", f"{year}-12-21"),
        ("ship", f"{year}-12-22"),
        ("post_receipt", f"{year}-12-25"),
        ("invoice", f"{year}-12-30"),
    ]


def test_r7_an_imported_receipt_is_judged_on_its_reported_on_column(
    flows: Flows, tmp_path: Path
) -> None:
    order = flows.shipped_order()  # shipped three days ago
    signed = flows.today - timedelta(days=3)
    reported = add_working_days(signed, 1)
    (tmp_path / "scan.png").write_bytes(png_bytes(unique("scan")))
    path, receipt_no = tmp_path / "receipts.csv", unique("RK")
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        for line in order["lines"]:
            writer.writerow(
                [
                    order["company_order_no"],
                    receipt_no,
                    str(signed),
                    line["line_no"],
                    line["quantity"],
                    "",
                    "scan.png",
                    str(reported),
                ]
            )
    username = unique("importer")
    with flows.backend.db.write() as session:
        tokens.create_user(session, username=username, roles=["logistics"])
    report = import_receipts(flows.backend.runtime, path=path, username=username)
    assert not report.problems, report.problems
    receipt = flows.logistics.get(f"/orders/{order['id']}/receipt").json()
    assert receipt["reported_on"] == str(reported)
    assert receipt["reported_late"] is False


def test_the_pages_history_shows_the_business_date_only_where_it_is_not_the_day_recorded() -> None:
    tz = ZoneInfo("Asia/Shanghai")
    recorded = datetime(2026, 1, 1, 17, 30, tzinfo=UTC)  # 2026-01-02 01:30 in Shanghai
    same = SimpleNamespace(occurred_at=recorded, business_date=date(2026, 1, 2))
    late = SimpleNamespace(occurred_at=recorded, business_date=date(2025, 12, 30))
    before = SimpleNamespace(occurred_at=recorded, business_date=None)
    assert happened(same, tz) == ""
    assert happened(late, tz) == "2025-12-30"
    assert happened(before, tz) == ""


def test_hq_approves_on_the_page_with_the_day_it_happened_and_the_history_shows_it(
    flows: Flows, person: Callable[..., Person]
) -> None:
    order = flows.create_order(order_date=str(flows.today - timedelta(days=9)))
    hq = person("hq")
    page = f"/web/orders/{order['id']}"
    day = flows.today - timedelta(days=7)
    future = hq.submit(page, f"{page}/approve", {"business_date": str(flows.today + timedelta(1))})
    assert future.status_code == 422
    assert "is in the future" in text_of(future.text)
    sent = hq.submit(page, f"{page}/approve", {"business_date": str(day)})
    assert sent.status_code == 303, text_of(sent.text)[:500]
    assert f"happened on {day} (entered late)" in text_of(hq.page(page))
    zh = person("hq", locale="zh")
    assert f"业务日期 {day}（补录）" in text_of(zh.page(page))


def test_a_date_the_document_carries_is_refused_in_the_closed_period(flows: Flows) -> None:
    closed = _ensure_closed_long_ago(flows)
    invoice = flows.invoice(flows.receipted_order()["id"])
    response = flows.finance.post(
        f"/invoices/{invoice['id']}/issue",
        json={"fapiao_no": unique_fapiao(), "fapiao_date": str(closed)},
    )
    assert response.status_code == 422
    assert response.json()["code"] == "period.closed"
    assert _field(response) == "fapiao_date"
    assert flows.finance.get(f"/invoices/{invoice['id']}").json()["state"] == "draft"


def test_money_dated_in_the_closed_period_is_refused_naming_its_day(flows: Flows) -> None:
    """A deduction recorded on its own and a credit application carry their day: one in the
    closed period is refused before anything is looked at, and nothing is booked."""
    closed = _ensure_closed_long_ago(flows)
    code = flows.world.customer
    before = flows.finance.get(f"/customers/{code}/receivables").json()
    deduction = flows.finance.post(
        "/deductions",
        json={"customer_code": code, "kind": "discount_credit", "id": 1, "day": str(closed)},
    )
    credit = flows.finance.post(f"/customers/{code}/credit/apply", json={"day": str(closed)})
    for response in (deduction, credit):
        assert response.status_code == 422, response.text
        assert response.json()["code"] == "period.closed"
        assert _field(response) == "day"
    assert flows.finance.get(f"/customers/{code}/receivables").json() == before


def test_finance_closes_the_books_on_the_page_and_an_admin_moves_them_back_with_a_reason(
    flows: Flows, person: Callable[..., Person]
) -> None:
    closed = _ensure_closed_long_ago(flows)
    later = closed + timedelta(days=7)
    finance = person("finance")
    page = text_of(finance.page("/web/books"))
    assert "Closing the books" in page and f"Closed through {closed}" in page
    moved = finance.submit("/web/books", "/web/books", {"through": str(later)})
    assert moved.status_code == 303, moved.text
    page = text_of(finance.page(moved.headers["location"]))
    assert "The closed period was moved." in page and f"Closed through {later}" in page
    back = finance.submit("/web/books", "/web/books", {"through": str(closed)})
    assert back.status_code == 403
    assert "only an admin moves the closing back" in text_of(back.text)
    admin = person("admin", locale="zh")
    no_reason = admin.submit("/web/books", "/web/books", {"through": str(closed)})
    assert no_reason.status_code == 422 and "退回结账日须说明原因" in text_of(no_reason.text)
    reopened = admin.submit(
        "/web/books", "/web/books", {"through": str(closed), "reason": "补录十二月发票"}
    )
    assert reopened.status_code == 303, reopened.text
    shown = text_of(admin.page("/web/books"))
    assert f"已结至 {closed}" in shown and "补录十二月发票" in shown
    assert _closed(flows)["closed_through"] == str(closed)
    assert person("sales").get("/web/books").status_code == 403
