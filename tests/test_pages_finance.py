"""Finance's pages: invoices (R9-R13), the invoice exception queue and one exception (R14-R18),
the invoice's printout with its sales list, and the invoices panel of the order's page.

Over HTTP, on both databases, as a browser sends it (see `tests.pages`).
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select

from service.clock import business_date
from service.invoices.exceptions.models import Booking
from service.invoices.models import Invoice
from service.journal import Event
from tests.flows import Flows
from tests.pages import Person, forms_of, text_of
from tests.support import Backend, make_world, png_bytes, unique, unique_fapiao
from tests.test_invoice_exceptions import as_invoiced, book, booked_line

People = Callable[..., Person]
# A message code on a page means its words are missing.
UNTRANSLATED = re.compile(
    r"\b(invoices|invoice|invoice_exception|booking|evidence|attachments|state|trigger)"
    r"\.[a-z_]+\b"
)


def over_tolerance(flows: Flows, invoice: dict[str, Any]) -> dict[str, Any]:
    """A tax difference beyond the rounding tolerance: no rule decides, a person must."""
    world = flows.world
    line = booked_line(world.items[0], 10, world.prices[world.items[0]], tax_shift="0.10")
    [exc] = book(flows, invoice, as_invoiced(world, l0=line))
    assert exc["resolution"] is None
    return exc


def count(backend: Backend, entity: str, entity_id: int, trigger: str) -> int:
    with backend.db.read() as session:
        found = session.scalar(
            select(func.count())
            .select_from(Event)
            .where(Event.entity_type == entity, Event.entity_id == entity_id)
            .where(Event.trigger == trigger)
        )
    return int(found or 0)


def error_next_to(shown: str, field: str) -> str:
    """The refusal shown next to the input named `field`."""
    found = re.search(
        rf'name="{re.escape(field)}"[^>]*aria-invalid="true"[^>]*>\s*<span class="field-error"'
        rf"[^>]*>([^<]*)</span>",
        shown,
    )
    assert found, f"no refusal next to {field}"
    return found.group(1)


def journal_row(page: str, what: str) -> str:
    """The words of the history row of the page's journal that says `what` was done."""
    history = page.rsplit("<tbody>", maxsplit=1)[-1]
    rows = [text_of(row) for row in history.split("</tr>")]
    found = [row for row in rows if f" {what} " in f" {row} "]
    assert found, f"no {what} in the history"
    return found[-1]


def test_r18_finance_resolves_an_exception_with_evidence_from_its_page(
    flows: Flows, person: People
) -> None:
    exc = over_tolerance(flows, flows.issued_invoice(flows.receipted_order()["id"]))
    finance = person("finance")
    page = f"/web/exceptions/{exc['id']}"
    shown = text_of(finance.page(page))
    # The rules' decision as stored: rule set, version, the values it saw; nobody decided.
    assert "invoice_exception · version 1" in shown
    assert "No rule decides this case." in shown
    assert "Largest tax rounding of a line 0.10" in shown
    assert "Tax difference" in shown
    assert f"{page}/confirm" not in finance.page(page)  # nothing to confirm

    not_a_scan = finance.submit(
        page,
        f"{page}/evidence",
        {"kind": "original_invoice_copy"},
        files={"file": ("note.txt", b"hello", "text/plain")},
    )
    assert not_a_scan.status_code == 422
    assert "text/plain is not accepted" in error_next_to(not_a_scan.text, "file")
    scan = png_bytes(unique("certificate"))
    uploaded = finance.submit(
        page,
        f"{page}/evidence",
        {"kind": "original_invoice_copy"},
        files={"file": ("发票复印件.png", scan, "image/png")},
    )
    assert uploaded.status_code == 303, text_of(uploaded.text)[:400]
    listed = finance.page(uploaded.headers["location"])
    assert "The evidence is attached." in text_of(listed)
    assert "发票复印件.png" in text_of(listed)
    assert "Copy of the original invoice" in text_of(listed)
    [attachment] = set(re.findall(r'href="(/web/attachments/\d+)"', listed))
    about = finance.page(attachment)
    assert "发票复印件.png" in text_of(about)
    opening = [f.fields for f in forms_of(about) if f.action == f"{attachment}/content"]
    assert opening == [[], [("download", "true")]]  # look at it, or save it
    viewed = finance.get(f"{attachment}/content")
    assert viewed.status_code == 200 and viewed.content == scan
    assert viewed.headers["content-type"] == "image/png"
    assert viewed.headers["content-disposition"].startswith("inline")
    assert viewed.headers["x-content-type-options"] == "nosniff"
    saved = finance.get(f"{attachment}/content", download="true")
    assert saved.headers["content-disposition"].startswith("attachment")

    reason = "the customer rounds on the invoice total; agreed with its settlement centre"
    done = finance.submit(
        page, f"{page}/override", {"resolution": "accept_rounding", "reason": reason}
    )
    assert done.status_code == 303
    shown_after = finance.page(done.headers["location"])
    resolved = text_of(shown_after)
    assert "The exception is resolved with your reason." in resolved
    assert "Invoice exception" in resolved and "Resolved" in resolved
    assert reason in resolved and "Accept as a rounding difference" in resolved
    # The journal: who overrode, what, and the rule set whose decision was overridden.
    override = journal_row(shown_after, "Override")
    assert finance.username in override and "Open → Resolved" in override
    assert "invoice_exception v1: no rule matched" in override
    assert finance.username in journal_row(shown_after, "Attach evidence")
    assert count(flows.backend, "invoice_exception", exc["id"], "override") == 1
    api = flows.finance.get(f"/invoice-exceptions/{exc['id']}").json()
    assert (api["state"], api["override_reason"]) == ("resolved", reason)
    assert [e["kind"] for e in api["evidence"]] == ["original_invoice_copy"]


def test_r15_finance_confirms_the_decided_reissue_once_its_evidence_is_attached(
    flows: Flows, person: People
) -> None:
    world = flows.world
    invoice = flows.issued_invoice(flows.receipted_order()["id"])
    [exc] = book(
        flows,
        invoice,
        as_invoiced(world, l0=booked_line(world.items[0], 8, world.prices[world.items[0]])),
    )
    finance = person("finance")
    page = f"/web/exceptions/{exc['id']}"
    shown = text_of(finance.page(page))
    assert "r15-over-invoiced" in shown and "Return and reissue" in shown
    assert "Still needed: Copy of the signed receipt; Copy of the original invoice" in shown
    early = finance.submit(page, f"{page}/confirm")
    assert early.status_code == 409
    assert "attach the required evidence first" in text_of(early.text)
    for kind in ("signed_receipt_copy", "original_invoice_copy"):
        scan = ("scan.png", png_bytes(unique(kind)), "image/png")
        assert (
            finance.submit(
                page, f"{page}/evidence", {"kind": kind}, files={"file": scan}
            ).status_code
            == 303
        )
    done = finance.submit(page, f"{page}/confirm", {"note": "receipt and invoice copies on file"})
    assert done.status_code == 303
    resolved = finance.page(done.headers["location"])
    assert "The resolution is confirmed and carried out." in text_of(resolved)
    result = flows.finance.get(f"/invoice-exceptions/{exc['id']}").json()["result"]
    form_page = f"/web/red-letter-forms/{result['red_letter_form_id']}"
    assert f'href="{form_page}"' in resolved
    assert "Red-letter form of the reissue" in text_of(resolved)
    form = text_of(finance.page(form_page))
    assert "Issuing error" in form and invoice["invoice_no"] in form
    corrected = text_of(finance.page(f"/web/invoices/{result['corrected_invoice_id']}"))
    assert f"Replaces {invoice['invoice_no']}" in corrected and "Draft" in corrected
    # The red invoice issued against the form voids the original.
    red = flows.reissue_red(result["red_letter_form_id"])
    red_page = text_of(finance.page(f"/web/invoices/{red['id']}"))
    assert f"Reverses {invoice['invoice_no']}" in red_page and "Red" in red_page
    original = text_of(finance.page(f"/web/invoices/{invoice['id']}"))
    assert "Reversed by" in original and "Replaced by" in original and "Voided" in original


def test_r15_finance_abandons_a_reissue_from_its_corrected_draft_in_both_languages(
    flows: Flows, person: People
) -> None:
    world = flows.world
    invoice = flows.issued_invoice(flows.receipted_order()["id"])
    over = booked_line(world.items[0], 8, world.prices[world.items[0]])
    [exc] = book(flows, invoice, as_invoiced(world, l0=over))
    done = flows.finance.post(
        f"/invoice-exceptions/{exc['id']}/override",
        json={"resolution": "reissue", "reason": "the customer booked 8"},
    )
    assert done.status_code == 200, done.text
    corrected_id = done.json()["result"]["corrected_invoice_id"]
    page = f"/web/invoices/{corrected_id}"
    action = f"{page}/abandon-reissue"
    chinese = person("finance", locale="zh")
    shown = chinese.page(page)
    assert "放弃重开" in text_of(shown) and f'action="{page}/discard"' not in shown
    refused = chinese.submit(page, action, {"reason": ""})
    assert refused.status_code == 422
    assert error_next_to(refused.text, "reason")
    finance = person("finance")
    given_up = finance.submit(page, action, {"reason": "the customer keeps the invoice"})
    assert given_up.status_code == 303, text_of(given_up.text)[:300]
    after = text_of(finance.page(given_up.headers["location"]))
    assert "The reissue is abandoned" in after and "Discarded" in after
    original = flows.finance.get(f"/invoices/{invoice['id']}").json()
    assert original["replaced_by_id"] is None


def test_r16_a_price_mismatch_is_confirmed_on_its_page_by_hq_as_the_rules_say(
    flows: Flows, person: People
) -> None:
    world = flows.world
    invoice = flows.issued_invoice(flows.receipted_order()["id"])
    lower = world.prices[world.items[1]] - Decimal("50.00")
    [exc] = book(flows, invoice, as_invoiced(world, l1=booked_line(world.items[1], 5, lower)))
    page = f"/web/exceptions/{exc['id']}"
    finance, hq = person("finance"), person("hq")
    scan = ("agreement.pdf", b"%PDF-1.4 contract price agreement", "application/pdf")
    attached = finance.submit(
        page, f"{page}/evidence", {"kind": "contract_price_agreement"}, files={"file": scan}
    )
    assert attached.status_code == 303
    shown = finance.page(page)
    assert f"{page}/confirm" not in shown
    assert "The decided resolution is confirmed by HQ business dept." in text_of(shown)
    done = hq.submit(page, f"{page}/confirm")
    assert done.status_code == 303
    resolved = text_of(hq.page(done.headers["location"]))
    assert "Correct to the contract price" in resolved and hq.username in resolved
    assert "customer corrects its booking" in resolved  # R16: the invoice already had it right


def test_r18_a_refused_reason_is_shown_next_to_it_in_english_and_chinese(
    flows: Flows, person: People
) -> None:
    exc = over_tolerance(flows, flows.issued_invoice(flows.receipted_order()["id"]))
    page = f"/web/exceptions/{exc['id']}"
    for locale, words in (("en", "at least 10 character"), ("zh", "至少需要 10 个字符")):
        finance = person("finance", locale=locale)
        refused = finance.submit(
            page, f"{page}/override", {"resolution": "accept_rounding", "reason": "ok"}
        )
        assert refused.status_code == 422
        area = refused.text.split('name="reason"', 1)[1]
        assert area.split("</textarea>", 1)[0].endswith(">ok")  # what was typed is kept
        assert words in area.split('class="field-error">', 1)[1].split("</span>", 1)[0]
    assert flows.finance.get(f"/invoice-exceptions/{exc['id']}").json()["state"] == "open"


def test_r14_r17_the_queue_filters_by_state_kind_and_customer_and_counts_each_kind(
    flows: Flows, person: People
) -> None:
    world = flows.world
    invoice = flows.issued_invoice(flows.receipted_order()["id"])
    found = book(
        flows,
        invoice,
        as_invoiced(
            world,
            l0=booked_line(world.items[0], 8, world.prices[world.items[0]]),
            l1=booked_line(world.items[1], 5, world.prices[world.items[1]], tax_shift="0.10"),
        ),
    )
    ids = sorted(e["id"] for e in found)
    finance = person("finance")
    queue = f"/web/exceptions?customer={world.customer}"
    shown = finance.page(queue)
    assert all(f'href="/web/exceptions/{i}"' in shown for i in ids)
    words = text_of(shown)
    assert "More invoiced than received (R15) : 1" in words
    assert "Tax difference : 1" in words
    assert "0 days" in words and invoice["invoice_no"] in words
    over = next(e for e in found if e["kind"] == "quantity_over_invoiced")
    assert f"{Decimal(over['total_difference']):,.2f}" in words  # its amount
    by_kind = finance.page(f"{queue}&kind=tax_difference")
    assert [i for i in ids if f'href="/web/exceptions/{i}"' in by_kind] == [
        e["id"] for e in found if e["kind"] == "tax_difference"
    ]
    older = finance.page(f"{queue}&before={ids[1]}")  # the next page starts after the last id
    assert f'href="/web/exceptions/{ids[0]}"' in older
    assert f'href="/web/exceptions/{ids[1]}"' not in older
    nothing = text_of(finance.page(f"{queue}&state=resolved"))
    assert "Nothing here." in nothing
    assert text_of(finance.page("/web/exceptions?customer=NO-SUCH")).count("Nothing here.") == 2
    chinese = text_of(person("finance", locale="zh").page(queue))
    assert "开票数量多于实收（R15） : 1" in chinese and "0 天" in chinese


def test_r13_an_invoice_is_issued_sent_and_signed_from_its_page(
    flows: Flows, person: People
) -> None:
    invoice = flows.invoice(flows.receipted_order()["id"])
    page = f"/web/invoices/{invoice['id']}"
    finance, sales = person("finance"), person("sales")
    shown = text_of(finance.page(page))
    assert "Draft" in shown and invoice["invoice_no"] in shown
    fapiao = unique_fapiao()
    issued = finance.submit(
        page, f"{page}/issue", {"fapiao_no": fapiao, "fapiao_date": str(flows.today)}
    )
    assert issued.status_code == 303
    shown = text_of(finance.page(issued.headers["location"]))
    assert "the invoice is issued" in shown and fapiao in shown
    sent = finance.submit(page, f"{page}/send", {"tracking_no": "SF1234567"})
    assert sent.status_code == 303
    assert "SF1234567" in text_of(finance.page(page))
    signed = sales.submit(page, f"{page}/sign", {"signed_by": "Ms Wang, receiving desk"})
    assert signed.status_code == 303
    after = flows.finance.get(f"/invoices/{invoice['id']}").json()
    assert (after["state"], after["fapiao_no"], after["signed_by"]) == (
        "signed",
        fapiao,
        "Ms Wang, receiving desk",
    )
    assert after["sent_on"] == after["signed_on"] == str(flows.today)
    shown = text_of(sales.page(page))
    assert "Signed for" in shown and "Ms Wang, receiving desk" in shown


def test_r9_finance_makes_the_invoice_from_the_order_panel_once(
    flows: Flows, person: People
) -> None:
    order = flows.receipted_order(
        received=[{"line_no": 1, "received_qty": 7}, {"line_no": 2, "received_qty": 5}]
    )
    order_page = f"/web/orders/{order['id']}"
    assert "/web/invoices" not in [f.action for f in forms_of(person("logistics").page(order_page))]
    finance = person("finance")
    assert "No invoice yet." in text_of(finance.page(order_page))
    form = finance.form(order_page, "/web/invoices")
    made = finance.send(form)
    again = finance.send(form)  # a double click makes one invoice
    assert made.status_code == again.status_code == 303
    assert made.headers["location"] == again.headers["location"]
    with flows.backend.db.read() as session:
        assert session.scalar(select(func.count()).where(Invoice.order_id == order["id"])) == 1
    invoice_page = made.headers["location"].split("?")[0]
    shown = text_of(finance.page(made.headers["location"]))
    assert "The invoice is made as a draft." in shown
    assert f"{flows.world.items[0]} model {flows.world.items[0]} 7" in shown  # R9: received
    assert order["receipt_no"] in shown  # R10
    panel = finance.page(order_page)
    assert f'href="{invoice_page}"' in panel
    assert "/web/invoices" not in [f.action for f in forms_of(panel)]


def test_r9_an_invoice_refused_by_the_use_case_is_explained_on_the_page(
    flows: Flows, person: People
) -> None:
    order = flows.shipped_order()  # not yet receipted
    finance = person("finance")
    page = f"/web/invoices/new?order_id={order['id']}"
    assert "/web/invoices" not in [f.action for f in forms_of(finance.page(page))]
    shown = finance.page(f"/web/orders/{order['id']}")
    refused = finance.http.post(
        "/web/invoices",
        data={
            "csrf": dict(forms_of(shown)[0].fields)["csrf"],
            "form_key": unique("key"),
            "order_id": str(order["id"]),
        },
    )
    assert refused.status_code == 409
    assert "order in state 'shipped' cannot 'invoice'" in html.unescape(text_of(refused.text))
    assert flows.finance.get("/invoices", params={"order_id": order["id"]}).json() == []


def test_r13_a_refused_fapiao_is_shown_next_to_its_field_in_english_and_chinese(
    flows: Flows, person: People
) -> None:
    invoice = flows.invoice(flows.receipted_order()["id"])
    page = f"/web/invoices/{invoice['id']}"
    tomorrow = str(flows.today + timedelta(days=1))
    fapiao = unique_fapiao()
    for locale, words in (("en", "is in the future"), ("zh", "晚于今天")):
        finance = person("finance", locale=locale)
        refused = finance.submit(
            page, f"{page}/issue", {"fapiao_no": fapiao, "fapiao_date": tomorrow}
        )
        assert refused.status_code == 422
        assert words in error_next_to(refused.text, "fapiao_date")
        assert f'value="{fapiao}"' in refused.text  # what was typed is kept
        bad = finance.submit(page, f"{page}/issue", {"fapiao_no": "12", "fapiao_date": tomorrow})
        assert bad.status_code == 422
        assert error_next_to(bad.text, "fapiao_no")
    assert flows.finance.get(f"/invoices/{invoice['id']}").json()["state"] == "draft"


def test_r14_a_booking_sent_twice_is_recorded_once_and_opens_its_exceptions(
    flows: Flows, person: People
) -> None:
    world = flows.world
    invoice = flows.issued_invoice(flows.receipted_order()["id"])
    page = f"/web/invoices/{invoice['id']}"
    finance = person("finance")
    form = finance.form(page, f"{page}/booking")
    prefilled = dict(form.fields)
    assert prefilled["lines[0].item_code"] == world.items[0]
    assert prefilled["lines[0].quantity"] == "10"
    eight = booked_line(world.items[0], 8, world.prices[world.items[0]])  # two fewer booked
    fill = {
        "reference": unique("BK"),
        "lines[0].quantity": "8",
        "lines[0].amount": str(eight["amount"]),
        "lines[0].tax": str(eight["tax"]),
    }
    first = finance.send(form, fill)
    again = finance.send(form, fill)
    assert first.status_code == again.status_code == 303
    with flows.backend.db.read() as session:
        bookings = session.scalar(
            select(func.count()).select_from(Booking).where(Booking.invoice_id == invoice["id"])
        )
    assert bookings == 1
    shown = text_of(finance.page(first.headers["location"]))
    assert "booking is recorded." in shown
    assert "Disputed" in shown and "More invoiced than received (R15)" in shown
    assert f"{page}/booking" not in finance.page(page)  # a booking is recorded once


def test_r12_a_booking_line_refused_is_shown_next_to_its_input(
    flows: Flows, person: People
) -> None:
    invoice = flows.issued_invoice(flows.receipted_order()["id"])
    page = f"/web/invoices/{invoice['id']}"
    finance = person("finance")
    refused = finance.submit(
        page, f"{page}/booking", {"reference": "BK-1", "lines[1].quantity": "-3"}
    )
    assert refused.status_code == 422
    assert "must be at least 0" in error_next_to(refused.text, "lines[1].quantity")
    assert 'value="-3"' in refused.text


def test_r10_the_printout_shows_the_buyer_the_lines_the_remark_references_and_the_sales_list(
    backend: Backend, flows: Flows, person: People
) -> None:
    # On-invoice discounts give every goods line its discount line: 5 models make 10 lines,
    # more than the 8 a paper VAT invoice holds.
    today = business_date(backend.settings.tz)
    world = make_world(
        backend.db,
        today=today,
        discount_mode="on_invoice",
        discount_rate="0.02",
        tax_no="91310114MA1HDQ001L",
    )
    with Flows(backend, world) as discounted:
        order = discounted.receipted_order(
            lines=[(0, 10), (1, 5), (2, 3), (3, 2), (4, 1)], discount_order_no=unique("FY")
        )
        invoice = discounted.issued_invoice(order["id"])
    small = flows.invoice(flows.receipted_order()["id"])
    assert invoice["sales_list"] and len(invoice["lines"]) == 10
    finance = person("finance")
    shown = text_of(finance.page(f"/web/invoices/{invoice['id']}/print"))
    assert "VAT special invoice" in shown
    assert "(see the attached sales list)" in shown and "Sales list" in shown
    assert f"Attached to invoice {invoice['invoice_no']}, fapiao {invoice['fapiao_no']}" in shown
    for code in world.items[:5]:
        assert code in shown
    assert invoice["remark"] in shown
    assert order["receipt_no"] in shown and order["customer_po_no"] in shown
    assert order["discount_order_no"] in shown
    assert world.customer in shown and "Buyer" in shown and "Seller" in shown
    # The buyer's taxpayer number, on the invoice and on its sales list.
    assert shown.count("Taxpayer no.: 91310114MA1HDQ001L") == 2
    chinese = text_of(person("finance", locale="zh").page(f"/web/invoices/{invoice['id']}/print"))
    assert "销货清单" in chinese and "（详见销货清单）" in chinese and "价税合计" in chinese
    assert "纳税人识别号: 91310114MA1HDQ001L" in chinese
    plain = text_of(finance.page(f"/web/invoices/{small['id']}/print"))
    assert "Sales list" not in plain and flows.world.items[0] in plain
    # A buyer without a recorded number, like a seller without one set: a dash.
    assert plain.count("Taxpayer no.: —") == 2
    assert "has no fapiao number yet" in plain  # a draft is not a fapiao


def test_an_invoice_step_of_another_role_is_refused(flows: Flows, person: People) -> None:
    invoice = flows.invoice(flows.receipted_order()["id"])
    page = f"/web/invoices/{invoice['id']}"
    logistics = person("logistics")
    shown = logistics.page(page)
    assert f"{page}/issue" not in shown and f"{page}/booking" not in shown
    finance_form = person("finance").form(page, f"{page}/issue")
    csrf = dict(forms_of(shown)[0].fields)["csrf"]  # logistics' own form token
    refused = logistics.http.post(
        f"{page}/issue",
        data={
            "csrf": csrf,
            "form_key": dict(finance_form.fields)["form_key"],
            "fapiao_no": unique_fapiao(),
            "fapiao_date": str(flows.today),
        },
    )
    assert refused.status_code == 403
    assert "this needs one of the roles: finance" in text_of(refused.text).lower()
    assert flows.finance.get(f"/invoices/{invoice['id']}").json()["state"] == "draft"
    made = logistics.http.post(
        "/web/invoices", data={"csrf": csrf, "form_key": "k", "order_id": invoice["order_id"]}
    )
    assert made.status_code == 403


def test_an_exception_step_of_another_role_is_refused(flows: Flows, person: People) -> None:
    exc = over_tolerance(flows, flows.issued_invoice(flows.receipted_order()["id"]))
    page = f"/web/exceptions/{exc['id']}"
    sales = person("sales")
    shown = sales.page(page)
    assert f"{page}/override" not in shown  # only finance overrides
    assert f"{page}/evidence" in shown  # sales may attach evidence
    refused = sales.http.post(
        f"{page}/override",
        data={
            "csrf": dict(forms_of(shown)[0].fields)["csrf"],
            "form_key": unique("key"),
            "resolution": "accept_rounding",
            "reason": "sales would like this resolved",
        },
    )
    assert refused.status_code == 403
    legal = person("legal")
    assert f"{page}/evidence" not in legal.page(page)
    assert flows.finance.get(f"/invoice-exceptions/{exc['id']}").json()["state"] == "open"


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/web/invoices?before=abc", 422),
        ("/web/invoices?before=0", 422),
        ("/web/invoices?before=99999999999", 422),
        ("/web/invoices?state=DROP%20TABLE", 422),
        (f"/web/invoices?q={'9' * 65}", 422),
        (f"/web/invoices?customer={'C' * 33}", 422),
        ("/web/invoices?q=%00", 422),
        ("/web/invoices/abc", 422),
        ("/web/invoices/0", 422),
        ("/web/invoices/2147483648", 422),
        ("/web/invoices/2147483647", 404),
        ("/web/invoices/2147483647/print", 404),
        ("/web/invoices/new", 422),
        ("/web/invoices/new?order_id=x", 422),
        ("/web/invoices/new?order_id=2147483647", 404),
        ("/web/exceptions?kind=Not-A-Kind", 422),
        ("/web/exceptions?state=%27%3B", 422),
        ("/web/exceptions?before=-1", 422),
        (f"/web/exceptions?customer={'C' * 33}", 422),
        ("/web/exceptions/1.5", 422),
        ("/web/exceptions/2147483647", 404),
        ("/web/attachments/0", 422),
        ("/web/attachments/2147483647", 404),
        ("/web/attachments/2147483647/content", 404),
        ("/web/attachments/1/content?download=perhaps", 422),
    ],
)
def test_bad_query_parameters_are_refused_never_failed(
    person: People, path: str, status: int
) -> None:
    answer = person("finance").get(path)
    assert answer.status_code == status, (path, text_of(answer.text)[:300])
    assert "text/html" in answer.headers["content-type"]


def test_every_link_on_the_finance_pages_leads_to_a_page_without_codes(
    flows: Flows, person: People
) -> None:
    invoice = flows.issued_invoice(flows.receipted_order()["id"])
    exc = over_tolerance(flows, invoice)
    flows.finance.post(
        f"/invoice-exceptions/{exc['id']}/evidence",
        json={"kind": "branch_certificate", "attachment_id": flows.upload_evidence()["id"]},
    )
    for locale in ("en", "zh"):
        finance = person("finance", locale=locale)
        start = [
            "/web/invoices",
            f"/web/invoices/{invoice['id']}",
            f"/web/invoices/{invoice['id']}/print",
            f"/web/invoices/new?order_id={invoice['order_id']}",
            "/web/exceptions",
            f"/web/exceptions/{exc['id']}",
        ]
        seen = set()
        for path in start:
            shown = finance.page(path)
            assert not UNTRANSLATED.search(text_of(shown)), path
            for href in re.findall(r'href="([^"]+)"', shown):
                link = href.replace("&amp;", "&")
                if link.startswith(("/static", "/lang", "#")) or link in seen:
                    continue
                seen.add(link)
                answer = finance.get(link)
                assert answer.status_code == 200, (path, link, answer.status_code)
