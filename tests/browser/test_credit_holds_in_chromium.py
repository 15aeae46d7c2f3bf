"""Releasing many credit holds at once in Chromium (R4, R30, R32): finance opens the credit holds
from the menu, ticks two of its customer's held orders, forgets the reason (the browser asks for
it, nothing is sent), gives one reason, and both are released and numbered while the third stays
held; a stale selection is refused, naming the order; the page in Chinese. No
console errors on the way but the refusal's status."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from playwright.sync_api import expect

from tests.browser.conftest import SCREENSHOTS, Visit
from tests.flows import Flows
from tests.test_credit import limited_customer

Open = Callable[..., Visit]


def _held(flows: Flows, count: int) -> list[dict[str, Any]]:
    customer = limited_customer(flows.backend.db, flows.world, flows.today, credit_limit="10000")
    held = []
    for _ in range(count):
        order = flows.create_order(customer_code=customer)
        answer = flows.hq.post(f"/orders/{order['id']}/approve").json()
        assert answer["state"] == "on_credit_hold", answer
        held.append(answer)
    return held


def test_r4_finance_releases_the_ticked_credit_holds_with_one_reason(
    visit: Open, flows: Flows
) -> None:
    first, second, third = _held(flows, 3)
    finance = visit("finance")
    page = finance.page
    page.goto("/web")
    page.click("nav a[href='/web/orders/credit-holds']")
    expect(page.locator("h1")).to_have_text("Orders on credit hold")
    for order in (first, second):
        page.locator(f"#hold-{order['id']} input[type=checkbox]").check()
    page.click("#release-holds button[type=submit]")  # no reason: the browser asks for one
    expect(page.locator("h1")).to_have_text("Orders on credit hold")
    assert flows.order(first["id"])["state"] == "on_credit_hold"

    # The reason given, sent: both released, the third still held.
    page.fill("#release-holds textarea[name=reason]", "guarantee from the parent company")
    page.click("#release-holds button[type=submit]")
    expect(page.locator(".notice").first).to_contain_text("credit holds are released")
    expect(page.locator(f"#hold-{first['id']}")).to_have_count(0)
    expect(page.locator(f"#hold-{second['id']}")).to_have_count(0)
    expect(page.locator(f"#hold-{third['id']}")).to_have_count(1)
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "credit-holds-released.png"), full_page=True)
    for order in (first, second):
        released = flows.order(order["id"])
        assert released["state"] == "approved" and released["company_order_no"]
        reason = flows.history(order["id"])[-1]["payload"]["reason"]
        assert reason == "guarantee from the parent company"
    assert flows.order(third["id"])["state"] == "on_credit_hold"

    assert finance.errors == []
    # Someone else rejects the third meanwhile: releasing it from the stale page is refused,
    # naming it, and nothing changes.
    page.locator(f"#hold-{third['id']} input[type=checkbox]").check()
    page.fill("#release-holds textarea[name=reason]", "paid in advance")
    answer = flows.finance.post(
        f"/orders/{third['id']}/reject-credit", json={"reason": "no guarantee"}
    )
    assert answer.status_code == 200, answer.text
    page.click("#release-holds button[type=submit]")
    expect(page.locator(".problem")).to_contain_text(f"order {third['id']} is rejected")
    assert flows.order(third["id"])["state"] == "rejected"

    zh = visit("finance", locale="zh").page
    zh.goto("/web/orders/credit-holds")
    expect(zh.locator("h1")).to_have_text("信用冻结中的订单")
    expect(zh.locator("#release-holds th").first).to_have_text("解除")
    # The refusal is answered 409, which the browser logs; nothing else went wrong.
    assert all("409 (Conflict)" in error for error in finance.errors), finance.errors
