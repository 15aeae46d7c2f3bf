"""A collector's day in Chromium (R30): the scheduler raised a collection task for a customer
past due; the account manager opens the board from the menu, takes the task, logs a call,
records a promise to pay, opens the customer's collection page (ageing chart, contacts,
promises) and prints the collection letter (催款函). No console errors on the way.

The test makes its own customer (a world of its own), so that the board shows its task only.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from playwright.sync_api import expect

from tests import collection_flows as cf
from tests.browser.conftest import SCREENSHOTS, Visit
from tests.flows import Flows

Open = Callable[..., Visit]


def test_r30_a_collectors_day_board_contact_promise_and_letter(visit: Open, own: Flows) -> None:
    today = own.today
    made = cf.invoice(own, due=today - timedelta(days=10))
    cf.run(own.backend, today)
    sales = visit("sales")
    page = sales.page

    page.goto("/web")
    page.click("nav a[href='/web/collection']")
    page.locator("input[name=customer]").fill(own.world.customer)
    page.locator("form[role=search] button[type=submit]").click()
    rows = page.locator("#tasks tbody tr[id^=task-]")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Past due (超账期)")
    rows.first.locator("a").first.click()

    page.locator("#take-form button").click()
    expect(page.locator("h1 .state")).to_have_text("In progress")
    contact = page.locator("#contact-form")
    contact.locator("select[name=channel]").select_option("call")
    contact.locator("textarea[name=notes]").fill("called their finance: pays on Friday")
    contact.locator("button[type=submit]").click()
    expect(page.locator("#contacts")).to_contain_text("called their finance")

    promise = page.locator("#promise-form")
    promise.locator("input[name=amount]").fill("15562.50")
    promise.locator("input[name=due_on]").fill(str(today + timedelta(days=4)))
    promise.locator("button[type=submit]").click()
    expect(page.locator("h1 .state")).to_have_text("Promised")
    expect(page.locator("#promises")).to_contain_text("15,562.50")

    page.locator(f"a[href='/web/collection/customers/{own.world.customer}']").first.click()
    expect(page.locator("svg.ageing-chart")).to_be_visible()
    expect(page.locator("#open-items")).to_contain_text(made["invoice_no"])
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "collection-customer.png"), full_page=True)
    page.click("#letter-link")
    expect(page.locator("h1")).to_have_text("Collection letter")
    expect(page.locator("#open-items")).to_contain_text(made["invoice_no"])
    page.screenshot(path=str(SCREENSHOTS / "collection-letter.png"), full_page=True)
    assert sales.errors == []
