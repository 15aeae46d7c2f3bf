"""A shortage re-delivered in Chromium (R8): logistics posted a receipt with 2 pieces short,
opens its open shortages from the menu, re-delivers, posts the follow-up delivery's signed receipt
with its scan, and the page shows Re-delivered (已补发 in Chinese); the invoice then made for the
order carries the re-delivered pieces (checked through the API). No console errors on the way.

The test makes its own customer (a world of its own), so its list holds only its own exception;
the shared site's master data stays as the other tests expect it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from playwright.sync_api import FilePayload, expect

from tests.browser.conftest import SCREENSHOTS, Visit
from tests.flows import Flows
from tests.support import png_bytes, unique
from tests.test_receipt_exceptions import shortage

Open = Callable[..., Visit]


def _file(name: str) -> FilePayload:
    return FilePayload(name=name, mimeType="image/png", buffer=png_bytes(unique(name)))


def test_r8_a_shortage_re_delivered_in_chromium(visit: Open, own: Flows) -> None:
    order, exc = shortage(own, 8)  # 2 of item 0 short: the rules propose re-delivery
    assert (exc["proposed_path"], exc["owner_role"]) == ("redeliver", "logistics")
    tab = visit("logistics")
    page = tab.page
    page.goto("/web")
    # "My open shortages": the menu's list, logistics' own open ones, found by the customer.
    page.click("nav a[href='/web/receipt-exceptions']")
    expect(page.locator("h1")).to_have_text("My open shortages and substitutions")
    filters = page.locator("#filters")
    filters.locator("input[name=customer]").fill(own.world.customer)
    filters.locator("button[type=submit]").click()
    rows = page.locator("#receipt-exceptions tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Re-deliver the missing quantity")
    rows.first.locator(f"a[href='/web/receipt-exceptions/{exc['id']}']").click()
    expect(page.locator("h1 .state")).to_have_text("Open")
    expect(page.locator("#proposal")).to_contain_text("shortage-redelivered")

    # Re-deliver (the proposed path: no reason needed).
    page.locator("#redeliver-form button[type=submit]").click()
    expect(page.locator(".notice").first).to_have_text("The shortage is to be re-delivered.")
    expect(page.locator("h1 .state")).to_have_text("To be re-delivered")

    # The follow-up delivery's signed receipt with its scan.
    follow_up = unique("RKB")
    form = page.locator("#redelivery-form")
    expect(form.locator("input[name=quantity]")).to_have_value("2")
    form.locator("input[name=shipped_on]").fill(str(own.today - timedelta(days=1)))
    form.locator("input[name=waybill_no]").fill(unique("SF"))
    form.locator("input[name=receipt_no]").fill(follow_up)
    form.locator("input[name=receipt_date]").fill(str(own.today))
    form.locator("input[name=file]").set_input_files(_file("补发签收单.png"))
    form.locator("button[type=submit]").click()
    expect(page.locator("h1 .state")).to_have_text("Re-delivered")
    outcome = page.locator("#outcome")
    expect(outcome).to_contain_text(follow_up)
    expect(outcome.locator("a[href^='/web/attachments/']")).to_have_text("补发签收单.png")
    expect(outcome).to_contain_text("Not invoiced yet")
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "receipt-exception-redelivered.png"), full_page=True)

    # In Chinese, the same page says 已补发.
    zh = visit("logistics", locale="zh")
    zh.page.goto(f"/web/receipt-exceptions/{exc['id']}")
    expect(zh.page.locator("h1 .state")).to_have_text("已补发")

    # The invoice made for the order carries the re-delivered pieces, once.
    invoice = own.invoice(order["id"])
    lines = [(ln["source"], ln["item_code"], ln["quantity"]) for ln in invoice["lines"]]
    assert lines == [
        ("goods", own.world.items[0], 8),
        ("goods", own.world.items[1], 5),
        ("carry_forward", own.world.items[0], 2),
    ]
    api = own.finance.get(f"/receipt-exceptions/{exc['id']}").json()
    assert (api["state"], api["redelivered_qty"]) == ("redelivered", 2)
    assert api["redelivery_invoice_no"] == invoice["invoice_no"]
    page.reload()
    expect(outcome.locator(f"a[href='/web/invoices/{invoice['id']}']")).to_have_text(
        invoice["invoice_no"]
    )
    assert [e for t in (tab, zh) for e in t.errors] == []
