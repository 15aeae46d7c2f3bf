"""A confirmed statement through the settlement gate in Chromium (R23, R28): finance opens the
statement's settlement check from its page, reads in words why it cannot be settled yet (nobody
holds a power of attorney to collect), follows the link to the customer, and once HQ recorded
one, checks again and settles the statement: its invoices, their orders and the statement become
settled. No console errors on the way.

The test makes its own customer (a world of its own), so the statement is its own.
"""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import expect

from tests import settlement_flows as st
from tests.browser.conftest import SCREENSHOTS, Visit
from tests.flows import Flows

Open = Callable[..., Visit]


def test_r23_finance_checks_a_confirmed_statement_and_settles_it(visit: Open, own: Flows) -> None:
    statement_no, invoices = st.confirmed(own, 2)
    finance = visit("finance")
    page = finance.page

    # From the statement's page to its settlement check: blocked, and why, in words.
    page.goto(f"/web/statements/{statement_no}")
    expect(page.locator("#settlement")).to_contain_text("2 invoice(s): 0 settled, 2 blocked today")
    page.click(f"#settlement a[href='/web/statements/{statement_no}/settlement']")
    expect(page.locator("#settleable")).to_have_text("Not yet: the conditions below block it")
    blocker = page.locator("#common-blockers li[data-code='settlement.no_attorney']")
    expect(blocker).to_contain_text(f"nobody may collect at customer {own.world.customer}")
    expect(page.locator("#settle")).to_contain_text("Settling waits until nothing blocks.")
    for invoice in invoices:
        expect(page.locator(f"#invoice-{invoice['id']}")).to_contain_text(invoice["invoice_no"])
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "settlement-blocked.png"), full_page=True)
    blocker.locator(f"a[href='/web/customers/{own.world.customer}']").click()
    expect(page.locator("#attorneys")).to_be_visible()

    # HQ records a power of attorney to collect; finance checks again and settles.
    holder = st.attorney(own)
    page.goto(f"/web/statements/{statement_no}/settlement")
    page.locator("#check-form select[name=attorney]").select_option(str(holder["id"]))
    page.click("#check-form button[type=submit]")
    expect(page.locator("#settleable")).to_have_text("May be settled")
    form = page.locator("#settle-form")
    expect(form.locator("select[name=attorney_id]")).to_have_value(str(holder["id"]))
    form.locator("textarea[name=note]").fill("collected by the account manager")
    form.locator("button[type=submit]").click()
    expect(page.locator(".notice").first).to_have_text(
        "Settled: every invoice of the statement passed the settlement gate."
    )
    expect(page.locator("h1 .state")).to_have_text("Settled")
    expect(page.locator("#settlements")).to_contain_text(holder["attorney_name"])
    expect(page.locator("#settlements")).to_contain_text("collected by the account manager")
    page.screenshot(path=str(SCREENSHOTS / "settlement-settled.png"), full_page=True)

    # Each invoice's page says it is settled; so does the API, for its order too.
    page.click(f"#invoice-{invoices[0]['id']} a")
    expect(page.locator("#settlement")).to_contain_text("Settled by JS")
    for invoice in invoices:
        assert st.ok(own.sales.get(f"/invoices/{invoice['id']}"))["state"] == "settled"
        assert st.ok(own.sales.get(f"/orders/{invoice['order_id']}"))["state"] == "settled"
    assert finance.errors == []
