"""People doing their main tasks in Chromium, in English and Chinese (issue: pages for people).

Each test logs in through the form as the role that does the task and clicks through the pages
as a person would; the API confirms what was booked.
"""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import expect

from tests.browser.conftest import Site, Visit, log_in
from tests.flows import Flows
from tests.test_credit import held_order

Open = Callable[..., Visit]


def test_a_wrong_password_is_refused_and_the_name_kept(visit: Open, site: Site) -> None:
    for locale, words in (("en", "wrong user name or password"), ("zh", "用户名或密码错误")):
        tab = visit("finance", locale=locale)
        tab.page.context.clear_cookies()
        tab.page.goto("/login")
        log_in(tab.page, site.people["finance"], "not the password at all")
        expect(tab.page.locator(".problem")).to_contain_text(words)
        expect(tab.page.locator("input[name=username]")).to_have_value(site.people["finance"])
        assert tab.page.url.endswith("/login")


def test_r1_hq_approves_an_order(visit: Open, flows: Flows) -> None:
    order = flows.create_order()
    tab = visit("hq")
    tab.page.goto("/web/orders")
    tab.page.fill("input[name=q]", flows.order(order["id"])["customer_po_no"])
    tab.page.click("form[role=search] button")
    tab.page.click(f"a[href='/web/orders/{order['id']}']")
    expect(tab.page.locator("h1 .state")).to_have_text("Draft")
    expect(tab.page.locator(".diagram svg [data-state=draft]")).to_have_count(1)
    tab.page.click(f"form[action='/web/orders/{order['id']}/approve'] button")
    expect(tab.page.locator(".notice")).to_have_text("The order is approved.")
    expect(tab.page.locator("h1 .state")).to_have_text("Approved")
    assert flows.order(order["id"])["state"] == "approved"
    assert tab.errors == []


def test_r30_finance_releases_a_credit_hold(visit: Open, flows: Flows) -> None:
    order = held_order(flows)
    tab = visit("finance", locale="zh")
    tab.page.goto(f"/web/orders/{order['id']}")
    expect(tab.page.locator("h1 .state")).to_have_text("信用冻结")
    release = tab.page.locator(f"form[action='/web/orders/{order['id']}/release_credit']")
    release.locator("textarea[name=reason]").fill("客户已预付")
    release.locator("button").click()
    expect(tab.page.locator(".notice")).to_contain_text("信用冻结已解除")
    assert flows.order(order["id"])["state"] == "approved"
    assert tab.errors == []


def test_a_form_error_is_shown_next_to_the_field_in_english_and_chinese(
    visit: Open, flows: Flows
) -> None:
    order = held_order(flows)
    for locale, words in (("en", "is required"), ("zh", "必填")):
        tab = visit("finance", locale=locale)
        tab.page.goto(f"/web/orders/{order['id']}")
        reject = tab.page.locator(f"form[action='/web/orders/{order['id']}/reject_credit']")
        reject.locator("textarea[name=reason]").fill("   ")  # the browser sends it; we refuse
        reject.locator("button").click()
        expect(tab.page.locator(".field-error").first).to_have_text(words)
        expect(tab.page.locator("textarea[aria-invalid=true]").first).to_be_visible()
    assert flows.order(order["id"])["state"] == "on_credit_hold"
