"""R24 (a) in Chromium: finance records the buyer's use confirmation of a blue invoice, makes a
red-letter form for part of it, submits it, records the buyer's confirmation, issues the red
invoice and prints the form; the API confirms what was booked."""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import expect

from tests.browser.conftest import SCREENSHOTS, Visit
from tests.flows import Flows
from tests.support import unique, unique_fapiao
from tests.test_red_letter import blue_invoice

Open = Callable[..., Visit]


def test_r24a_finance_credits_part_of_a_blue_invoice_by_red_letter_form_in_chromium(
    visit: Open, flows: Flows
) -> None:
    blue = blue_invoice(flows)
    tab = visit("finance")
    page = tab.page
    page.goto(f"/web/invoices/{blue['id']}")
    section = page.locator("#red-letter")
    section.locator("input[name=confirmed_on]").fill(str(flows.today))
    section.locator("form[action$='/use-confirmation'] button").click()
    expect(page.locator("p.notice")).to_have_text("The buyer's use confirmation is recorded.")
    page.locator("#red-letter a[href^='/web/red-letter-forms/new']").click()
    page.locator("select[name=reason]").select_option("sales_return")
    page.locator("input[name='lines[0].quantity']").fill("2")
    page.locator("form[action='/web/red-letter-forms'] button[type=submit]").click()
    expect(page.locator("p.notice")).to_have_text("The red-letter form is entered.")
    expect(page.locator("h1 .state")).to_have_text("Entered")
    form_url = page.url.split("?", 1)[0]
    # The buyer confirmed use: the form goes to the buyer, who confirms within 72 hours.
    expect(page.locator("form[action$='/skip-confirmation']")).to_have_count(0)
    submit = page.locator("form[action$='/submit']")
    submit.locator("input[name=platform_no]").fill(unique("PT").replace("-", "")[:32])
    submit.locator("button").click()
    expect(page.locator("h1 .state")).to_have_text("Seller entered, awaiting the buyer")
    expect(page.locator(".clock")).to_contain_text("h left")
    page.locator("form[action$='/confirm'] button").click()
    expect(page.locator("h1 .state")).to_have_text("Confirmed by both sides")
    issue = page.locator("form[action$='/red-invoice']")
    fapiao = unique_fapiao()
    issue.locator("input[name=fapiao_no]").fill(fapiao)
    issue.locator("button").click()
    expect(page.locator("p.notice")).to_have_text(
        "The red invoice is recorded and the credit booked."
    )
    expect(page.locator("h1")).to_contain_text("Red")
    expect(page.locator("main")).to_contain_text(fapiao)
    red_id = int(page.url.split("?", 1)[0].rsplit("/", 1)[1])
    red = flows.finance.get(f"/invoices/{red_id}").json()
    assert (red["kind"], red["state"], red["original_id"]) == ("red", "issued", blue["id"])
    assert red["lines"][0]["quantity"] == -2
    page.goto(form_url)
    expect(page.locator("h1 .state")).to_have_text("Red invoice issued")
    page.locator("a[href$='/print']").click()
    expect(page.locator("h1")).to_have_text("Red-letter invoice information confirmation form")
    expect(page.locator("main")).to_contain_text("2 销货退回 (Sales return)")
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "red-letter-form-print-finance-en.png"), full_page=True)
    assert tab.errors == []
