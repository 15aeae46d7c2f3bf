"""A customer's receivables in Chromium (R30): finance goes from the menu to the ageing, finds
the customer, opens its receivables page with the ageing drawn as bars (inline SVG, nothing from
the internet), sees its open invoices and prints its statement of account with both parties'
blocks; the same page in Chinese. No console errors on the way.

Each test makes its own customer (the `own` fixture), so that the list shows its row only.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal

from playwright.sync_api import expect

from tests import receivables_flows as rf
from tests.browser.conftest import SCREENSHOTS, Visit
from tests.flows import Flows

Open = Callable[..., Visit]


def _money(amount: Decimal) -> str:
    return f"{amount:,.2f}"


def test_r30_finance_reads_a_customers_ageing_chart_and_prints_its_statement_of_account(
    visit: Open, own: Flows
) -> None:
    today = own.today
    late, due = rf.dated_invoices(
        own, {"due": today - timedelta(days=40)}, {"due": today + timedelta(days=20)}
    )
    code = own.world.customer
    total = Decimal(late["total"]) + Decimal(due["total"])
    finance = visit("finance")
    page = finance.page

    # From the menu to the ageing, filtered by the customer, to its receivables.
    page.goto("/web")
    page.click("nav a[href='/web/receivables']")
    expect(page.locator("h1")).to_have_text("Receivables ageing")
    page.fill("#filters input[name=customer]", code)
    page.click("#filters button[type=submit]")
    row = page.locator(f"#ageing tr[data-customer='{code}']")
    expect(row.locator("td.total")).to_have_text(_money(total))
    expect(row.locator("td.overdue")).to_have_text(_money(Decimal(late["total"])))
    expect(page.locator("#totals")).to_contain_text(_money(total))
    row.locator("a").first.click()

    # The chart: one bar per bucket, the two amounts drawn, the largest the full width.
    expect(page.locator("h1")).to_contain_text(f"Receivables of {code}")
    chart = page.locator("svg.ageing-chart")
    expect(chart).to_be_visible()
    bars = chart.locator("g.bar")
    expect(bars).to_have_count(7)
    expect(bars.nth(0)).to_contain_text("not due")
    expect(bars.nth(0)).to_contain_text(_money(Decimal(due["total"])))
    expect(bars.nth(2)).to_contain_text("31–60 days")
    expect(bars.nth(2)).to_contain_text(_money(Decimal(late["total"])))
    widths = [float(bars.nth(i).locator("rect").get_attribute("width") or 0) for i in range(7)]
    assert max(widths) == 360.0 and sorted(widths)[:5] == [0.0] * 5
    box = chart.bounding_box()
    assert box is not None and box["width"] > 300
    expect(page.locator("#open-invoices tbody tr")).to_have_count(2)
    expect(page.locator(f"#open-invoices tr[data-invoice='{late['invoice_no']}']")).to_contain_text(
        "31–60 days"
    )
    expect(page.locator("#outstanding")).to_have_text(_money(total))
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "receivables-customer-en.png"), full_page=True)

    # The statement of account, printed: opening, the two invoices, closing, both parties.
    form = page.locator("#account-form")
    form.locator("input[name=start]").fill(str(today))
    form.locator("input[name=end]").fill(str(today))
    form.locator("button[type=submit]").click()
    printout = page.locator("main.document")
    expect(printout).to_contain_text("Statement of account (往来账单)")
    expect(printout.locator("#opening")).to_have_text("0.00")
    expect(printout.locator("#closing")).to_have_text(_money(total))
    expect(printout.locator("#movements tbody tr")).to_have_count(3)  # the opening line and two
    expect(printout.locator("#customer-confirmation")).to_contain_text(
        "Signature / seal (签字/盖章)"
    )
    page.emulate_media(media="print")
    expect(page.locator(".screen-bar")).to_be_hidden()
    page.screenshot(path=str(SCREENSHOTS / "receivables-account-print.png"), full_page=True)
    assert finance.errors == []


def test_r30_the_customers_ageing_chart_in_chinese(visit: Open, own: Flows) -> None:
    rf.dated_invoices(own, {"due": own.today + timedelta(days=20)}, {"due": None})
    chinese = visit("sales", locale="zh")
    chinese.page.goto(f"/web/customers/{own.world.customer}/receivables")
    bars = chinese.page.locator("svg.ageing-chart g.bar")
    expect(bars.nth(0)).to_contain_text("未到期")
    expect(bars.nth(6)).to_contain_text("暂无到期日")
    expect(chinese.page.locator("#open-invoices h2")).to_have_text("未结发票（2）")
    SCREENSHOTS.mkdir(exist_ok=True)
    chinese.page.screenshot(path=str(SCREENSHOTS / "receivables-customer-zh.png"), full_page=True)
    assert chinese.errors == []
