"""HQ keeps a contract's price list in Chromium (R27): finds the customer, opens its contract,
changes a price, and sees the new price and who changed it; the API confirms it."""

from __future__ import annotations

from collections.abc import Callable

import httpx
from playwright.sync_api import expect

from tests.browser.conftest import Site, Visit

Open = Callable[..., Visit]


def test_r27_hq_changes_a_contract_price_and_sees_it(visit: Open, site: Site) -> None:
    try:
        _change_a_price_in_the_browser(visit, site)
    finally:
        _put_the_price_back(site)  # the other browser tests order at the world's prices


def _put_the_price_back(site: Site) -> None:
    world = site.world
    item = world.items[1]
    with httpx.Client(base_url=site.url) as client:
        headers = {"Authorization": f"Bearer {site.backend.tokens['hq']}"}
        read = client.get(f"/contracts/{world.contract}", headers=headers)
        contract = read.json()
        prices = [
            {"item_code": p["item_code"], "unit_price": p["unit_price"]} for p in contract["prices"]
        ]
        for price in prices:
            if price["item_code"] == item:
                price["unit_price"] = str(world.prices[item])
        body = {k: contract[k] for k in ("valid_from", "valid_to", "discount_rate", "rebate_terms")}
        back = client.put(
            f"/contracts/{world.contract}",
            json={**body, "prices": prices},
            headers={**headers, "If-Match": read.headers["ETag"]},
        )
        assert back.status_code == 200, back.text


def _change_a_price_in_the_browser(visit: Open, site: Site) -> None:
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
