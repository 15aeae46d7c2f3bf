"""Recording and allocating a payment in Chromium (R23's money side): finance opens the record
form from the menu, asks for the allocation of the amount received (oldest due first), changes
it as the customer's remittance says, records it, sees what it applied on the payment's page and
the customer's unapplied credit, and applies that credit to the open invoice. No console errors
on the way.

The test makes its own customer (a world of its own), so that the allocation shows its invoices
only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import expect

from service.clock import business_date
from tests import payments_flows as pf
from tests.browser.conftest import SCREENSHOTS, Site, Visit
from tests.flows import Flows
from tests.support import make_world, unique

Open = Callable[..., Visit]


@pytest.fixture
def own(site: Site) -> Iterator[Flows]:
    world = make_world(site.backend.db, today=business_date(site.backend.settings.tz))
    with Flows(site.backend, world) as made:
        yield made


def test_r23_finance_records_a_payment_edits_its_allocation_and_applies_the_credit(
    visit: Open, own: Flows
) -> None:
    older = pf.invoice(own, [(0, 1)])  # 1000.50
    newer = pf.invoice(own, [(1, 1)])  # 1111.50
    finance = visit("finance")
    page = finance.page

    page.goto("/web")
    page.click("nav a[href='/web/payments']")
    page.click("#record-link")
    preview = page.locator("#preview-form")
    preview.locator("input[name=customer]").fill(own.world.customer)
    preview.locator("input[name=amount]").fill("1500")
    preview.locator("button[type=submit]").click()

    # Oldest due first: the older invoice in full, 499.50 on the newer one.
    older_row = page.locator(f"#row-{older['invoice_no']}")
    newer_row = page.locator(f"#row-{newer['invoice_no']}")
    expect(older_row.locator("input[name='alloc[0].amount']")).to_have_value("1000.50")
    expect(newer_row.locator("input[name='alloc[1].amount']")).to_have_value("499.50")
    expect(page.locator("#left")).to_have_text("0.00")

    # The remittance says: 1111.50 on the newer invoice, the rest on the older.
    form = page.locator("#record-form")
    newer_row.locator("input[name='alloc[1].amount']").fill("1111.50")
    older_row.locator("input[name='alloc[0].amount']").fill("388.50")
    form.locator("input[name=payer]").fill("北京家电商场有限公司")
    form.locator("input[name=bank_reference]").fill(unique("cmb "))
    form.locator("button[type=submit]").click()
    expect(page.locator(".notice").first).to_have_text("Payment recorded")
    expect(page.locator("h1 .state")).to_have_text("Recorded")
    expect(page.locator("#allocated")).to_have_text("1,500.00")
    table = page.locator("table.allocations")
    expect(table).to_contain_text(newer["invoice_no"])
    expect(table).to_contain_text("1,111.50")
    expect(table).to_contain_text("388.50")
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "payment-recorded.png"), full_page=True)
    assert pf.read(own, newer["id"])["state"] == "paid"
    assert pf.read(own, older["id"])["outstanding"] == "612.00"

    # An overpayment left as credit, applied from the customer's credit page.
    pf.paid(own, "700.00")
    page.goto(f"/web/customers/{own.world.customer}/credit")
    expect(page.locator("#unapplied")).to_have_text("88.00")
    expect(page.locator("#outstanding")).to_have_text("0.00")
    third = pf.invoice(own, [(2, 1)])  # 1222.50
    page.reload()
    page.locator("#apply-form button[type=submit]").click()
    expect(page.locator(".notice").first).to_have_text("Credit applied")
    expect(page.locator("#unapplied")).to_have_text("0.00")
    expect(page.locator("#outstanding")).to_have_text("1,134.50")
    assert pf.read(own, third["id"])["state"] == "partly_paid"
    assert finance.errors == []
