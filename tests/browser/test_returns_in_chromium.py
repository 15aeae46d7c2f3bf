"""A return from request to credit in Chromium (R24 b, R25): sales asks for it from the order's
page, HQ approves it with the approval report, logistics posts the return receipt with its scan,
finance chooses the customer's blue invoice and records it; the page shows Credited and the
printout opens. No console errors on the way.

The test makes its own customer (a world of its own): the customer's accepted credit methods
are changed, and the shared site's master data stays as the other tests expect it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from playwright.sync_api import FilePayload, expect

from tests import returns_flows as rf
from tests.browser.conftest import SCREENSHOTS, Visit
from tests.flows import Flows
from tests.support import png_bytes, unique, unique_fapiao

Open = Callable[..., Visit]


def _file(name: str) -> FilePayload:
    return FilePayload(name=name, mimeType="image/png", buffer=png_bytes(unique(name)))


def _request(tab: Visit, order_id: int, invoice_id: int) -> str:
    """Sales, from the order's page to the request form: 3 of line 1 back as defective."""
    page = tab.page
    page.goto(f"/web/orders/{order_id}")
    page.click(f"#returns a[href='/web/returns/new?invoice={invoice_id}']")
    form = page.locator("#return-form")
    expect(form.locator("input[name='lines[0].quantity']")).to_have_value("0")
    form.locator("select[name=reason]").select_option("defective")
    form.locator("input[name='lines[0].quantity']").fill("3")
    form.locator("textarea[name=note]").fill("faulty batch")
    form.locator("button[type=submit]").click()
    expect(page.locator(".notice").first).to_have_text("The return is requested.")
    expect(page.locator("h1 .state")).to_have_text("Requested")
    return page.url.split("?")[0].removeprefix(tab.site.url)


def _approve(tab: Visit, path: str) -> None:
    """HQ approves with the approval report (R25)."""
    page = tab.page
    page.goto(path)
    approve = page.locator("#approve-form")
    approve.locator("input[name=file]").set_input_files(_file("批复报告.png"))
    approve.locator("textarea[name=note]").fill("agreed with the buyer")
    approve.locator("button[type=submit]").click()
    expect(page.locator("h1 .state")).to_have_text("Approved")
    expect(page.locator("#documents")).to_contain_text("批复报告.png")


def _receive(tab: Visit, path: str, receipt_no: str, day: str) -> None:
    """Logistics posts the return receipt: 2 of the 3 came back, with the scan."""
    page = tab.page
    page.goto(path)
    receipt = page.locator("#receipt-form")
    receipt.locator("input[name=receipt_no]").fill(receipt_no)
    receipt.locator("input[name=received_on]").fill(day)
    receipt.locator("input[name='lines[0].received_qty']").fill("2")
    receipt.locator("input[name=file]").set_input_files(_file("退货入库单.png"))
    receipt.locator("button[type=submit]").click()
    expect(page.locator("h1 .state")).to_have_text("Goods received back")
    expect(page.locator("#proposal")).to_contain_text("return_credit")


def _credit(tab: Visit, path: str, number: str) -> None:
    """Finance chooses the customer's blue invoice back, with a reason, and records it."""
    page = tab.page
    page.goto(path)
    method = page.locator("#method-form")
    expect(method.locator("select[name=method]")).to_have_value("red_letter")  # proposed
    method.locator("select[name=method]").select_option("customer_blue_invoice")
    method.locator("textarea[name=reason]").fill("the buyer already took the input VAT")
    method.locator("button[type=submit]").click()
    expect(page.locator("h1 .state")).to_have_text("Credit method chosen")
    blue = page.locator("#blue-invoice-form")
    expect(blue.locator("input[name=total]")).to_have_value("2001.00")
    blue.locator("input[name=invoice_number]").fill(number)
    blue.locator("button[type=submit]").click()
    expect(page.locator("h1 .state")).to_have_text("Credited")
    expect(page.locator("#credit")).to_contain_text(number)


def test_r24_b_a_return_from_request_to_the_customers_blue_invoice_in_chromium(
    visit: Open, own: Flows
) -> None:
    rf.accepting(own.backend, own.world.customer, "red_letter", "customer_blue_invoice")
    order, invoice = rf.invoiced(own)
    tabs = [visit(role) for role in ("sales", "hq", "logistics", "finance")]
    sales, hq, logistics, finance = tabs
    path = _request(sales, order["id"], invoice["id"])
    _approve(hq, path)
    receipt_no = unique("THRK")
    _receive(logistics, path, receipt_no, str(own.today - timedelta(days=1)))
    number = unique_fapiao()
    _credit(finance, path, number)
    page = finance.page
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "return-credited.png"), full_page=True)

    # The printout opens with every document number.
    page.click(f"a[href='{path}/print']")
    printout = page.locator("main.document")
    expect(printout).to_contain_text(receipt_no)
    expect(printout).to_contain_text(number)
    expect(printout).to_contain_text(invoice["invoice_no"])
    expect(printout).to_contain_text("2,001.00")

    api = own.finance.get(f"/returns/{path.rsplit('/', 1)[1]}").json()
    assert (api["state"], api["credit_method"]) == ("credited", "customer_blue_invoice")
    assert [e for tab in tabs for e in tab.errors] == []
