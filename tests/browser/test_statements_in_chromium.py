"""A reconciliation statement from the scheduler's draft to the customer's confirmation in
Chromium (R20, R22): finance opens the statement the scheduler drafted from the list, sends it,
records the customer's confirmation with the signed copy's scan, sees it confirmed by both sides
and prints it on A4 with both parties' confirmation blocks. No console errors on the way.

The test makes its own customer (a world of its own), so that the list shows its statement only.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from playwright.sync_api import FilePayload, expect

from tests import statements_flows as sf
from tests.browser.conftest import SCREENSHOTS, Visit
from tests.flows import Flows
from tests.support import png_bytes, unique

Open = Callable[..., Visit]


def _file(name: str) -> FilePayload:
    return FilePayload(name=name, mimeType="image/png", buffer=png_bytes(unique(name)))


def test_r22_finance_sends_a_drafted_statement_records_its_confirmation_and_prints_it(
    visit: Open, own: Flows
) -> None:
    sf.invoice_due(own, date(2026, 12, 16))
    sf.run(own.backend, date(2026, 12, 11))
    [drafted] = sf.statements(own)
    no = drafted["statement_no"]
    finance = visit("finance")
    page = finance.page

    # From the menu to the list, filtered by the customer, to the statement.
    page.goto("/web")
    page.click("nav a[href='/web/statements']")
    page.fill("form[role=search] input[name=customer]", own.world.customer)
    page.click("form[role=search] button[type=submit]")
    row = page.locator("#statements tbody tr", has_text=no)
    expect(row).to_contain_text("Draft")
    expect(row).to_contain_text("15,562.50")
    row.locator(f"a[href='/web/statements/{no}']").click()
    expect(page.locator("h1 .state")).to_have_text("Draft")
    expect(page.locator("#amount-due")).to_have_text("15,562.50")
    expect(page.locator("#timing")).to_contain_text("working days ahead")

    # Send it.
    send = page.locator("#send-form")
    send.locator("input[name=to]").fill("Ms Wang, accounts payable")
    send.locator("select[name=channel]").select_option("email")
    send.locator("button[type=submit]").click()
    expect(page.locator(".notice").first).to_have_text("The statement is sent.")
    expect(page.locator("h1 .state")).to_have_text("Sent")
    expect(page.locator("#sent")).to_contain_text("Ms Wang, accounts payable")

    # The customer's confirmation with the signed copy.
    confirm = page.locator("#confirm-form")
    confirm.locator("input[name=customer_signatory]").fill("Ms Wang")
    confirm.locator("input[name=customer_reference]").fill("DZQR-2026-12")
    confirm.locator("input[name=file]").set_input_files(_file("对账单盖章件.png"))
    confirm.locator("button[type=submit]").click()
    expect(page.locator(".notice").first).to_have_text("The statement is confirmed by both sides.")
    expect(page.locator("h1 .state")).to_have_text("Confirmed by both sides")
    expect(page.locator("#confirmed")).to_contain_text("对账单盖章件.png")
    expect(page.locator("#confirmed")).to_contain_text("DZQR-2026-12")
    expect(page.locator("#next")).to_have_count(0)
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "statement-confirmed.png"), full_page=True)

    # The printout: A4, the totals and both parties' confirmation blocks.
    page.click(f"a[href='/web/statements/{no}/print']")
    printout = page.locator("main.document")
    expect(printout).to_contain_text("Reconciliation statement (对账单)")
    expect(printout).to_contain_text(no)
    expect(printout.locator("#amount-due")).to_have_text("15,562.50")
    expect(printout.locator("#our-confirmation")).to_contain_text("Signature / seal (签字/盖章)")
    expect(printout.locator("#customer-confirmation")).to_contain_text("Ms Wang")
    page.emulate_media(media="print")
    expect(page.locator(".screen-bar")).to_be_hidden()
    page.screenshot(path=str(SCREENSHOTS / "statement-print.png"), full_page=True)

    api = sf.statement(own, no)
    assert (api["state"], api["customer_reference"]) == ("confirmed", "DZQR-2026-12")
    assert finance.errors == []
