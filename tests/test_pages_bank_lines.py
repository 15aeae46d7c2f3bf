"""The bank statement pages (finance): a file previewed (nothing stored) and imported, the queue
of waiting lines, and a waiting line matched to a customer's invoice on its page, another
ignored and reopened; refusals in words next to their fields, in English and Chinese.

Over HTTP, on both databases, as a browser sends it (see `tests.pages`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal
from html import unescape
from typing import Any

from tests import payments_flows as pf
from tests.flows import Flows
from tests.pages import Person
from tests.pages import text_of as tags_off
from tests.test_bank_import import csv_of, payments_of, ref
from tests.test_pages_finance import UNTRANSLATED

People = Callable[..., Person]
CODES = re.compile(r"\b(payments|payment|bank)\.[a-z_]+\.[a-z_]+\b")


def text_of(html: str) -> str:
    return unescape(tags_off(html))


def _words_only(page: str) -> None:
    shown = text_of(page)
    assert not UNTRANSLATED.search(shown), UNTRANSLATED.search(shown)
    assert not CODES.search(shown), CODES.search(shown)


def _imported(flows: Flows, finance: Person) -> tuple[dict[str, Any], list[str], dict[str, int]]:
    """A file previewed (nothing stored) and imported on the page: one line booked, two
    waiting, one refused; the other invoice, the references and the lines' ids by reference."""
    invoice = pf.invoice(flows, [(0, 1)])
    other = pf.invoice(flows, [(1, 1)])
    refs = [ref("PAGE") for _ in range(3)]
    content = csv_of(
        f"{flows.today},{invoice['outstanding']},Mall,{refs[0]},{invoice['invoice_no']}",
        f"{flows.today},300.00,customer {flows.world.customer},{refs[1]},货款",
        f"{flows.today},1.00,Our bank,{refs[2]},interest",
        f"{flows.today},oops,Mall,{ref('BAD')},",
    )
    action = "/web/bank-statements/import"
    files = {"file": ("statement.csv", content, "text/csv")}
    preview = finance.submit(action, action, {"dry_run": "true"}, files=files)
    assert preview.status_code == 200, text_of(preview.text)[:500]
    shown = text_of(preview.text)
    assert "What importing statement.csv would do" in shown
    assert "Matched, payment booked" in shown and "oops is not an amount" in shown
    _words_only(preview.text)
    assert payments_of(flows) == []

    done = finance.submit(action, action, {"dry_run": "false"}, files=files)
    assert done.status_code == 200
    assert "statement.csv imported" in text_of(done.text)
    assert len(payments_of(flows)) == 1
    queue = finance.page("/web/bank-lines")
    assert refs[1] in queue and refs[2] in queue and refs[0] not in queue
    _words_only(queue)

    lines = flows.finance.get("/bank-lines", params={"state": "unmatched", "limit": 500}).json()
    return other, refs, {x["bank_reference"]: x["id"] for x in lines}


def test_r23_finance_previews_and_imports_a_bank_statement_file_on_its_page(
    flows: Flows, person: People
) -> None:
    finance = person("finance")
    assert 'href="/web/bank-lines"' in finance.page("/web")
    assert 'href="/web/bank-lines"' not in person("sales").page("/web")
    assert person("sales").get("/web/bank-lines").status_code == 403
    _imported(flows, finance)


def test_r23_finance_matches_a_waiting_bank_line_on_its_page_ignores_and_reopens_another(
    flows: Flows, person: People
) -> None:
    finance = person("finance")
    other, refs, by_ref = _imported(flows, finance)
    waiting = pf.read(flows, other["id"])
    path = f"/web/bank-lines/{by_ref[refs[1]]}"
    page = finance.page(path)
    assert "The customer is known, but the text names no invoice" in text_of(page)
    assert other["invoice_no"] in page
    _words_only(page)
    form = finance.form(path, f"{path}/match")
    rows = [k for k, v in form.fields if v == other["invoice_no"]]
    amount = rows[0].replace("invoice_no", "amount")
    too_much = finance.send(form, {amount: "300.01"})
    assert too_much.status_code == 422
    assert "more than the 300.00 received" in text_of(too_much.text)
    matched = finance.send(finance.form(path, f"{path}/match"), {amount: "300.00"})
    assert matched.status_code == 303
    page = finance.page(matched.headers["location"])
    assert "Matched to the payment above" in text_of(page)
    left = Decimal(waiting["outstanding"]) - Decimal("300.00")
    assert pf.read(flows, other["id"])["outstanding"] == str(left)

    other_path = f"/web/bank-lines/{by_ref[refs[2]]}"
    chinese = person("finance", locale="zh")
    no_reason = chinese.send(chinese.form(other_path, f"{other_path}/ignore"), {"reason": ""})
    assert no_reason.status_code == 422
    ignored = finance.send(finance.form(other_path, f"{other_path}/ignore"), {"reason": "interest"})
    assert ignored.status_code == 303
    page = chinese.page(other_path)
    assert "已忽略" in text_of(page) and "interest" in text_of(page)
    _words_only(page)
    reopened = finance.send(finance.form(other_path, f"{other_path}/reopen"))
    assert reopened.status_code == 303
    assert "The line is waiting again." in text_of(finance.page(reopened.headers["location"]))
