"""The receivables pages (R30) in English and Chinese, over HTTP on both databases: every
customer's ageing with its totals row, sorting and CSV; a customer's receivables with the ageing
drawn as bars, its open invoices and balances; its printable statement of account with the
ledger's movements between opening and closing balance; the panel on the customer's page; who
may see them."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from html import unescape

from tests import receivables_flows as rf
from tests.flows import Flows
from tests.pages import Person, forms_of
from tests.pages import text_of as tags_off
from tests.support import Backend, make_world, unique
from tests.test_pages_finance import error_next_to

People = Callable[..., Person]
CODES = re.compile(r"\breceivables\.[a-z_]+\.[a-z_]+\b")
AS_OF = date(2026, 12, 31)


def text_of(html: str) -> str:
    return unescape(tags_off(html))


def _words_only(page: str) -> None:
    assert not CODES.search(text_of(page)), CODES.search(text_of(page))


def _money(amount: object) -> str:
    return f"{Decimal(str(amount)):,.2f}"


def _row(page: str, code: str) -> str:
    found = re.search(rf'<tr data-customer="{re.escape(code)}">(.*?)</tr>', page, re.S)
    assert found, code
    return text_of(found.group(1))


def test_r30_the_ageing_page_shows_every_customers_buckets_and_totals_in_both_languages(
    flows: Flows, person: People
) -> None:
    late, due = rf.dated_invoices(
        flows, {"due": AS_OF - timedelta(days=45)}, {"due": AS_OF + timedelta(days=5)}
    )
    finance = person("finance")
    home = finance.page("/web")
    assert 'href="/web/receivables"' in home
    path = f"/web/receivables?customer={flows.world.customer}&as_of={AS_OF}"
    page = finance.page(path)
    _words_only(page)
    shown = text_of(page)
    assert "Receivables ageing" in shown and "not due" in shown and "31–60 days" in shown
    assert "over 180 days" in shown and "no due date yet" in shown
    row = _row(page, flows.world.customer).split()
    total = Decimal(late["total"]) + Decimal(due["total"])
    assert row[:1] == [flows.world.customer]
    assert _money(late["total"]) in row and _money(due["total"]) in row and _money(total) in row
    totals = text_of(re.search(r'<tr id="totals">(.*?)</tr>', page, re.S).group(1))  # type: ignore[union-attr]
    assert totals.startswith("Total (1 customers)") and _money(total) in totals
    assert f'href="/web/customers/{flows.world.customer}/receivables?basis=due' in page

    chinese = person("sales", locale="zh").page(path + "&basis=receipt")
    _words_only(chinese)
    shown = text_of(chinese)
    assert "应收账龄" in shown and "0–30天" in shown and "收货天数" in shown
    assert "应收余额" in shown and "合计" in shown


def test_r30_the_ageing_page_sorts_by_total_and_overdue(
    backend: Backend, flows: Flows, person: People
) -> None:
    branch = unique("BR")
    small = make_world(backend.db, today=flows.today, branch=branch)
    big = make_world(backend.db, today=flows.today, branch=branch)
    with Flows(backend, small) as s, Flows(backend, big) as b:
        rf.dated_invoices(s, {"due": AS_OF - timedelta(days=10)})
        rf.dated_invoices(b, {"due": AS_OF + timedelta(days=10)}, {"due": None})
    finance = person("finance")
    base = f"/web/receivables?branch={branch}&as_of={AS_OF}"

    def order(sort: str) -> list[str]:
        page = finance.page(f"{base}&sort={sort}")
        return re.findall(r'<tr data-customer="([^"]+)">', page)

    assert order("total") == [big.customer, small.customer]
    assert order("overdue") == [small.customer, big.customer]
    assert order("code") == sorted([big.customer, small.customer])
    page = finance.page(f"{base}&sort=total")
    assert 'id="sort-overdue"' in page and "sort=overdue" in page

    # The CSV of what is shown, its header in the reader's language.
    [download] = [f for f in forms_of(page) if f.action == "/web/receivables.csv"]
    assert download.method == "get"
    answer = person("finance", locale="zh").get(download.action, **dict(download.fields))
    assert answer.status_code == 200 and answer.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig"))))
    assert rows[0][:2] == ["客户", "客户名称"] and rows[-1][0] == "合计"
    assert {r[0] for r in rows[1:-1]} == {big.customer, small.customer}

    refused = finance.get("/web/receivables", as_of="2026-02-30")
    assert refused.status_code == 422
    assert error_next_to(refused.text, "as_of")


def test_r30_a_customers_receivables_page_draws_the_ageing_and_lists_its_invoices(
    flows: Flows, person: People
) -> None:
    late, waiting = rf.dated_invoices(flows, {"due": AS_OF - timedelta(days=200)}, {"due": None})
    path = f"/web/customers/{flows.world.customer}/receivables?as_of={AS_OF}"
    with rf.credit_held(flows, Decimal("50.00")):
        page = person("sales").page(path)
    _words_only(page)
    chart = re.search(r'<svg[^>]*class="ageing-chart".*?</svg>', page, re.S)
    assert chart, "the ageing is drawn"
    bars = re.findall(r'<g class="bar" data-amount="([^"]+)">', chart.group(0))
    assert len(bars) == 7
    assert Decimal(bars[5]) == Decimal(late["total"])  # over 180 days
    assert Decimal(bars[6]) == Decimal(waiting["total"])  # no due date yet
    widths = [float(w) for w in re.findall(r'<rect[^>]*width="([^"]+)"', chart.group(0))]
    assert max(widths) == 360.0 and widths[0] == 0.0
    shown = text_of(page)
    assert "Open invoices (2)" in shown
    assert late["invoice_no"] in shown and late["fapiao_no"] in shown
    assert f"{late['invoice_no']}" in page and 'class="bucket">over 180 days' in page
    assert 'class="bucket">no due date yet' in page
    unapplied = re.search(r'<dd id="unapplied">([^<]+)</dd>', page).group(1)  # type: ignore[union-attr]
    assert unapplied == "50.00"
    assert 'action="/web/customers/' in page and 'id="account-form"' in page

    chinese = person("finance", locale="zh").page(path + "&basis=receipt")
    _words_only(chinese)
    assert "账龄" in text_of(chinese) and "未结发票（2）" in text_of(chinese)
    assert person("logistics").get(path).status_code == 403


def test_r30_the_statement_of_account_prints_the_ledger_between_opening_and_closing(
    flows: Flows, person: People
) -> None:
    first, second = rf.dated_invoices(flows, {}, {})
    code = flows.world.customer
    today = flows.today
    finance = person("finance")
    page = finance.page(f"/web/customers/{code}/account?start={today}&end={today}")
    _words_only(page)
    shown = text_of(page)
    assert "Statement of account" in shown
    assert re.search(r'<dd id="opening">0.00</dd>', page)
    total = Decimal(first["total"]) + Decimal(second["total"])
    assert re.search(rf'<dd id="closing">{re.escape(_money(total))}</dd>', page)
    movements = re.search(r'<table id="movements">.*?<tbody>(.*?)</tbody>', page, re.S)
    assert movements
    lines = [text_of(r) for r in re.findall(r"<tr>(.*?)</tr>", movements.group(1), re.S)]
    assert [ln.split()[2] for ln in lines] == [first["invoice_no"], second["invoice_no"]]
    assert lines[1].endswith(_money(total)) and "Invoice" in lines[0]
    assert 'id="our-confirmation"' in page and 'id="customer-confirmation"' in page
    # Closing = what the ledger stores: outstanding less credit held.
    stored = rf.stored_balance(flows)
    assert total == stored["outstanding"] - stored["unapplied"]

    later = today + timedelta(days=1)
    after = finance.page(f"/web/customers/{code}/account?start={later}&end={later}")
    assert re.search(rf'<dd id="opening">{re.escape(_money(total))}</dd>', after)
    assert "No movements in the period." in text_of(after)

    chinese = person("sales", locale="zh").page(f"/web/customers/{code}/account?end={today}")
    _words_only(chinese)
    assert "往来账单" in text_of(chinese) and "期初余额" in text_of(chinese)
    assert "签字/盖章" in text_of(chinese)

    backwards = finance.get(f"/web/customers/{code}/account", start=str(today), end="2020-01-01")
    assert backwards.status_code == 422
    assert "after it ends" in error_next_to(backwards.text, "start")
    too_long = finance.get(f"/web/customers/{code}/account", start="2020-01-01", end=str(today))
    assert "at most 366 days" in error_next_to(too_long.text, "end")


def test_the_customers_page_shows_its_receivables_to_those_who_watch_them(
    flows: Flows, person: People
) -> None:
    [invoice] = rf.dated_invoices(flows, {"due": flows.today - timedelta(days=3)})
    path = f"/web/customers/{flows.world.customer}"
    page = person("finance").page(path)
    panel = re.search(r'<section class="card" id="receivables">(.*?)</section>', page, re.S)
    assert panel, "the receivables panel"
    assert text_of(panel.group(1)).count(_money(invoice["total"])) == 2  # owed, overdue
    assert f'href="{path}/receivables"' in panel.group(1)
    assert 'id="receivables"' not in person("logistics").page(path)
