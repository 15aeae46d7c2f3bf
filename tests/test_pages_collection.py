"""The collection pages (R30-R31): a collector's day on the board, a task with its contact and
promise forms, the customer's collection page with its ageing chart, the collection letter
(催款函), the hand-over to audit & legal and legal's cases; in English and Chinese, refusals
next to their fields.

Over HTTP, on both databases, as a browser sends it (see `tests.pages`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from html import unescape

from tests import collection_flows as cf
from tests.flows import Flows
from tests.pages import Person
from tests.pages import text_of as tags_off

People = Callable[..., Person]
CODES = re.compile(r"\b(collection|state|trigger|ui)\.[a-z_]+\.[a-z_.]+\b")


def text_of(html: str) -> str:
    return unescape(tags_off(html))


def _words_only(page: str) -> None:
    shown = text_of(page)
    assert not CODES.search(shown), CODES.search(shown)


def test_r30_a_collectors_day_on_the_pages(flows: Flows, person: People) -> None:
    today = flows.today
    made = cf.invoice(flows, due=today - timedelta(days=10))
    cf.run(flows.backend, today)
    sales = person("sales")
    assert 'href="/web/collection"' in sales.page("/web")
    assert 'href="/web/collection"' not in person("logistics").page("/web")
    board = sales.page(f"/web/collection?customer={flows.world.customer}")
    _words_only(board)
    [task_id] = [int(n) for n in re.findall(r'id="task-(\d+)"', board)]
    assert "Past due (超账期)" in text_of(board)
    path = f"/web/collection/tasks/{task_id}"
    taken = sales.submit(path, f"{path}/take")
    assert taken.status_code == 303, text_of(taken.text)[:300]
    page = sales.page(path)
    _words_only(page)
    assert "In progress" in text_of(page)
    # A contact, then a promise for a day already past: refused next to its field.
    logged = sales.submit(path, f"{path}/contacts", {"channel": "call", "notes": "called Mr Li"})
    assert logged.status_code == 303
    past = sales.submit(
        path,
        f"{path}/promises",
        {"amount": "5000.00", "due_on": str(today - timedelta(days=1))},
    )
    assert past.status_code == 422
    assert "is already past" in text_of(past.text)
    promised = sales.submit(
        path, f"{path}/promises", {"amount": "5000.00", "due_on": str(today + timedelta(days=3))}
    )
    assert promised.status_code == 303
    shown = text_of(sales.page(path))
    assert "called Mr Li" in shown and "5,000.00" in shown and "Promised" in shown
    # The customer's page: ageing chart, open items, contacts, promises; and the letter.
    mine = sales.page(f"/web/collection/customers/{flows.world.customer}")
    _words_only(mine)
    assert 'class="ageing-chart"' in mine
    assert re.search(r'id="broken-promises">0<', mine)
    assert made["invoice_no"] in mine
    letter = sales.page(f"/web/collection/customers/{flows.world.customer}/letter")
    assert "Collection letter" in text_of(letter) and made["invoice_no"] in letter
    zh = person("sales", locale="zh").page(
        f"/web/collection/customers/{flows.world.customer}/letter"
    )
    assert "催款函" in text_of(zh) and "按到期日账龄" in text_of(zh)
    _words_only(zh)


def test_r31_hq_hands_a_customer_to_legal_from_its_page_and_legal_reads_the_case(
    flows: Flows, person: People
) -> None:
    cf.invoice(flows, due=flows.today - timedelta(days=10))
    cf.run(flows.backend, flows.today)
    hq = person("hq")
    path = f"/web/collection/customers/{flows.world.customer}"
    empty = hq.submit(path, f"{path}/handover", {"reason": ""})
    assert empty.status_code == 422
    done = hq.submit(path, f"{path}/handover", {"reason": "cannot be collected"})
    assert done.status_code == 303, text_of(done.text)[:300]
    case_path = done.headers["location"].split("?")[0]
    legal = person("legal")
    case = legal.page(case_path)
    _words_only(case)
    assert "cannot be collected" in text_of(case)
    assert case_path.rsplit("/", 1)[1] in legal.page("/web/collection/cases")
    assert person("sales").get("/web/collection/cases").status_code == 403
    zh = person("legal", locale="zh").page(case_path)
    assert "升级记录" in text_of(zh)


def test_r31_legal_closes_a_case_from_its_page(flows: Flows, person: People) -> None:
    cf.invoice(flows, due=flows.today - timedelta(days=10))
    cf.run(flows.backend, flows.today)
    case = cf.post(
        flows.hq,
        f"/collection/customers/{flows.world.customer}/handover-to-legal",
        201,
        reason="cannot be collected",
    )
    case_path = f"/web/collection/cases/{case['id']}"
    # HQ reads the case but does not close it.
    assert 'id="close-case-form"' not in person("hq").page(case_path)
    assert person("hq").get(case_path).status_code == 200
    zh = person("legal", locale="zh")
    shown = zh.page(case_path)
    assert 'id="close-case-form"' in shown and "结案" in text_of(shown)
    _words_only(shown)
    wrong = zh.submit(case_path, f"{case_path}/close", {"outcome": "lost", "note": ""})
    assert wrong.status_code == 422
    assert flows.hq.get(f"/customers/{flows.world.customer}").json()["state"] == "handed_to_legal"
    legal = person("legal")
    done = legal.submit(
        case_path, f"{case_path}/close", {"outcome": "recovered", "note": "paid after judgment"}
    )
    assert done.status_code == 303, text_of(done.text)[:300]
    closed = text_of(legal.page(case_path))
    assert "Recovered" in closed and "paid after judgment" in closed
    assert 'id="close-case-form"' not in legal.page(case_path)
    assert "Recovered" in text_of(legal.page("/web/collection/cases"))
    assert flows.hq.get(f"/customers/{flows.world.customer}").json()["state"] == "suspended"
    # Back with HQ, suspended: it may be handed over again from its collection page.
    hq_page = person("hq").page(f"/web/collection/customers/{flows.world.customer}")
    assert 'id="handover-form"' in hq_page
