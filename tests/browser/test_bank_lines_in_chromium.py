"""Importing a bank statement and matching a waiting line in Chromium (R23's money side):
finance opens the queue from the menu, uploads the bank's CSV file, previews it (nothing is
stored), imports it, sees one line booked and one waiting, opens the waiting line and matches it
to the customer's invoice on its page. No console errors on the way.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

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


def test_r23_finance_imports_a_bank_statement_and_matches_the_waiting_line_on_its_page(
    visit: Open, own: Flows, tmp_path: Path
) -> None:
    paid = pf.invoice(own, [(0, 1)])  # 1000.50
    open_one = pf.invoice(own, [(1, 1)])  # 1111.50
    booked, waiting = unique("ICBC").upper(), unique("ICBC").upper()
    statement = tmp_path / "流水.csv"
    statement.write_bytes(
        (
            "交易日期,贷方金额,对方户名,流水号,附言\r\n"
            f'{own.today},"1,000.50",北京家电商场,{booked},货款 {paid["invoice_no"]}\r\n'
            f"{own.today},500.00,customer {own.world.customer},{waiting},十二月货款\r\n"
        ).encode("gbk")
    )
    finance = visit("finance")
    page = finance.page

    page.goto("/web")
    page.click("nav a[href='/web/bank-lines']")
    page.click("#import-link")
    page.set_input_files("#import-form input[name=file]", str(statement))
    page.click("#preview")
    expect(page.locator("#dry-run-note")).to_be_visible()
    expect(page.locator("#booked")).to_have_text("1")
    expect(page.locator("#waiting")).to_have_text("1")
    assert pf.read(own, paid["id"])["state"] == "issued"

    page.set_input_files("#import-form input[name=file]", str(statement))
    page.click("#import")
    expect(page.locator("#report h2")).to_contain_text("imported")
    expect(page.locator("#line-2")).to_contain_text("Matched, payment booked")
    expect(page.locator("#line-3")).to_contain_text("Waiting")
    assert pf.read(own, paid["id"])["state"] == "paid"

    page.locator("#line-3 a").first.click()
    expect(page.locator("#state")).to_have_text("Waiting")
    expect(page.locator("#why")).to_contain_text("names no invoice or statement")
    row = page.locator(f"#invoice-{open_one['invoice_no']}")
    row.locator("input[name$='.amount']").fill("500.00")
    page.click("#match-button")
    expect(page.locator(".notice").first).to_have_text(
        "The payment was booked and the line matched."
    )
    expect(page.locator("#state")).to_have_text("Matched")
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "bank-line-matched.png"), full_page=True)
    page.click("#payment")
    expect(page.locator("#amount")).to_have_text("500.00")
    invoice = pf.read(own, open_one["id"])
    assert (invoice["state"], invoice["outstanding"]) == ("partly_paid", "611.50")
    assert finance.errors == []
