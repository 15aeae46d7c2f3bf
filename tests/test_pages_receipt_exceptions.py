"""The receipt exception pages (R8): logistics finds its open shortages, re-delivers and posts the
follow-up receipt with its scan; a claim on the carrier made and settled; sales accepts a
substitution or sends it back through a return; a refusal shown in English and Chinese; the
receipt's printout shows how each exception ended.

Over HTTP, on both databases, as a browser sends it (see `tests.pages`). The world ships from the
internal warehouse: 2 of item 0 short are re-delivered (2001.00), 6 short are claimed (6003.00),
another model received is accepted by sales (see tests/test_receipt_exceptions.py).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from html import unescape
from typing import Any

from tests.flows import Flows
from tests.pages import Form, Person, forms_of
from tests.pages import text_of as tags_off
from tests.returns_flows import request
from tests.support import png_bytes, unique
from tests.test_pages_finance import UNTRANSLATED
from tests.test_receipt_exceptions import act, exception, redelivery_body, shortage

People = Callable[..., Person]
PNG = "image/png"
CODES = re.compile(r"\b(receipts|receipt|receipt_exception)\.[a-z_]+\.[a-z_]+\b")


def text_of(html: str) -> str:
    return unescape(tags_off(html))


def _words_only(page: str) -> None:
    shown = text_of(page)
    assert not UNTRANSLATED.search(shown), UNTRANSLATED.search(shown)
    assert not CODES.search(shown), CODES.search(shown)


def error_next_to(shown: str, field: str) -> str:
    """The refusal shown next to the input or text area named `field`."""
    found = re.search(
        rf'name="{re.escape(field)}"[^>]*aria-invalid="true"[^>]*>(?:[^<]*</textarea>)?\s*'
        rf'<span class="field-error"[^>]*>([^<]*)</span>',
        shown,
    )
    assert found, f"no refusal next to {field}"
    return unescape(found.group(1))


def _file(name: str) -> dict[str, tuple[str, bytes, str]]:
    return {"file": (name, png_bytes(unique(name)), PNG)}


def _page(exc: dict[str, Any]) -> str:
    return f"/web/receipt-exceptions/{exc['id']}"


def _form(html: str, action: str) -> Form:
    found = [f for f in forms_of(html) if f.action == action]
    assert found, f"no form to {action}"
    return found[0]


def _substitution(flows: Flows) -> tuple[dict[str, Any], dict[str, Any]]:
    """An order whose line 1 brought 2 of item 3 instead of item 0: its exception."""
    order = flows.shipped_order()
    body = flows.receipt_body(
        order,
        lines=[
            {"line_no": 1, "received_qty": 8},
            {"line_no": 1, "received_qty": 2, "item_code": flows.world.items[3]},
            {"line_no": 2, "received_qty": 5},
        ],
    )
    response = flows.post_receipt(order["id"], body)
    assert response.status_code == 201, response.text
    [found] = response.json()["exceptions"]
    return order | {"receipt_no": body["receipt_no"]}, exception(flows, found["id"])


def test_r8_logistics_re_delivers_its_open_shortage_and_posts_the_follow_up_receipt(
    flows: Flows, person: People
) -> None:
    order, exc = shortage(flows, 8)
    logistics = person("logistics")
    # "My open shortages": logistics' own open ones by default.
    mine = f"/web/receipt-exceptions?customer={flows.world.customer}"
    listed = logistics.page(mine)
    _words_only(listed)
    assert f'href="{_page(exc)}"' in listed
    shown = text_of(listed)
    assert "My open shortages and substitutions" in shown
    assert "Re-deliver the missing quantity" in shown and "2,001.00" in shown
    assert order["company_order_no"] in shown and order["customer_po_no"] in shown
    # Sales owns none of them; with any owner chosen it is there.
    sales = person("sales")
    assert f'href="{_page(exc)}"' not in sales.page(mine)
    assert f'href="{_page(exc)}"' in sales.page(mine + "&owner=")
    # The menu leads there; the order's page links to it.
    assert 'href="/web/receipt-exceptions"' in logistics.page("/web")
    assert f'href="{_page(exc)}"' in logistics.page(f"/web/orders/{order['id']}")

    page = logistics.page(_page(exc))
    _words_only(page)
    words = text_of(page)
    assert "The rules' proposal" in words and "shortage-redelivered" in words
    assert "This is the path the rules propose" in words
    assert f"{_page(exc)}/accept" not in page  # sales' decision
    redelivered = logistics.submit(_page(exc), f"{_page(exc)}/redeliver")
    assert redelivered.status_code == 303, text_of(redelivered.text)[:500]
    page = logistics.page(redelivered.headers["location"])
    assert "The shortage is to be re-delivered." in text_of(page)
    assert "To be re-delivered" in text_of(page)

    # The follow-up receipt: too many pieces refused next to the quantity, the scan kept.
    follow_up = unique("RKB")
    fill = {
        "shipped_on": str(flows.today - timedelta(days=1)),
        "waybill_no": unique("SF"),
        "receipt_no": follow_up,
        "receipt_date": str(flows.today),
        "quantity": "3",
    }
    action = f"{_page(exc)}/redelivery"
    refused = logistics.submit(_page(exc), action, fill, files=_file("补发签收单.png"))
    assert refused.status_code == 422, text_of(refused.text)[:500]
    assert "only 2 were short" in error_next_to(refused.text, "quantity")
    assert "File attached: 补发签收单.png" in text_of(refused.text)
    again = _form(refused.text, action)
    assert ("receipt_no", follow_up) in again.fields
    posted = logistics.send(again, {"quantity": "2"})
    assert posted.status_code == 303, text_of(posted.text)[:500]
    page = logistics.page(posted.headers["location"])
    words = text_of(page)
    assert "Re-delivered" in words and follow_up in words
    assert "Not invoiced yet" in words and "补发签收单.png" in words
    # The invoice made for the order carries the re-delivered pieces; the page names it.
    invoice = flows.invoice(order["id"])
    assert [(ln["source"], ln["quantity"]) for ln in invoice["lines"]][-1] == ("carry_forward", 2)
    page = logistics.page(_page(exc))
    assert f'href="/web/invoices/{invoice["id"]}"' in page
    assert invoice["invoice_no"] in text_of(page)
    # Closed: no longer among the open ones.
    assert f'href="{_page(exc)}"' not in logistics.page(mine)
    assert f'href="{_page(exc)}"' in logistics.page(mine + "&status=closed")


def test_r8_a_claim_on_the_carrier_is_made_and_settled_from_the_page(
    flows: Flows, person: People
) -> None:
    _, exc = shortage(flows, 4)
    assert exc["proposed_path"] == "claim"
    logistics, finance = person("logistics"), person("finance")
    action = f"{_page(exc)}/claim"
    form = logistics.form(_page(exc), action)
    assert ("amount", "6003.00") in form.fields  # the shortage's value, to be changed
    claimed = logistics.send(form, {"reason": ""}, files=_file("承运商签收记录.png"))
    assert claimed.status_code == 303, text_of(claimed.text)[:500]
    words = text_of(logistics.page(claimed.headers["location"]))
    assert "Claimed from the carrier" in words and "6,003.00 claimed on" in words
    assert "Waiting for the carrier" in words and "承运商签收记录.png" in words
    # Finance records the carrier's answer: more than claimed is refused next to the amount.
    settle = f"{_page(exc)}/settle-claim"
    over = finance.submit(_page(exc), settle, {"amount": "7000"})
    assert over.status_code == 422
    assert "more than the 6003.00 claimed" in error_next_to(over.text, "amount")
    settled = finance.send(_form(over.text, settle), {"amount": "5000"})
    assert settled.status_code == 303, text_of(settled.text)[:500]
    page = finance.page(settled.headers["location"])
    words = text_of(page)
    assert "The claim is settled." in words and "Claim settled" in words
    assert f"5,000.00 settled on {flows.today}" in words
    assert f"{_page(exc)}/refuse-claim" not in page
    assert [t for t, _ in _history(flows, exc)] == ["raise", "claim", "settle_claim"]


def _history(flows: Flows, exc: dict[str, Any]) -> list[tuple[str, str]]:
    events = flows.finance.get(f"/receipt-exceptions/{exc['id']}/history").json()
    return [(e["trigger"], e["actor"]) for e in events]


def test_r8_sales_accepts_a_substitution_with_a_reason(flows: Flows, person: People) -> None:
    _, exc = _substitution(flows)
    sales, logistics = person("sales"), person("logistics")
    mine = f"/web/receipt-exceptions?customer={flows.world.customer}"
    assert f'href="{_page(exc)}"' in sales.page(mine)
    assert f'href="{_page(exc)}"' not in logistics.page(mine)
    page = logistics.page(_page(exc))
    assert "/accept" not in page and "/redeliver" not in page and "/claim" not in page
    page = sales.page(_page(exc))
    _words_only(page)
    assert f"{_page(exc)}/redeliver" not in page  # a shortage's path
    assert "The customer keeps the model received" in text_of(page)
    action = f"{_page(exc)}/accept"
    without = sales.submit(_page(exc), action)
    assert without.status_code == 422
    assert error_next_to(without.text, "reason")
    accepted = sales.submit(_page(exc), action, {"reason": "the DC keeps the A2 units"})
    assert accepted.status_code == 303, text_of(accepted.text)[:500]
    words = text_of(sales.page(accepted.headers["location"]))
    assert "The exception is accepted." in words and "Accept as received" in words
    assert "the DC keeps the A2 units" in words
    assert exception(flows, exc["id"])["state"] == "accepted"
    # Another role's step is refused.
    refused = logistics.http.post(f"{_page(exc)}/accept", data={"csrf": "x"})
    assert refused.status_code == 403


def test_r8_sales_sends_a_substitution_back_through_a_return_from_its_page(
    flows: Flows, person: People
) -> None:
    order, exc = _substitution(flows)
    sales = person("sales")
    assert "no issued invoice yet" in text_of(sales.page(_page(exc)))
    invoice = flows.issued_invoice(order["id"])
    new = f"/web/returns/new?invoice={invoice['id']}&receipt_exception={exc['id']}"
    page = sales.page(_page(exc))
    assert f'href="{new.replace("&", "&amp;")}"' in page
    form_page = sales.page(new)
    assert "receipt exception" in text_of(form_page)
    form = _form(form_page, "/web/returns")
    assert ("receipt_exception_id", str(exc["id"])) in form.fields
    assert ("reason", "wrong_model") in form.fields
    [row] = [i for i, ln in enumerate(invoice["lines"]) if ln["item_code"] == flows.world.items[3]]
    done = sales.send(form, {f"lines[{row}].quantity": "2"})
    assert done.status_code == 303, text_of(done.text)[:500]
    returned = exception(flows, exc["id"])
    assert (returned["state"], returned["path"]) == ("returned", "return")
    words = text_of(sales.page(_page(exc)))
    ret = flows.sales.get(f"/returns/{returned['return_id']}").json()
    assert "Returned" in words and ret["return_no"] in words


def test_r8_a_refusal_is_shown_next_to_its_field_in_english_and_chinese(
    flows: Flows, person: People
) -> None:
    _, exc = shortage(flows, 8)  # the rules propose re-delivery
    action = f"{_page(exc)}/claim"
    for locale, words in (("en", "give a reason"), ("zh", "请说明原因")):
        logistics = person("logistics", locale=locale)
        refused = logistics.submit(_page(exc), action, files=_file("carrier-note.png"))
        assert refused.status_code == 422, text_of(refused.text)[:500]
        assert words in error_next_to(refused.text, "reason")
        assert 'name="evidence_id"' in refused.text  # the evidence is kept
        _words_only(refused.text)
    assert exception(flows, exc["id"])["state"] == "open"
    # The hint says so before anyone sends it.
    assert "规则建议：补发短少数量" in text_of(person("logistics", locale="zh").page(_page(exc)))
    # A step the state does not allow is refused on the page, never failed.
    sales = person("sales")
    form = sales.form(_page(exc), f"{_page(exc)}/accept")
    assert act(flows, "logistics", exc, "redeliver").status_code == 200
    late = sales.send(form, {"reason": "too late"})
    assert late.status_code == 409
    assert 'class="problem"' in late.text and "cannot 'accept'" in text_of(late.text)


def test_r8_the_printout_shows_how_each_exception_ended(flows: Flows, person: People) -> None:
    order, sub = _substitution(flows)
    # Another order: 2 short, re-delivered and invoiced.
    other, exc = shortage(flows, 8)
    assert act(flows, "logistics", exc, "redeliver").status_code == 200
    body = redelivery_body(flows, 2)
    assert act(flows, "logistics", exc, "redelivery", body).status_code == 200
    invoice = flows.invoice(other["id"])
    receipt = flows.finance.get(f"/orders/{other['id']}/receipt").json()
    for who, words in (
        (person("finance"), ("How each exception was worked", "Re-delivered", "Path taken")),
        (person("hq", locale="zh"), ("各签收异常的处理结果", "已补发", "处理方式")),
    ):
        printed = who.page(f"/web/receipts/{receipt['id']}/print")
        shown = text_of(printed)
        assert all(w in shown for w in words), shown
        assert body["receipt_no"] in shown and invoice["invoice_no"] in shown
        _words_only(printed)
    # The substitution returned: its return number on the printout.
    blue = flows.issued_invoice(order["id"])
    [line_no] = [ln["line_no"] for ln in blue["lines"] if ln["item_code"] == flows.world.items[3]]
    ret = request(flows, blue, [(line_no, 2)], reason="wrong_model", receipt_exception_id=sub["id"])
    assert ret.status_code == 201, ret.text
    first = flows.finance.get(f"/orders/{order['id']}/receipt").json()
    shown = text_of(person("finance").page(f"/web/receipts/{first['id']}/print"))
    assert "Returned" in shown and ret.json()["return_no"] in shown


def test_bad_query_parameters_and_paths_are_refused_not_failed(person: People) -> None:
    logistics = person("logistics")
    for params in (
        {"status": "nope"},
        {"kind": "lost"},
        {"owner": "finance"},
        {"after": "0"},
        {"customer": "x" * 33},
    ):
        assert logistics.get("/web/receipt-exceptions", **params).status_code == 422, params
    assert logistics.get("/web/receipt-exceptions/0").status_code == 422
    assert logistics.get("/web/receipt-exceptions/2147483647").status_code == 404
    assert person("finance").page("/web/receipt-exceptions")  # everyone reads
