"""HQ keeps a contract's price list in Chromium (R27): finds the customer, opens its contract,
changes a price, and sees the new price and who changed it; the API confirms it."""

from __future__ import annotations

from collections.abc import Callable

import httpx
from playwright.sync_api import expect

from tests.browser.conftest import Site, Visit

Open = Callable[..., Visit]


def test_r27_hq_changes_a_contract_price_and_sees_it(visit: Open, site: Site) -> None:
    world = site.world
    item = world.items[1]
    tab = visit("hq")
    page = tab.page
    page.goto("/web")
    page.click("nav a[href='/web/customers']")
    page.fill("input[name=q]", world.customer)
    page.click("form[role=search] button")
    page.click(f"a[href='/web/customers/{world.customer}']")
    page.click(f"#contracts a[href='/web/contracts/{world.contract}']")
    expect(page.locator("h1 .state")).to_have_text("In force by its dates")
    page.click(f"a[href='/web/contracts/{world.contract}/edit']")

    line = page.locator("#price-lines tbody tr").filter(has=page.locator(f"input[value='{item}']"))
    line.locator("input[name$='.unit_price']").fill("2345.60")
    page.click("#contract-form button[type=submit]")

    expect(page.locator(".notice")).to_have_text("The contract is changed.")
    expect(page.locator(f"#prices tr[data-item='{item}'] td.num")).to_have_text("2,345.60")
    change = page.locator("#changes tbody tr").filter(has_text=f"Price of {item}")
    expect(change).to_contain_text(site.people["hq"])
    expect(change).to_contain_text("2345.60")
    with httpx.Client(base_url=site.url) as client:
        answer = client.get(
            f"/contracts/{world.contract}",
            headers={"Authorization": f"Bearer {site.backend.tokens['sales']}"},
        )
    prices = {p["item_code"]: p["unit_price"] for p in answer.json()["prices"]}
    assert prices[item] == "2345.60"
    assert tab.errors == []
