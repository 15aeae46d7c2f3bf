"""The statements' pages (R20-R22): the list and a statement the customer asks for, the
statement's page with its lines grouped and totals, sending, the customer's confirmation with its
signed copy, disputed lines in finance's queue, re-drafts with every version kept, the statement
adjustments and the A4 printout with both parties' confirmation blocks; refusals in words next to
their fields in English and Chinese, keeping what was typed.

Over HTTP, on both databases, as a browser sends it (see `tests.pages`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from html import unescape
from typing import Any

from tests import statements_flows as sf
from tests.flows import Flows
from tests.pages import Person, forms_of
from tests.pages import text_of as tags_off
from tests.support import Backend, png_bytes, unique
from tests.test_pages_finance import UNTRANSLATED, error_next_to

People = Callable[..., Person]
PNG = "image/png"
CODES = re.compile(r"\b(statements|statement|statement_dispute|statement_adjustment)\.[a-z_]+\b")
DAY = date(2026, 12, 16)


def text_of(html: str) -> str:
    """The words a reader sees, character references read."""
    return unescape(tags_off(html))


def _scan(name: str) -> dict[str, tuple[str, bytes, str]]:
    return {"file": (name, png_bytes(unique(name)), PNG)}


def _words_only(page: str) -> None:
    shown = text_of(page)
    assert not UNTRANSLATED.search(shown), UNTRANSLATED.search(shown)
    assert not CODES.search(shown), CODES.search(shown)


def drafted(backend: Backend, flows: Flows, *lines: list[tuple[int, int]] | None) -> str:
    """The statement the scheduler drafts for invoices falling due on DAY; its number."""
    for wanted in lines or (None,):
        sf.invoice_due(flows, DAY, lines=wanted)
    sf.run(backend, date(2026, 12, 11))
    [found] = sf.statements(flows)
    return str(found["statement_no"])


def posted(
    person: Person,
    path: str,
    action: str,
    fill: dict[str, str],
    files: dict[str, tuple[str, bytes, str]] | None = None,
) -> Any:
    """Send the form of the page at `path` that posts to `action` (the page's search form goes
    to the same address by GET)."""
    [form] = [f for f in forms_of(person.page(path)) if f.action == action and f.method == "post"]
    return person.send(form, fill, files=files)


def _sent(person: Person, no: str) -> None:
    page = f"/web/statements/{no}"
    done = person.submit(page, f"{page}/send", {"to": "Ms Wang", "channel": "email"})
    assert done.status_code == 303, text_of(done.text)[:500]


def test_r20_r21_the_list_and_the_statement_page_show_what_the_scheduler_drafted(
    backend: Backend, flows: Flows, person: People
) -> None:
    no = drafted(backend, flows)
    api = sf.statement(flows, no)
    sales = person("sales")
    home = sales.page("/web")
    assert 'href="/web/statements"' in home
    listed = sales.page(f"/web/statements?customer={flows.world.customer}&state=draft")
    words = text_of(listed)
    assert no in words and "Draft" in words and "15,562.50" in words
    assert f"{DAY.isoformat()}" in words
    _words_only(listed)
    # Another state or a range without it: not listed.
    assert no not in sales.page(f"/web/statements?customer={flows.world.customer}&state=sent")
    later = sales.page(
        f"/web/statements?customer={flows.world.customer}&settled_from=2026-12-17&settled_to="
    )
    assert no not in later
    bad = sales.get("/web/statements", settled_from="2026-02-30")
    assert bad.status_code == 422
    assert "2026-02-30 is not a date" in error_next_to(bad.text, "settled_from")
    page = sales.page(f"/web/statements/{no}")
    shown = text_of(page)
    assert f"Statement {no}" in shown and "Scheduled" in shown
    assert "Invoices falling due" in shown and "Returns and credits" in shown
    [line] = api["current"]["lines"]["invoice"]
    assert line["receipt_no"] in shown and flows.world.dc in shown
    assert "Amount to be paid 15,562.50" in shown
    # The timing decision and why: the working days ahead and the rules' explanation.
    assert f"drafted {api['lead_working_days']} working days ahead" in shown
    assert "Version 1 (current)" in shown and "first version" in shown
    ahead, settles = api["lead_working_days"], api["settlement_date"]
    assert f"drafted {ahead} working days before {settles} (R20)" in shown
    # Why the version was made, in the reader's language (the API keeps the English text).
    zh = text_of(person("sales", locale="zh").page(f"/web/statements/{no}"))
    assert f"于 {settles} 前 {ahead} 个工作日起草（R20）" in zh
    assert api["history"][0]["reason"] == f"drafted {ahead} working days before {settles} (R20)"
    # Sales may send it, dispute nothing yet (a draft), re-draft it.
    assert f"/web/statements/{no}/send" in page and f"/web/statements/{no}/redraft" in page
    assert f"/web/statements/{no}/confirm" not in page
    assert 'type="checkbox"' not in page
    _words_only(page)
    logistics = person("logistics")
    read_only = logistics.page(f"/web/statements/{no}")
    assert f"/web/statements/{no}/send" not in read_only
    assert 'href="/web/statements"' not in logistics.page("/web")  # not in its menu


def test_r22_sales_sends_and_finance_records_the_customers_confirmation_with_its_scan(
    backend: Backend, flows: Flows, person: People
) -> None:
    no = drafted(backend, flows)
    page = f"/web/statements/{no}"
    sales = person("sales")
    send = sales.form(page, f"{page}/send")
    assert ("version", "1") in send.fields
    fill = {"to": "Ms Wang (AP)", "channel": "post"}
    first = sales.send(send, fill)
    again = sales.send(send, fill)  # a resent form books once
    assert first.status_code == again.status_code == 303, text_of(first.text)[:400]
    shown = text_of(sales.page(first.headers["location"]))
    assert "The statement is sent." in shown and "Ms Wang (AP) · Post" in shown
    history = sf.statement(flows, no)
    assert history["state"] == "sent" and history["version"] == 2
    # A form shown before the statement was sent is refused, not applied twice.
    stale = sales.send(send, {**fill, "to": "someone else"})
    assert stale.status_code == 409, text_of(stale.text)[:400]
    finance = person("finance")
    # The confirmation: a date after today is refused next to it; the scan is kept.
    future = finance.submit(
        page,
        f"{page}/confirm",
        {"confirmed_on": "2099-01-01", "customer_signatory": "Ms Wang"},
        files=_scan("对账确认.png"),
    )
    assert future.status_code == 422, text_of(future.text)[:400]
    assert "2099-01-01 is after today" in error_next_to(future.text, "confirmed_on")
    assert "对账确认.png is kept" in text_of(future.text)
    [kept] = [f for f in forms_of(future.text) if f.action == f"{page}/confirm"]
    assert ("customer_signatory", "Ms Wang") in kept.fields
    assert any(k == "evidence_id" for k, _ in kept.fields)
    confirmed = finance.send(
        kept, {"confirmed_on": history["sent_on"], "customer_reference": "DZQR-8"}
    )
    assert confirmed.status_code == 303, text_of(confirmed.text)[:400]
    after = finance.page(confirmed.headers["location"])
    words = text_of(after)
    assert "The statement is confirmed by both sides." in words
    assert "Confirmed by both sides" in words
    assert "Customer's signatory Ms Wang · DZQR-8" in words and "对账确认.png" in words
    assert re.search(r'href="/web/attachments/\d+">对账确认.png', after)
    assert f"our confirmer {finance.username}" in words
    assert f"{page}/confirm" not in after and f"{page}/redraft" not in after
    api = sf.statement(flows, no)
    assert (api["state"], api["confirmed_by"], api["customer_reference"]) == (
        "confirmed",
        finance.username,
        "DZQR-8",
    )
    assert all(t[2].endswith(":done") for t in sf.tasks_of(backend, api["id"]))
    _words_only(after)


def test_r22_a_refusal_is_shown_in_chinese_and_english_next_to_its_field(
    backend: Backend, flows: Flows, person: People
) -> None:
    no = drafted(backend, flows)
    page = f"/web/statements/{no}"
    for locale, words in (("en", "is after today"), ("zh", "晚于今天")):
        sales = person("sales", locale=locale)
        refused = sales.submit(
            page, f"{page}/send", {"sent_on": "2099-01-01", "to": "AP", "channel": "fax"}
        )
        assert refused.status_code == 422, text_of(refused.text)[:400]
        assert words in error_next_to(refused.text, "sent_on")
        [kept] = [f for f in forms_of(refused.text) if f.action == f"{page}/send"]
        assert ("to", "AP") in kept.fields and ("channel", "fax") in kept.fields
        no_one = sales.submit(page, f"{page}/send", {"to": "", "channel": "email"})
        assert no_one.status_code == 422
        assert error_next_to(no_one.text, "to")
        _words_only(refused.text)
    assert sf.statement(flows, no)["state"] == "draft"
    # A form shown before someone else changed the statement is refused, in words.
    sales = person("sales")
    shown = sales.form(page, f"{page}/send")
    redrafted = person("finance").submit(page, f"{page}/redraft", {"reason": "a late credit"})
    assert redrafted.status_code == 303, text_of(redrafted.text)[:400]
    stale = sales.send(shown, {"to": "AP", "channel": "email"})
    assert stale.status_code == 409, text_of(stale.text)[:400]
    assert "was changed by someone else" in text_of(stale.text)
    assert sf.statement(flows, no)["state"] == "draft"
    # Chinese words of the page itself.
    zh = text_of(person("sales", locale="zh").page(page))
    assert "对账单" in zh and "到期发票" in zh and "应付金额" in zh and "草稿" in zh
    # Someone the lifecycle does not name is refused.
    logistics = person("logistics")
    [own] = [f for f in forms_of(logistics.page("/web/statements")) if f.method == "get"]
    token = re.search(r'name="csrf" value="([^"]+)"', logistics.page("/web"))
    assert token is not None
    sent = {"csrf": token.group(1), "version": "1", "to": "AP", "channel": "email"}
    assert logistics.http.post(f"{page}/send", data=sent).status_code == 403
    assert sf.statement(flows, no)["state"] == "draft" and own.action == "/web/statements"


def test_r22_disputed_lines_go_to_finances_queue_and_a_redraft_keeps_every_version(
    backend: Backend, flows: Flows, person: People
) -> None:
    no = drafted(backend, flows, None, [(0, 2)])
    page = f"/web/statements/{no}"
    sales = person("sales")
    _sent(sales, no)
    dispute_page = sales.page(page)
    boxes = re.findall(r'name="(lines\[\d+\]\.line_id)" value="(\d+)"', dispute_page)
    assert len(boxes) == 2
    api = sf.statement(flows, no)
    wrong = next(ln for ln in api["current"]["lines"]["invoice"] if ln["amount"] == "2001.00")
    row = next(name for name, value in boxes if int(value) == wrong["id"])
    index = row[len("lines[") : row.index("]")]
    # Nothing ticked: refused in words.
    nothing = sales.submit(page, f"{page}/dispute", {"reason": "not received"})
    assert nothing.status_code == 422
    assert "tick at least one line" in text_of(nothing.text)
    # A customer's amount that is not money: refused next to the line's input, kept.
    amount = f"lines[{index}].customer_amount"
    bad = sales.submit(
        page, f"{page}/dispute", {row: str(wrong["id"]), "reason": "not received", amount: "-5"}
    )
    assert bad.status_code == 422, text_of(bad.text)[:400]
    assert error_next_to(bad.text, amount)
    [kept] = [f for f in forms_of(bad.text) if f.action == f"{page}/dispute"]
    assert (row, str(wrong["id"])) in kept.fields and (amount, "-5") in kept.fields
    disputed = sales.send(kept, {amount: "0"})
    assert disputed.status_code == 303, text_of(disputed.text)[:400]
    shown = text_of(sales.page(disputed.headers["location"]))
    assert "The disputed lines are in finance's queue." in shown and "Disputed" in shown
    assert "not received" in shown
    # Finance's queue: the open line first; a note is needed to decide.
    finance = person("finance")
    assert 'href="/web/statement-disputes"' in finance.page("/web")
    queue = finance.page("/web/statement-disputes")
    assert no in text_of(queue) and wrong["reference"] in text_of(queue)
    [opened] = api_disputes = sf.statement(flows, no)["disputes"]
    decide = f"/web/statement-disputes/{opened['id']}/accept"
    empty = finance.submit("/web/statement-disputes", decide, {"note": ""})
    assert empty.status_code == 422
    assert error_next_to(empty.text, "note")
    accepted = finance.submit(
        "/web/statement-disputes", decide, {"note": "void the invoice and re-draft"}
    )
    assert accepted.status_code == 303, text_of(accepted.text)[:400]
    assert "The dispute is accepted." in text_of(finance.page(accepted.headers["location"]))
    assert api_disputes and sf.statement(flows, no)["disputes"][0]["state"] == "accepted"
    assert no not in text_of(finance.page("/web/statement-disputes"))  # decided: not open
    decided = text_of(finance.page("/web/statement-disputes?state=all"))
    assert "void the invoice and re-draft" in decided and "Accepted" in decided
    # Re-draft: a reason is needed; a new version, the first one kept with what changed.
    no_reason = finance.submit(page, f"{page}/redraft", {"reason": " "})
    assert no_reason.status_code == 422
    redrafted = finance.submit(page, f"{page}/redraft", {"reason": "after the dispute"})
    assert redrafted.status_code == 303, text_of(redrafted.text)[:400]
    now = text_of(finance.page(page))
    assert "Version 2 (current)" in now and "after the dispute" in now
    assert f'href="{page}/versions/1"' in finance.page(page)
    first = text_of(finance.page(f"{page}/versions/1"))
    assert f"Statement {no}, version 1" in first and "17,563.50" in first


def test_r21_a_statement_the_customer_asks_for_is_drafted_from_the_list(
    flows: Flows, person: People
) -> None:
    sales = person("sales")
    customer = flows.world.customer
    # Nothing falls due: refused in words, what was typed kept.
    nothing = posted(
        sales,
        "/web/statements",
        "/web/statements",
        {"customer_code": customer, "settlement_date": "2026-12-18"},
    )
    assert nothing.status_code == 422, text_of(nothing.text)[:400]
    assert f"nothing of {customer} falls due by 2026-12-18" in error_next_to(
        nothing.text, "settlement_date"
    )
    [kept] = [
        f for f in forms_of(nothing.text) if f.action == "/web/statements" and f.method == "post"
    ]
    assert ("customer_code", customer) in kept.fields
    unknown = posted(
        sales,
        "/web/statements",
        "/web/statements",
        {"customer_code": "NOBODY-X", "settlement_date": "2026-12-18"},
    )
    assert unknown.status_code == 404
    assert error_next_to(unknown.text, "customer_code")
    sf.invoice_due(flows, date(2026, 12, 18))
    made = posted(
        sales,
        "/web/statements",
        "/web/statements",
        {"customer_code": customer, "settlement_date": "2026-12-18"},
    )
    assert made.status_code == 303, text_of(made.text)[:400]
    shown = text_of(sales.page(made.headers["location"]))
    assert "The statement is drafted." in shown and "Requested by the customer" in shown
    assert "requested by the customer" in shown  # the version's reason
    zh = person("sales", locale="zh")
    assert "应客户要求起草" in text_of(zh.page(made.headers["location"]))
    again = posted(
        zh,
        "/web/statements",
        "/web/statements",
        {"customer_code": customer, "settlement_date": "2026-12-18"},
    )
    assert again.status_code == 409
    assert "已" in error_next_to(again.text, "settlement_date")


def test_r21_finance_enters_an_adjustment_with_its_scan_and_cancels_it(
    flows: Flows, person: People
) -> None:
    finance = person("finance")
    page = "/web/statement-adjustments"
    document_no = unique("FL")
    fill = {
        "customer_code": flows.world.customer,
        "kind": "rebate",
        "amount": "0",
        "description": "Q4 返利",
        "document_no": document_no,
    }
    for locale in ("en", "zh"):
        reader = person("finance", locale=locale)
        zero = posted(reader, page, page, fill, files=_scan("返利协议.png"))
        assert zero.status_code == 422, text_of(zero.text)[:400]
        assert error_next_to(zero.text, "amount")
        [kept] = [f for f in forms_of(zero.text) if f.action == page and f.method == "post"]
        assert ("document_no", document_no) in kept.fields and (
            "description",
            "Q4 返利",
        ) in kept.fields
    without_file = posted(finance, page, page, {**fill, "amount": "500.00"})
    assert without_file.status_code == 422
    entered = posted(finance, page, page, {**fill, "amount": "500.00"}, files=_scan("返利协议.png"))
    assert entered.status_code == 303, text_of(entered.text)[:400]
    listed = finance.page(f"{page}?customer={flows.world.customer}")
    words = text_of(listed)
    assert "The adjustment is entered." not in words  # the list without the note
    assert document_no in words and "Rebate (返利)" in words and "500.00" in words
    [made] = flows.finance.get(
        "/statement-adjustments", params={"customer_code": flows.world.customer}
    ).json()
    assert len(made["evidence"]) == 1
    cancel = f"{page}/{made['id']}/cancel"
    refused = finance.submit(page, cancel, {"reason": ""})
    assert refused.status_code == 422
    cancelled = finance.submit(page, cancel, {"reason": "entered twice"})
    assert cancelled.status_code == 303, text_of(cancelled.text)[:400]
    assert flows.finance.get(f"/statement-adjustments/{made['id']}").json()["state"] == "cancelled"
    sales = person("sales")
    # Sales reads the adjustments but neither enters nor cancels them.
    assert [f.method for f in forms_of(sales.page(page)) if f.action.startswith(page)] == ["get"]
    token = re.search(r'name="csrf" value="([^"]+)"', sales.page("/web"))
    assert token is not None
    refused = sales.http.post(page, data={"csrf": token.group(1), **fill, "amount": "5.00"})
    assert refused.status_code == 403
    _words_only(listed)


def test_r22_the_printout_shows_the_groups_the_totals_and_both_confirmation_blocks(
    backend: Backend, flows: Flows, person: People
) -> None:
    no = drafted(backend, flows)
    finance = person("finance")
    page = f"/web/statements/{no}"
    assert f'href="{page}/print"' in finance.page(page)
    printed = finance.page(f"{page}/print")
    words = text_of(printed)
    assert "Reconciliation statement (对账单)" in words
    assert no in words and DAY.isoformat() in words and "Version 1" in words
    assert "Invoices falling due" in words and "Returns and credits" in words
    assert "Amount to be paid 15,562.50" in words
    assert "Reconciliation confirmation (对账确认)" in words
    assert "Our company (我方)" in words and "Customer (客户方)" in words
    assert words.count("Signature / seal (签字/盖章)") == 2
    assert 'id="our-confirmation"' in printed and 'id="customer-confirmation"' in printed
    assert 'href="/static/print.css"' in printed
    _words_only(printed)
    zh = text_of(person("finance", locale="zh").page(f"{page}/print"))
    assert "对账单" in zh and "对账确认" in zh and "我方" in zh and "客户方" in zh
    assert zh.count("签字/盖章") == 2 and "15,562.50" in zh


def test_r20_the_reconciliation_tasks_say_what_they_are_and_lead_to_the_statement(
    backend: Backend, flows: Flows, person: People
) -> None:
    no = drafted(backend, flows)
    finance = person("finance")
    mine = {"subject_id": sf.statement(flows, no)["id"]}
    [task] = flows.finance.get(
        "/tasks", params={"kind": "statement_reconcile_finance", **mine}
    ).json()
    assert task["detail"]["statement_no"] == no
    page = finance.page(f"/web/tasks/{task['id']}")
    words = text_of(page)
    assert "Reconcile the statement with the customer (finance, R20)" in words
    assert f"Statement {no}" in words and f'href="/web/statements/{no}"' in page
    zh = text_of(person("finance", locale="zh").page(f"/web/tasks/{task['id']}"))
    assert "与客户对账（财务，R20）" in zh and f"对账单 {no}" in zh
    # Its title in the reader's words too (the API keeps the English title beside them).
    customer, settles = flows.world.customer, task["detail"]["settlement_date"]
    assert f"Reconcile with {customer} the statement for {settles} (R20)" in words
    assert f"与 {customer} 核对 {settles} 结算的对账单（R20）" in zh
    assert task["title_words"]["code"] == "tasks.title.statement_reconcile"
    # Sales has its own task for the same statement.
    [own] = flows.sales.get("/tasks", params={"kind": "statement_reconcile_sales", **mine}).json()
    assert own["detail"]["statement_no"] == no
