"""The returns pages (R24-R26): sales asks for a return from the order's or the invoice's page,
HQ approves with the approval report, logistics posts the return receipt with its scan, finance
chooses the credit method and records the customer's blue invoice; R26's uncredited goods; the
printout; refusals next to their fields in both languages.

Over HTTP, on both databases, as a browser sends it (see `tests.pages`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from html import unescape
from typing import Any

from sqlalchemy import func, select

from service.returns.models import Return
from tests import returns_flows as rf
from tests.flows import Flows
from tests.pages import Person, forms_of
from tests.pages import text_of as tags_off
from tests.support import Backend, png_bytes, unique, unique_fapiao
from tests.test_pages_finance import UNTRANSLATED, error_next_to

People = Callable[..., Person]
PNG = "image/png"
RETURN_CODES = re.compile(r"\b(returns|return)\.[a-z_]+\.[a-z_]+\b")


def text_of(html: str) -> str:
    """The words a reader sees, character references read."""
    return unescape(tags_off(html))


def _scan(name: str) -> dict[str, tuple[str, bytes, str]]:
    return {"file": (name, png_bytes(unique(name)), PNG)}


def _returns_of(backend: Backend, invoice_id: int) -> int:
    with backend.db.read() as session:
        return int(
            session.scalar(
                select(func.count()).select_from(Return).where(Return.invoice_id == invoice_id)
            )
            or 0
        )


def _words_only(page: str) -> None:
    shown = text_of(page)
    assert not UNTRANSLATED.search(shown), UNTRANSLATED.search(shown)
    assert not RETURN_CODES.search(shown), RETURN_CODES.search(shown)


def _requested_on_the_page(sales: Person, invoice: dict[str, Any], quantity: str = "3") -> str:
    """Sales asks for `quantity` of the invoice's line 1 back; the return's page address."""
    new = f"/web/returns/new?invoice={invoice['id']}"
    done = sales.submit(new, "/web/returns", {"reason": "defective", "lines[0].quantity": quantity})
    assert done.status_code == 303, text_of(done.text)[:500]
    return str(done.headers["location"]).split("?")[0]


def test_r24_sales_requests_a_return_from_the_invoice_page(flows: Flows, person: People) -> None:
    order, invoice = rf.invoiced(flows)
    sales = person("sales")
    new = f"/web/returns/new?invoice={invoice['id']}"
    # The order's page and the invoice's page lead to the request form.
    assert f'href="{new}"' in sales.page(f"/web/orders/{order['id']}")
    assert f'href="{new}"' in sales.page(f"/web/invoices/{invoice['id']}")
    form_page = sales.page(new)
    _words_only(form_page)
    [form] = [f for f in forms_of(form_page) if f.action == "/web/returns"]
    fields = dict(form.fields)
    # Pre-filled with the blue invoice's goods lines, nothing returned until a quantity is typed.
    assert (fields["lines[0].line_no"], fields["lines[0].quantity"]) == ("1", "0")
    assert (fields["lines[1].line_no"], fields["lines[1].quantity"]) == ("2", "0")
    fill = {"reason": "slow_moving", "lines[1].quantity": "2", "note": "slow at the DC"}
    first = sales.send(form, fill)
    again = sales.send(form, fill)  # a resent form books once
    assert first.status_code == again.status_code == 303, text_of(first.text)[:400]
    assert first.headers["location"] == again.headers["location"]
    assert _returns_of(flows.backend, invoice["id"]) == 1
    page = sales.page(first.headers["location"])
    shown = text_of(page)
    assert "The return is requested." in shown and "Requested" in shown
    assert "Slow-moving" in shown and "slow at the DC" in shown
    assert invoice["invoice_no"] in shown
    _words_only(page)
    # Now on the order's page too, with its state.
    listed = text_of(sales.page(f"/web/orders/{order['id']}"))
    ret = flows.sales.get("/returns", params={"customer": flows.world.customer}).json()[0]
    assert ret["return_no"] in listed
    assert [line["quantity"] for line in ret["lines"]] == [2]
    # Sales may cancel it from its page; no one but HQ or finance approves it.
    assert f"/web/returns/{ret['id']}/cancel" in page
    assert f"/web/returns/{ret['id']}/approve" not in page


def test_r24_a_refused_line_is_shown_next_to_it_in_chinese_and_english_keeping_what_was_typed(
    flows: Flows, person: People
) -> None:
    _, invoice = rf.invoiced(flows)
    new = f"/web/returns/new?invoice={invoice['id']}"
    for locale, words in (("en", "is more than can be returned"), ("zh", "超过")):
        sales = person("sales", locale=locale)
        refused = sales.submit(
            new, "/web/returns", {"reason": "defective", "lines[1].quantity": "99", "note": "n1"}
        )
        assert refused.status_code == 409, text_of(refused.text)[:400]
        assert words in error_next_to(refused.text, "lines[1].quantity")
        kept = next(f for f in forms_of(refused.text) if f.action == "/web/returns")
        assert ("lines[1].quantity", "99") in kept.fields and ("note", "n1") in kept.fields
        nothing = sales.submit(new, "/web/returns", {"reason": "defective"})
        assert nothing.status_code == 422
    assert _returns_of(flows.backend, invoice["id"]) == 0
    sales = person("sales")
    no_reason = sales.submit(new, "/web/returns", {"lines[0].quantity": "1"})
    assert no_reason.status_code == 422
    assert "reason" in text_of(no_reason.text).lower()
    assert 'name="reason" required aria-invalid="true"' in no_reason.text


def test_r25_hq_approves_with_the_approval_report_and_logistics_posts_the_return_receipt(
    backend: Backend, flows: Flows, person: People
) -> None:
    rf.accepting(backend, flows.world.customer, "red_letter", "customer_blue_invoice")
    _, invoice = rf.invoiced(flows)
    page = _requested_on_the_page(person("sales"), invoice)
    return_id = int(page.rsplit("/", 1)[1])
    hq, logistics = person("hq"), person("logistics")
    # Another role is refused: sales does not approve, logistics asks for no return.
    sales = person("sales")
    refused = sales.http.post(f"{page}/approve", data={"csrf": "x"})
    assert refused.status_code == 403
    assert sales.get(f"/web/returns/new?invoice={invoice['id']}").status_code == 200
    assert logistics.get(f"/web/returns/new?invoice={invoice['id']}").status_code == 403
    # R25: no approval without the approval report.
    approve = hq.form(page, f"{page}/approve")
    without = hq.send(approve, {"note": "agreed"})
    assert without.status_code == 422
    approved = hq.send(approve, {"note": "agreed"}, files=_scan("批复报告.png"))
    assert approved.status_code == 303, text_of(approved.text)[:400]
    shown = hq.page(approved.headers["location"])
    assert "The return is approved with its approval report." in text_of(shown)
    assert "批复报告.png" in text_of(shown)
    assert re.search(r'href="/web/attachments/\d+">批复报告.png', shown)
    assert f"{page}/receipt" not in shown  # logistics' form
    # Logistics: the receipt form with the requested quantities; a refusal keeps the scan.
    receipt_no = unique("THRK")
    too_many = logistics.submit(
        page,
        f"{page}/receipt",
        {"receipt_no": receipt_no, "lines[0].received_qty": "7"},
        files=_scan("退货入库单.png"),
    )
    assert too_many.status_code == 409
    assert "more than the 3 requested" in error_next_to(too_many.text, "lines[0].received_qty")
    assert "Scan kept: 退货入库单.png" in text_of(too_many.text)
    [kept] = [f for f in forms_of(too_many.text) if f.action == f"{page}/receipt"]
    assert ("receipt_no", receipt_no) in kept.fields
    posted = logistics.send(kept, {"lines[0].received_qty": "2"})
    assert posted.status_code == 303, text_of(posted.text)[:400]
    after = logistics.page(page)
    words = text_of(after)
    assert "Goods received back" in words and receipt_no in words and "退货入库单.png" in words
    # The rules' proposal with its explanation: rule set, version, rule, the values seen.
    assert "return_credit · version 1" in words
    assert "red-letter-no-confirmation-needed" in words
    assert (
        "Methods the customer accepts Red-letter invoice (a); Customer's blue invoice back (b)"
        in words
    )
    assert "Buyer confirmed use of the blue invoice No" in words
    api = flows.finance.get(f"/returns/{return_id}").json()
    assert (api["state"], api["lines"][0]["received_qty"]) == ("received", 2)
    _words_only(after)


def test_r24_b_finance_chooses_the_customers_blue_invoice_and_records_it(
    backend: Backend, flows: Flows, person: People
) -> None:
    rf.accepting(backend, flows.world.customer, "red_letter", "customer_blue_invoice")
    _, invoice = rf.invoiced(flows)
    ret = rf.received(flows, invoice, [(1, 3)], [2])
    page = f"/web/returns/{ret['id']}"
    finance = person("finance")
    method = finance.form(page, f"{page}/method")
    # Only the methods the customer accepts, the proposed one preselected.
    assert ("method", "red_letter") in method.fields
    shown = finance.page(page)
    assert "next_invoice_deduction" not in re.findall(r'<option value="([a-z_]+)"', shown)
    for locale, words in (("en", "needs a reason"), ("zh", "理由")):
        reader = person("finance", locale=locale)
        no_reason = reader.submit(page, f"{page}/method", {"method": "customer_blue_invoice"})
        assert no_reason.status_code == 422, text_of(no_reason.text)[:300]
        assert words in text_of(no_reason.text)
        assert 'value="customer_blue_invoice" selected' in no_reason.text
    chosen = finance.submit(
        page,
        f"{page}/method",
        {"method": "customer_blue_invoice", "reason": "the buyer took the input VAT"},
    )
    assert chosen.status_code == 303, text_of(chosen.text)[:400]
    blue = finance.form(page, f"{page}/customer-blue-invoice")
    fields = dict(blue.fields)
    assert (fields["lines[0].quantity"], fields["total"]) == ("2", "2001.00")
    number = unique_fapiao()
    wrong = finance.send(blue, {"invoice_number": number, "total": "2000.00"})
    assert wrong.status_code == 422
    assert "plus tax" in error_next_to(wrong.text, "total")
    done = finance.send(blue, {"invoice_number": number})
    assert done.status_code == 303, text_of(done.text)[:400]
    credited = text_of(finance.page(page))
    assert "Credited" in credited and number in credited
    assert "the buyer took the input VAT" in credited
    printed = finance.page(f"{page}/print")
    words = text_of(printed)
    for expected in (ret["return_no"], invoice["invoice_no"], number, "2,001.00", "1,770.80"):
        assert expected in words, expected
    assert "Customer's blue invoice back (b)" in words
    assert "Return receipt scan" in words
    zh = text_of(person("finance", locale="zh").page(f"{page}/print"))
    assert "退货冲账汇总" in zh and "客户返开蓝票（b）" in zh


def test_r24_a_red_letter_method_says_what_comes_next(
    backend: Backend, flows: Flows, person: People
) -> None:
    rf.accepting(backend, flows.world.customer, "red_letter")
    _, invoice = rf.invoiced(flows)
    ret = rf.received(flows, invoice)
    page = f"/web/returns/{ret['id']}"
    finance = person("finance")
    done = finance.submit(page, f"{page}/method")
    assert done.status_code == 303, text_of(done.text)[:400]
    shown = finance.page(page)
    assert f'href="/web/red-letter-forms/new?return={ret["id"]}"' in shown
    assert "red-letter information confirmation form" in text_of(shown)


def test_r26_the_uncredited_defective_goods_are_listed(flows: Flows, person: People) -> None:
    _, invoice = rf.invoiced(flows)
    defective = rf.requested(flows, invoice, [(1, 2)], reason="defective")
    wrong = rf.requested(flows, invoice, [(2, 1)], reason="wrong_model")
    reader = person("logistics")
    customer = flows.world.customer
    listed = reader.page(f"/web/returns/uncredited?customer={customer}")
    words = text_of(listed)
    assert defective["return_no"] in words and wrong["return_no"] not in words
    assert f"Customer {customer}" in words and "Defective" in words
    _words_only(listed)
    zh = text_of(
        person("logistics", locale="zh").page(f"/web/returns/uncredited?customer={customer}")
    )
    assert "残次品" in zh and defective["return_no"] in zh
    # The list: by customer, reason and state.
    everything = text_of(reader.page(f"/web/returns?customer={customer}"))
    assert defective["return_no"] in everything and wrong["return_no"] in everything
    by_reason = text_of(reader.page(f"/web/returns?customer={customer}&reason=wrong_model"))
    assert wrong["return_no"] in by_reason and defective["return_no"] not in by_reason
    by_state = text_of(reader.page(f"/web/returns?customer={customer}&state=approved"))
    assert defective["return_no"] not in by_state
    assert 'href="/web/returns"' in reader.page("/web")  # the menu


def test_returns_pages_refuse_bad_ids_and_values_with_a_page(person: People) -> None:
    reader = person("sales")
    for path, status in (
        ("/web/returns/2147483000", 404),
        ("/web/returns/2147483000/print", 404),
        ("/web/returns/new?invoice=2147483000", 404),
        ("/web/returns/abc", 422),
        ("/web/returns?reason=bogus", 422),
        ("/web/returns?before=0", 422),
        ("/web/returns/uncredited?reason=other", 422),
        ("/web/returns/new?invoice=x", 422),
    ):
        answer = reader.get(path)
        assert answer.status_code == status, (path, answer.status_code)
        assert answer.headers["content-type"].startswith("text/html"), path


def test_the_return_forms_take_the_day_it_happened_and_refuse_one_before_the_fapiao(
    flows: Flows, person: People
) -> None:
    """Requested and approved late: both forms have the business date; a request dated before
    the invoice's fapiao, or an approval dated in the future, is refused next to the date."""
    _, invoice = rf.invoiced(flows)
    sales = person("sales")
    new = f"/web/returns/new?invoice={invoice['id']}"
    fapiao = invoice["fapiao_date"]
    early = str(flows.today.fromordinal(flows.today.toordinal() - 1))
    fill = {"reason": "defective", "lines[0].quantity": "1", "business_date": early}
    refused = sales.submit(new, "/web/returns", fill)
    assert refused.status_code == 422
    assert fapiao in error_next_to(refused.text, "business_date")
    assert _returns_of(flows.backend, invoice["id"]) == 0
    done = sales.submit(new, "/web/returns", {**fill, "business_date": fapiao})
    assert done.status_code == 303, text_of(done.text)[:400]
    page = str(done.headers["location"]).split("?")[0]
    hq = person("hq")
    tomorrow = str(flows.today.fromordinal(flows.today.toordinal() + 1))
    approve = hq.form(page, f"{page}/approve")
    future = hq.send(approve, {"business_date": tomorrow}, files=_scan("批复报告.png"))
    assert future.status_code == 422
    assert tomorrow in error_next_to(future.text, "business_date")
    approved = hq.send(approve, {"business_date": fapiao}, files=_scan("批复报告.png"))
    assert approved.status_code == 303, text_of(approved.text)[:400]
    return_id = int(page.rsplit("/", 1)[1])
    history = flows.hq.get(f"/returns/{return_id}/history").json()
    assert [e["business_date"] for e in history] == [fapiao, fapiao]
