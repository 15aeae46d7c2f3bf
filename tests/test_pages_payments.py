"""The payments' pages (finance): recording a payment with the allocation it would get (oldest
due first, amounts editable), the payment's page with what it applied and its reversal, and a
customer's unapplied credit applied to its next invoice; refusals in words next to their fields,
in English and Chinese.

Over HTTP, on both databases, as a browser sends it (see `tests.pages`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from html import unescape

from tests import payments_flows as pf
from tests.flows import Flows
from tests.pages import Person
from tests.pages import text_of as tags_off
from tests.support import unique
from tests.test_pages_finance import UNTRANSLATED, error_next_to

People = Callable[..., Person]
CODES = re.compile(r"\b(payments|payment|credit|deduction)\.[a-z_]+\b")


def text_of(html: str) -> str:
    return unescape(tags_off(html))


def _words_only(page: str) -> None:
    shown = text_of(page)
    assert not UNTRANSLATED.search(shown), UNTRANSLATED.search(shown)
    assert not CODES.search(shown), CODES.search(shown)


def test_r23_finance_records_a_payment_with_the_allocation_it_proposes_and_edits_it(
    flows: Flows, person: People
) -> None:
    older = pf.invoice(flows, [(0, 1)])  # 1000.50
    newer = pf.invoice(flows, [(1, 1)])  # 1111.50
    finance = person("finance")
    assert 'href="/web/payments"' in finance.page("/web")
    assert 'href="/web/payments"' not in person("logistics").page("/web")
    path = f"/web/payments/new?customer={flows.world.customer}&amount=1500.00"
    page = finance.page(path)
    shown = text_of(page)
    # Oldest due first: the older invoice in full, the rest on the newer one.
    assert re.search(rf"{older['invoice_no']} \S+ 1,000.50 0.00 ", shown), shown
    assert 'value="1000.50"' in page and 'value="499.50"' in page
    assert "Applied to invoices 1,500.00 · Left as credit 0.00" in shown
    _words_only(page)
    # Finance follows the remittance instead: 300.00 on the newer invoice, nothing on the older.
    form = finance.form(path, "/web/payments")
    fill = {
        "alloc[0].amount": "",
        "alloc[1].amount": "300.00",
        "payer": "Mall",
        "bank_reference": unique("PG"),
    }
    too_much = finance.send(form, {**fill, "alloc[1].amount": "1200.00"})
    assert too_much.status_code == 409
    assert "more than the 1111.50 still owed" in error_next_to(too_much.text, "alloc[1].amount")
    done = finance.send(form, fill)
    assert done.status_code == 303, text_of(done.text)[:500]
    again = finance.send(form, fill)  # a resent form books once
    assert again.status_code == 303 and again.headers["location"] == done.headers["location"]
    payment = text_of(finance.page(done.headers["location"]))
    assert "Payment recorded" in payment
    assert f"{newer['invoice_no']} Payment" in payment and "300.00" in payment
    assert "Left as credit 1,200.00" in payment
    assert pf.read(flows, older["id"])["outstanding"] == "1000.50"
    assert pf.read(flows, newer["id"])["outstanding"] == "811.50"
    # The same bank reference again: refused next to it, what was typed kept.
    twice = finance.send(finance.form(path, "/web/payments"), fill)
    assert twice.status_code == 409
    assert "is already booked" in error_next_to(twice.text, "bank_reference")


def test_r23_the_payment_page_reverses_it_and_the_credit_page_applies_credit_in_chinese(
    flows: Flows, person: People
) -> None:
    first = pf.invoice(flows, [(0, 1)])  # 1000.50
    payment = pf.paid(flows, "1500.00")
    finance = person("finance", locale="zh")
    credit_path = f"/web/customers/{flows.world.customer}/credit"
    shown = text_of(finance.page(credit_path))
    assert "未核销预收款 499.50" in shown and "没有可核销的未清发票" in shown
    following = pf.invoice(flows, [(1, 1)])  # 1111.50
    applied = finance.submit(credit_path, f"{credit_path}/apply", {"amount": "9999.00"})
    assert applied.status_code == 409
    assert "超过未核销预收款 499.50" in text_of(applied.text)
    applied = finance.submit(credit_path, f"{credit_path}/apply", {})
    assert applied.status_code == 303, text_of(applied.text)[:500]
    assert "预收款已核销" in text_of(finance.page(applied.headers["location"]))
    assert pf.read(flows, following["id"])["outstanding"] == "612.00"
    page_path = f"/web/payments/{payment['payment_no']}"
    page = finance.page(page_path)
    assert f"{page_path}/reverse" in page and "已登记" in text_of(page)
    _words_only(page)
    empty = finance.submit(page_path, f"{page_path}/reverse", {"reason": ""})
    assert empty.status_code == 422
    done = finance.submit(page_path, f"{page_path}/reverse", {"reason": "记错客户"})
    assert done.status_code == 303, text_of(done.text)[:500]
    after = text_of(finance.page(done.headers["location"]))
    assert "回款已冲销" in after and "已冲销" in after and "记错客户" in after
    assert f"{page_path}/reverse" not in finance.page(page_path)
    assert pf.read(flows, first["id"])["state"] == "issued"
    assert pf.read(flows, following["id"])["outstanding"] == "1111.50"
    # Sales reads payments but records and reverses nothing.
    sales = person("sales")
    assert f"{page_path}/reverse" not in sales.page(page_path)
    assert sales.get("/web/payments/new").status_code == 403
