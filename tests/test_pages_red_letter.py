"""R24 (a) on the pages: the blue invoice's use confirmation, a red-letter form made from the
invoice's page (or from a return), its 72-hour clock, its steps, the red invoice and the form's
printout.

Over HTTP, on both databases, as a browser sends it (see `tests.pages`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from sqlalchemy import func, select

from service.invoices.redletter.models import RedLetterForm
from tests.flows import Flows
from tests.pages import Person, text_of
from tests.support import Backend, make_world, unique, unique_fapiao
from tests.test_pages_finance import UNTRANSLATED, error_next_to
from tests.test_red_letter import blue_invoice, form, make_return, step

People = Callable[..., Person]
NEW = "/web/red-letter-forms"


def forms_of(backend: Backend, invoice_id: int) -> int:
    with backend.db.read() as session:
        found = session.scalar(
            select(func.count())
            .select_from(RedLetterForm)
            .where(RedLetterForm.blue_invoice_id == invoice_id)
        )
    return int(found or 0)


def made(answer: Any) -> str:
    """The form's page a made form leads to."""
    assert answer.status_code == 303, text_of(answer.text)[:600]
    location = str(answer.headers["location"])
    assert re.fullmatch(r"/web/red-letter-forms/\d+\?done=.+", location), location
    return location.split("?", 1)[0]


def test_r24a_finance_makes_a_red_letter_form_from_the_invoice_page(
    flows: Flows, person: People
) -> None:
    blue = blue_invoice(flows)
    finance = person("finance")
    invoice_page = f"/web/invoices/{blue['id']}"
    shown = finance.page(invoice_page)
    new = f"{NEW}/new?invoice={blue['id']}"
    assert f'href="{new}"' in shown
    assert "Not confirmed: a form needs no confirmation" in text_of(shown)
    sheet = finance.page(new)
    assert "Quantity left" in text_of(sheet)
    page = made(finance.submit(new, NEW, {"reason": "sales_return", "lines[0].quantity": "3"}))
    about = text_of(finance.page(f"{page}?done=invoices.red_letter.done.create"))
    assert "The red-letter form is entered." in about
    assert "Entered" in about and "Sales return" in about and blue["invoice_no"] in about
    assert "-3" in about
    # The invoice's page lists it, and its line now holds 3 less.
    listed = finance.page(invoice_page)
    assert f'href="{page}"' in listed
    assert re.search(r">\s*7\s*</td>", finance.page(new))  # 10 - 3 left on line 1
    assert not UNTRANSLATED.search(text_of(finance.page(page)))


def test_r24a_the_72_hour_clock_is_shown_in_both_languages(flows: Flows, person: People) -> None:
    blue = blue_invoice(flows)
    made_form = form(flows, blue, [(0, 1)])
    finance = person("finance")
    page = f"{NEW}/{made_form['id']}"
    platform = unique("PT").replace("-", "")[:32]
    sent = finance.submit(page, f"{page}/submit", {"platform_no": platform})
    assert sent.status_code == 303, text_of(sent.text)[:600]
    shown = text_of(finance.page(page))
    assert re.search(
        r"7[12]\.\d h left · voids at \d{4}-\d\d-\d\d \d\d:\d\d \(Asia/Shanghai\)", shown
    )
    assert "Seller entered, awaiting the buyer" in shown
    assert platform in shown
    listed = text_of(finance.page(f"{NEW}?state=awaiting_buyer&customer={flows.world.customer}"))
    assert made_form["form_no"] in listed and "h left" in listed
    chinese = text_of(person("finance", locale="zh").page(page))
    assert re.search(r"剩余 7[12]\.\d 小时", chinese)
    assert "销方录入待购方确认" in chinese
    # Confirmed in time: the clock stops; the red invoice's form shows.
    confirmed = finance.submit(page, f"{page}/confirm")
    assert confirmed.status_code == 303
    after = finance.page(page)
    assert "h left" not in text_of(after)
    assert f'action="{page}/red-invoice"' in after


def test_r24a_more_than_a_line_holds_is_refused_next_to_the_field_in_both_languages(
    flows: Flows, person: People, backend: Backend
) -> None:
    blue = blue_invoice(flows)
    new = f"{NEW}/new?invoice={blue['id']}"
    for locale, words in (("en", "still holds"), ("zh", "剩余可冲红数量")):
        reader = person("finance", locale=locale)
        refused = reader.submit(new, NEW, {"reason": "sales_return", "lines[1].quantity": "999"})
        assert refused.status_code == 409, text_of(refused.text)[:400]
        assert words in error_next_to(refused.text, "lines[1].quantity") or words in text_of(
            refused.text
        )
        assert re.search(r'name="lines\[1\]\.quantity" value="999"', refused.text)
    assert forms_of(backend, blue["id"]) == 0
    # A refused input: not a number, shown next to its field, the rest kept.
    typo = person("finance").submit(
        new, NEW, {"reason": "sales_return", "lines[0].quantity": "two", "lines[1].quantity": "1"}
    )
    assert typo.status_code == 422
    assert error_next_to(typo.text, "lines[0].quantity")
    assert re.search(r'name="lines\[1\]\.quantity" value="1"', typo.text)


def test_r24a_a_resent_form_books_once(flows: Flows, person: People, backend: Backend) -> None:
    blue = blue_invoice(flows)
    finance = person("finance")
    new = f"{NEW}/new?invoice={blue['id']}"
    shown = finance.form(new, NEW)
    fill = {"reason": "issuing_error", "lines[0].quantity": "1"}
    first, second = finance.send(shown, fill), finance.send(shown, fill)
    assert made(first) == made(second)
    assert forms_of(backend, blue["id"]) == 1


def test_r24a_logistics_is_refused(flows: Flows, person: People) -> None:
    blue = blue_invoice(flows)
    made_form = form(flows, blue, [(0, 1)])
    logistics = person("logistics")
    assert logistics.get(f"{NEW}/new", invoice=blue["id"]).status_code == 403
    invoice_page = logistics.page(f"/web/invoices/{blue['id']}")
    assert f"{NEW}/new" not in invoice_page and "use-confirmation" not in invoice_page
    page = f"{NEW}/{made_form['id']}"
    shown = logistics.page(page)  # anyone reads, as the API's GET
    assert f"{page}/submit" not in shown
    assert f'href="{NEW}"' not in logistics.page("/web")  # not in the menu
    forged = logistics.http.post(f"{page}/revoke", data={"reason": "x"})
    assert forged.status_code == 403


def test_r24a_finance_confirms_use_then_records_the_buyers_form_and_denies(
    flows: Flows, person: People
) -> None:
    blue = blue_invoice(flows)
    finance = person("finance")
    invoice_page = f"/web/invoices/{blue['id']}"
    action = f"{invoice_page}/use-confirmation"
    future = finance.submit(invoice_page, action, {"confirmed_on": "2099-01-01"})
    assert future.status_code == 422
    assert error_next_to(future.text, "confirmed_on")
    done = finance.submit(invoice_page, action, {"confirmed_on": str(flows.today)})
    assert done.status_code == 303
    made_form = form(flows, blue, [(1, 1)])
    page = f"{NEW}/{made_form['id']}"
    shown = finance.page(page)
    assert f"{page}/skip-confirmation" not in shown  # the buyer confirmed use
    bad = finance.submit(
        page,
        f"{page}/receive-from-buyer",
        {"platform_no": "not a number!", "initiated_at": "2026-01-01T10:00"},
    )
    assert bad.status_code == 422
    assert error_next_to(bad.text, "platform_no")
    platform = unique("B").replace("-", "")[:32]
    received = finance.submit(
        page,
        f"{page}/receive-from-buyer",
        {"platform_no": platform, "initiated_at": f"{flows.today}T00:00"},
    )
    assert received.status_code == 303, text_of(received.text)[:600]
    assert "Buyer" in text_of(finance.page(page))
    sales = person("sales")
    denied = sales.submit(page, f"{page}/deny", {"reason": "the buyer disagrees"})
    assert denied.status_code == 303, text_of(denied.text)[:600]
    after = text_of(finance.page(page))
    assert "deny: the buyer disagrees" in after and "Void" in after


def test_r24a_the_red_invoice_from_the_forms_page_and_the_printout_with_the_buyers_tax_number(
    backend: Backend, flows: Flows, person: People
) -> None:
    world = make_world(backend.db, today=flows.today, tax_no="91310114MA1HDQ001L")
    with Flows(backend, world) as taxed:
        blue = blue_invoice(taxed)
        made_form = form(taxed, blue, [(0, 2)])
    finance = person("finance")
    page = f"{NEW}/{made_form['id']}"
    skipped = finance.submit(page, f"{page}/skip-confirmation")
    assert skipped.status_code == 303
    fapiao = unique_fapiao()
    issued = finance.submit(
        page, f"{page}/red-invoice", {"fapiao_no": fapiao, "fapiao_date": str(flows.today)}
    )
    assert issued.status_code == 303, text_of(issued.text)[:600]
    red_page = issued.headers["location"].split("?", 1)[0]
    assert re.fullmatch(r"/web/invoices/\d+", red_page)
    red = text_of(finance.page(red_page))
    assert "Red" in red and fapiao in red and blue["invoice_no"] in red
    assert "Red invoice" in text_of(finance.page(page)) or red_page in finance.page(page)
    assert red_page in finance.page(f"/web/invoices/{blue['id']}")
    for locale, words, buyer in (
        (
            "en",
            ["Red-letter invoice information confirmation form", "2 销货退回 (Sales return)"],
            "Taxpayer no.: 91310114MA1HDQ001L",
        ),
        ("zh", ["红字发票信息确认单", "2 销货退回"], "纳税人识别号: 91310114MA1HDQ001L"),
    ):
        printed = text_of(person("finance", locale=locale).page(f"{page}/print"))
        for word in words:
            assert word in printed, (locale, word)
        assert made_form["form_no"] in printed and blue["fapiao_no"] in printed
        assert f"-{made_form['total']}" in printed.replace(",", "")
        assert buyer in printed, locale  # the buyer's taxpayer number, no longer a dash


def test_r24a_a_form_from_a_return_is_one_button(
    flows: Flows, person: People, backend: Backend
) -> None:
    blue = blue_invoice(flows)
    return_id, return_no = make_return(backend, blue, [(0, 2)], "red_letter")
    finance = person("finance")
    new = f"{NEW}/new?return={return_id}"
    assert return_no in text_of(finance.page(new))
    page = made(finance.submit(new, NEW))
    shown = text_of(finance.page(page))
    assert return_no in shown and "Sales return" in shown
    again = finance.submit(new, NEW)
    assert again.status_code == 409
    assert return_no in text_of(again.text)


def test_r24a_bad_ids_and_values_are_pages_not_errors(flows: Flows, person: People) -> None:
    finance = person("finance")
    assert finance.get(f"{NEW}/999999999").status_code == 404
    assert finance.get(f"{NEW}/999999999/print").status_code == 404
    assert finance.get(f"{NEW}/new", invoice=999999999).status_code == 404
    assert finance.get(f"{NEW}/new", **{"return": "999999999"}).status_code == 404
    assert finance.get(f"{NEW}/new", invoice="abc").status_code == 422
    assert finance.get(f"{NEW}/new").status_code in (400, 422)
    assert finance.get(NEW, state="NOT-A-STATE").status_code == 422
    assert finance.get(f"{NEW}/abc").status_code == 422
    made_form = form(flows, blue_invoice(flows), [(0, 1)])
    # A step the state does not allow: refused on the page, no 5xx.
    page = f"{NEW}/{made_form['id']}"
    assert step(flows, made_form["id"], "skip-confirmation").status_code == 200
    late = finance.submit(page, f"{page}/revoke", {"reason": "typo"})
    assert late.status_code == 303
    stale = finance.http.post(f"{page}/confirm", data={"csrf": "", "form_key": "x"})
    assert stale.status_code == 403
