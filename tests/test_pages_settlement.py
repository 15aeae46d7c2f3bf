"""The settlement gate's pages (R23, R27-R29): a statement's settlement check with each invoice's
blockers in words and links to the blocking documents, in English and Chinese; the settle form,
refused in words while anything blocks and booked once; the invoice's page with its check and
settling it alone.

Over HTTP, on both databases, as a browser sends it (see `tests.pages`).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from tests import returns_flows as rf
from tests import settlement_flows as st
from tests.flows import Flows
from tests.pages import Person
from tests.test_pages_finance import UNTRANSLATED
from tests.test_pages_statements import text_of

People = Callable[..., Person]
CODES = re.compile(r"\bsettlement\.[a-z_]+\b")


def _words_only(page: str) -> None:
    shown = text_of(page)
    assert not UNTRANSLATED.search(shown), UNTRANSLATED.search(shown)
    assert not CODES.search(shown), CODES.search(shown)


def test_r23_r28_the_settlement_check_names_each_blocker_in_words_and_finance_settles(
    flows: Flows, person: People
) -> None:
    statement_no, (first, second) = st.confirmed(flows, 2)
    page = f"/web/statements/{statement_no}/settlement"
    finance = person("finance")
    blocked = finance.page(page)
    shown = text_of(blocked)
    assert f"Settlement check of statement {statement_no}" in shown
    assert "Not yet: the conditions below block it" in shown
    assert f"nobody may collect at customer {flows.world.customer}" in shown
    assert f'href="/web/customers/{flows.world.customer}"' in blocked
    assert first["invoice_no"] in shown and second["invoice_no"] in shown
    assert "Settling waits until nothing blocks." in shown
    assert f'action="/web/statements/{statement_no}/settle"' not in blocked
    _words_only(blocked)
    zh = person("sales", locale="zh").page(page)
    assert "没有可收款的授权委托书" in text_of(zh)
    _words_only(zh)
    # The statement's page shows the check in short, with the way to it.
    statement_page = finance.page(f"/web/statements/{statement_no}")
    assert f'href="{page}"' in statement_page
    assert "2 invoice(s): 0 settled, 2 blocked today" in text_of(statement_page)

    holder = st.attorney(flows)
    ready = finance.page(page)
    assert "May be settled" in text_of(ready) and holder["attorney_name"] in text_of(ready)
    action = f"/web/statements/{statement_no}/settle"
    form = finance.form(page, action)
    assert ("attorney_id", str(holder["id"])) in form.fields
    # Sales takes defective goods back meanwhile (R29): the form is refused in words.
    faulty = rf.requested(flows, first, [(1, 1)], reason="defective")
    refused = finance.send(form, {"note": "collected"})
    assert refused.status_code == 409, text_of(refused.text)[:400]
    words = text_of(refused.text)
    assert f"statement {statement_no} is not settled: 1 condition(s) block it" in words
    assert faulty["return_no"] in words and f'href="/web/returns/{faulty["id"]}"' in refused.text
    st.ok(flows.sales.post(f"/returns/{faulty['id']}/cancel", json={"reason": "repaired"}))
    form = finance.form(page, action)
    done = finance.send(form, {"note": "collected by Wang"})
    again = finance.send(form, {"note": "collected by Wang"})  # a resent form books once
    assert done.status_code == again.status_code == 303, text_of(done.text)[:400]
    settled = text_of(finance.page(done.headers["location"]))
    assert "Settled: every invoice of the statement passed the settlement gate." in settled
    assert "Settled: every invoice has passed the gate." in settled
    assert "collected by Wang" in settled
    assert st.check(flows, statement_no)["state"] == "settled"
    assert len(st.check(flows, statement_no)["settlements"]) == 1


def test_r28_a_power_of_attorneys_page_lists_what_was_collected_under_it(
    flows: Flows, person: People
) -> None:
    holder, other = st.attorney(flows), st.attorney(flows)
    statement_no, _ = st.confirmed(flows, 2)
    settled = st.ok(st.settle(flows, statement_no, attorney_id=holder["id"], note="by Wang"))
    page = f"/web/attorneys/{holder['id']}"
    finance = person("finance")
    shown = finance.page(page)
    words = text_of(shown)
    assert "Settlements collected under this power of attorney (R28)" in words
    assert settled["settlement_no"] in words and statement_no in words
    assert f'href="/web/statements/{statement_no}/settlement"' in shown
    _words_only(shown)
    zh = text_of(person("sales", locale="zh").page(page))
    assert "凭本授权委托书收款的结算" in zh and settled["settlement_no"] in zh
    nothing = text_of(finance.page(f"/web/attorneys/{other['id']}"))
    assert "Nothing has been collected under this power of attorney yet." in nothing


def test_r23_the_invoice_page_shows_its_check_and_finance_settles_it_alone(
    flows: Flows, person: People
) -> None:
    statement_no, (first, second) = st.confirmed(flows, 2)
    st.attorney(flows)
    page = f"/web/invoices/{first['id']}"
    sales = person("sales")
    shown = sales.page(page)
    assert "May be settled on" in text_of(shown)
    assert f'href="/web/statements/{statement_no}/settlement"' in shown
    assert f'action="/web/invoices/{first["id"]}/settle"' not in shown  # finance's step
    _words_only(shown)
    finance = person("finance")
    done = finance.submit(page, f"/web/invoices/{first['id']}/settle", {"note": "alone"})
    assert done.status_code == 303, text_of(done.text)[:400]
    after = text_of(finance.page(done.headers["location"]))
    assert "Settled: the invoice passed the settlement gate." in after
    assert "Settled by JS" in after
    # The other invoice is still on its way: its page names what blocks it in Chinese too.
    st.ok(flows.hq.post(f"/customers/{flows.world.customer}/suspend", json={"reason": "x"}))
    other = person("finance", locale="zh").page(f"/web/invoices/{second['id']}")
    assert "已暂停" in text_of(other)
    _words_only(other)
