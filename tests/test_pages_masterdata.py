"""HQ's master-data pages (issue #10 item 4): customers, contracts with their price lists and
powers of attorney, added and changed from forms, every change journalled (R27, R28).

Over HTTP, on both databases, as a browser sends it (see `tests.pages`); the API confirms what
the pages booked.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import quote

import pytest
from sqlalchemy import func, select

from service.journal import Event
from tests.flows import Flows
from tests.pages import Person, forms_of, text_of
from tests.support import Backend, unique
from tests.test_payment_terms import receipted_invoice

People = Callable[..., Person]
# A message code on a page means its words are missing.
UNTRANSLATED = re.compile(
    r"\b(masterdata|customer|contract|attorney|power_of_attorney|state|trigger)\.[a-z_]+\b"
)


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


def value_of(shown: str, field: str) -> str:
    """What the input named `field` holds."""
    [form_fields] = [
        dict(f.fields) for f in forms_of(shown) if any(k == field for k, _ in f.fields)
    ][:1]
    return form_fields[field]


def change_rows(shown: str) -> list[str]:
    """The rows of the page's table of changes, in words."""
    table = shown.split('id="changes"', 1)[1].split("</table>", 1)[0]
    return [text_of(row) for row in table.split("<tbody>", 1)[1].split("</tr>") if "<td" in row]


def api(response: Any, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, response.text
    return dict(response.json())


def new_customer(flows: Flows, **overrides: Any) -> dict[str, Any]:
    """A customer without contracts, made through the API."""
    body = {
        "code": unique("PC")[:32],
        "name": "page customer",
        "grade": "B",
        "credit_limit": "100000",
        "payment_term_days": 30,
        "settlement_kind": "term_from_receipt",
        "warehouses": [{"code": "DC1", "name": "main DC"}],
    } | overrides
    return api(flows.hq.post("/customers", json=body), 201)


def test_hq_adds_a_customer_changes_it_and_suspends_it_with_a_reason(
    flows: Flows, person: People
) -> None:
    hq = person("hq")
    assert "/web/customers" in hq.page("/web")  # the menu
    assert 'href="/web/customers/new"' in hq.page("/web/customers")
    code = unique("NC")[:32]
    made = hq.submit(
        "/web/customers/new",
        "/web/customers",
        {
            "code": code,
            "name": "新客户 New Customer",
            "tax_no": "91310114MA1HDQ001L",
            "grade": "A",
            "credit_limit": "250000",
            "payment_term_days": "45",
            "settlement_kind": "monthly_day",
            "settlement_day": "20",
            "return_credit_methods[2]": "next_invoice_deduction",
            "warehouses[0].code": "DC-A",
            "warehouses[0].name": "north DC",
            "warehouses[2].code": "DC-B",  # a blank line between is left out
            "warehouses[2].name": "south DC",
        },
    )
    assert made.status_code == 303, text_of(made.text)[:600]
    page = f"/web/customers/{code}"
    assert made.headers["location"] == f"{page}?done=masterdata.done.customer_created"
    shown = text_of(hq.page(made.headers["location"]))
    assert "The customer is added." in shown
    assert "新客户 New Customer" in shown and "north DC" in shown and "south DC" in shown
    assert "Taxpayer no. 91310114MA1HDQ001L" in shown
    customer = api(flows.sales.get(f"/customers/{code}"))
    assert customer["tax_no"] == "91310114MA1HDQ001L"
    assert [w["code"] for w in customer["warehouses"]] == ["DC-A", "DC-B"]
    assert customer["return_credit_methods"] == ["red_letter", "next_invoice_deduction"]
    assert (customer["settlement_day"], customer["credit_limit"]) == (20, "250000.00")

    # The edit form starts from the customer as it is, with its version.
    edit = hq.form(f"{page}/edit", f"{page}/edit")
    assert ("version", "1") in edit.fields and ("name", "新客户 New Customer") in edit.fields
    assert ("tax_no", "91310114MA1HDQ001L") in edit.fields
    # A malformed taxpayer number is refused next to its input, with what was typed kept.
    refused = hq.send(edit, {"tax_no": "91310114ma1hdq001l"})
    assert refused.status_code == 422
    assert "unified social credit code" in error_next_to(refused.text, "tax_no")
    assert value_of(refused.text, "tax_no") == "91310114ma1hdq001l"
    assert api(flows.sales.get(f"/customers/{code}"))["version"] == 1
    changed = hq.send(
        forms_of(refused.text)[1],
        {"name": "Renamed Customer", "credit_limit": "300000.00", "tax_no": "310114123456789"},
    )
    assert changed.status_code == 303, text_of(changed.text)[:600]
    after = hq.page(changed.headers["location"])
    assert "The customer is changed." in text_of(after)
    rows = change_rows(after)
    assert any(
        hq.username in r and "Name" in r and "新客户 New Customer" in r and "Renamed Customer" in r
        for r in rows
    ), rows
    assert any("Credit limit" in r and "250000.00" in r and "300000.00" in r for r in rows)
    assert any(
        "Taxpayer no." in r and "91310114MA1HDQ001L" in r and "310114123456789" in r for r in rows
    ), rows
    assert api(flows.sales.get(f"/customers/{code}"))["version"] == 2

    suspended = hq.submit(page, f"{page}/suspend", {"reason": "overdue payments"})
    assert suspended.status_code == 303
    after = hq.page(suspended.headers["location"])
    assert "The customer is suspended." in text_of(after)
    assert "Suspended" in text_of(after.split("</h1>")[0])
    assert any("Suspend" in r and "overdue payments" in r for r in change_rows(after))
    assert f'action="{page}/reactivate"' in after and f'action="{page}/suspend"' not in after
    customer = api(flows.sales.get(f"/customers/{code}"))
    assert (customer["state"], customer["version"]) == ("suspended", 3)
    back = hq.submit(page, f"{page}/reactivate", {"reason": "paid up"})
    assert back.status_code == 303
    assert api(flows.sales.get(f"/customers/{code}"))["state"] == "active"
    assert UNTRANSLATED.findall(text_of(hq.page(page))) == []


def test_customers_are_found_by_code_or_name_and_paged_by_key(flows: Flows, person: People) -> None:
    tag = unique("find").lower()
    first = new_customer(flows, code=f"{tag}-a", name="first")
    second = new_customer(flows, code=f"{tag}-b", name=f"second {tag}")
    reader = person("logistics")
    found = reader.page(f"/web/customers?q={tag.upper()}")
    assert first["code"] in found and second["code"] in found
    following = reader.page(f"/web/customers?q={tag}&after={first['code']}")
    assert first["code"] not in text_of(following) and second["code"] in following
    assert "Nothing here." in text_of(reader.page(f"/web/customers?q={unique('none')}"))


def test_r27_hq_edits_a_contract_price_and_the_change_is_journaled(
    flows: Flows, person: People
) -> None:
    world = flows.world
    item, old = world.items[0], world.prices[world.items[0]]
    contract = api(flows.sales.get(f"/contracts/{world.contract}"))
    hq = person("hq")
    page = f"/web/contracts/{world.contract}"
    shown = hq.page(page)
    assert f'href="{page}/edit"' in shown
    assert f"{old:,.2f}" in text_of(shown)
    edit = hq.form(f"{page}/edit", f"{page}/edit")
    fields = dict(edit.fields)
    [line] = [k for k, v in fields.items() if v == item and k.endswith(".item_code")]
    price = line.replace("item_code", "unit_price")
    assert Decimal(fields[price]) == old
    changed = hq.send(edit, {price: "1888.80"})
    assert changed.status_code == 303, text_of(changed.text)[:600]
    assert changed.headers["location"] == f"{page}?done=masterdata.done.contract_changed"
    after = hq.page(changed.headers["location"])
    assert "The contract is changed." in text_of(after)
    prices = after.split('id="prices"', 1)[1].split("</table>", 1)[0]
    row = text_of(prices.split(f'data-item="{item}"', 1)[1].split("</tr>", 1)[0])
    assert "1,888.80" in row
    [price_change] = [r for r in change_rows(after) if f"Price of {item}" in r]
    assert hq.username in price_change and f"{old}" in price_change and "1888.80" in price_change
    assert hq.username in text_of(after.rsplit('id="changes"', 1)[1])  # and the history
    now = api(flows.sales.get(f"/contracts/{world.contract}"))
    assert {p["item_code"]: p["unit_price"] for p in now["prices"]}[item] == "1888.80"
    assert now["version"] == contract["version"] + 1
    assert count(flows.backend, "contract", contract["id"], "update") == 1


def test_r27_hq_adds_a_contract_with_its_price_list(flows: Flows, person: People) -> None:
    customer = new_customer(flows)
    items = flows.world.items
    hq = person("hq", locale="zh")
    page = f"/web/customers/{customer['code']}"
    assert f'href="{page}/contracts/new"' in hq.page(page)
    number = unique("HT-P")
    fill = {
        "contract_no": number,
        "valid_from": str(flows.today),
        "valid_to": str(flows.today.replace(year=flows.today.year + 1)),
        "discount_rate": "0.02",
        "prices[0].item_code": items[0],
        "prices[0].unit_price": "100",
        "prices[2].item_code": unique("no-such-item"),
        "prices[2].unit_price": "300",
    }
    refused = hq.submit(f"{page}/contracts/new", f"{page}/contracts", fill)
    assert refused.status_code == 422
    assert "不存在" in error_next_to(refused.text, "prices[2].item_code")  # the line as shown
    assert value_of(refused.text, "prices[2].item_code") == fill["prices[2].item_code"]
    assert value_of(refused.text, "contract_no") == number
    made = hq.send(
        forms_of(refused.text)[1], {"prices[2].item_code": items[1], "prices[2].unit_price": "300"}
    )
    assert made.status_code == 303, text_of(made.text)[:600]
    assert made.headers["location"].startswith(f"/web/contracts/{quote(number, safe='')}")
    contract = api(flows.sales.get(f"/contracts/{number}"))
    assert [(p["item_code"], p["unit_price"]) for p in contract["prices"]] == sorted(
        [(items[0], "100.00"), (items[1], "300.00")]
    )
    assert (contract["customer_code"], contract["discount_rate"]) == (customer["code"], "0.0200")
    shown = text_of(hq.page(made.headers["location"]))
    assert "合同已新增。" in shown and "价格表" in shown


def test_a_stale_version_is_refused_on_the_page_and_changes_nothing(
    flows: Flows, person: People
) -> None:
    world = flows.world
    hq = person("hq")
    page = f"/web/contracts/{world.contract}"
    edit = hq.form(f"{page}/edit", f"{page}/edit")  # shown at the current version
    contract = api(flows.sales.get(f"/contracts/{world.contract}"))
    someone = contract | {"rebate_terms": "changed by someone else meanwhile"}
    body = {k: someone[k] for k in ("valid_from", "valid_to", "discount_rate", "rebate_terms")}
    body["prices"] = [
        {"item_code": p["item_code"], "unit_price": p["unit_price"]} for p in someone["prices"]
    ]
    etag = f'"{contract["version"]}"'
    api(flows.hq.put(f"/contracts/{world.contract}", json=body, headers={"If-Match": etag}))
    stale = hq.send(edit, {"rebate_terms": "my own terms"})
    assert stale.status_code == 409
    problem = text_of(stale.text.split('class="problem"', 1)[1].split("</p>", 1)[0])
    assert "was changed by someone else" in problem
    assert value_of(stale.text, "rebate_terms") == "my own terms"  # what was typed, kept
    now = api(flows.sales.get(f"/contracts/{world.contract}"))
    assert now["rebate_terms"] == "changed by someone else meanwhile"
    assert now["version"] == contract["version"] + 1


@pytest.mark.parametrize(
    ("locale", "words"), [("en", "must be a decimal number"), ("zh", "须为十进制数")]
)
def test_a_refused_field_is_shown_next_to_it_in_the_readers_language_keeping_what_was_typed(
    flows: Flows, person: People, locale: str, words: str
) -> None:
    customer = new_customer(flows)
    hq = person("hq", locale=locale)
    page = f"/web/customers/{customer['code']}"
    refused = hq.submit(f"{page}/edit", f"{page}/edit", {"credit_limit": "lots", "name": "kept"})
    assert refused.status_code == 422
    assert error_next_to(refused.text, "credit_limit") == words
    assert value_of(refused.text, "credit_limit") == "lots"
    assert value_of(refused.text, "name") == "kept"
    assert api(flows.sales.get(f"/customers/{customer['code']}"))["version"] == 1


def test_logistics_reads_master_data_but_may_not_change_it(flows: Flows, person: People) -> None:
    world = flows.world
    hq, logistics = person("hq"), person("logistics")
    customer_page = f"/web/customers/{world.customer}"
    contract_page = f"/web/contracts/{world.contract}"
    assert "/web/customers" in logistics.page("/web")  # reads, as the API lets everyone read
    for page in ("/web/customers", customer_page, contract_page):
        shown = logistics.page(page)
        assert "/edit" not in shown and "/new" not in shown
        assert [f.action for f in forms_of(shown) if f.method == "post"] == ["/logout"]
    assert logistics.get("/web/customers/new").status_code == 403
    assert logistics.get(f"{contract_page}/edit").status_code == 403
    # A form of HQ's sent by logistics: refused by role, nothing changed.
    edit = hq.form(f"{contract_page}/edit", f"{contract_page}/edit")
    refused = logistics.send(edit, {"rebate_terms": "by logistics"})
    assert refused.status_code == 403
    suspend = hq.form(customer_page, f"{customer_page}/suspend")
    assert logistics.send(suspend, {"reason": "by logistics"}).status_code == 403
    assert api(flows.sales.get(f"/customers/{world.customer}"))["state"] == "active"
    assert api(flows.sales.get(f"/contracts/{world.contract}"))["rebate_terms"] != "by logistics"


def test_a_resent_form_books_once(flows: Flows, person: People) -> None:
    world = flows.world
    contract = api(flows.sales.get(f"/contracts/{world.contract}"))
    hq = person("hq")
    page = f"/web/contracts/{world.contract}"
    edit = hq.form(f"{page}/edit", f"{page}/edit")
    first = hq.send(edit, {"discount_rate": "0.05"})
    again = hq.send(edit, {"discount_rate": "0.05"})  # a double click, a reload
    assert first.status_code == again.status_code == 303
    assert first.headers["location"] == again.headers["location"]
    assert count(flows.backend, "contract", contract["id"], "update") == 1
    now = api(flows.sales.get(f"/contracts/{world.contract}"))
    assert now["version"] == contract["version"] + 1

    customer_page = f"/web/customers/{world.customer}"
    record = hq.form(customer_page, f"{customer_page}/attorneys")
    fill = {"attorney_name": "李雷", "phone": "139 0000 0002", "scope[0]": "reconcile"}
    assert hq.send(record, fill).status_code == hq.send(record, fill).status_code == 303
    listed = flows.sales.get(f"/customers/{world.customer}/powers-of-attorney").json()
    assert [a["attorney_name"] for a in listed] == ["李雷"]


def test_r28_hq_records_replaces_and_revokes_a_power_of_attorney_from_the_pages(
    flows: Flows, person: People
) -> None:
    world = flows.world
    contract = api(flows.sales.get(f"/contracts/{world.contract}"))
    hq = person("hq")
    customer_page = f"/web/customers/{world.customer}"
    action = f"{customer_page}/attorneys"
    beyond = hq.submit(
        customer_page,
        action,
        {
            "attorney_name": "韩梅梅",
            "id_number": "110101199001011234",
            "scope[1]": "collect",
            "valid_to": "2099-12-31",
        },
    )
    assert beyond.status_code == 422
    assert "no longer than its contract" in error_next_to(beyond.text, "valid_to")
    assert value_of(beyond.text, "attorney_name") == "韩梅梅"
    made = hq.send(
        next(f for f in forms_of(beyond.text) if f.action == action),
        {"valid_to": contract["valid_to"]},
    )
    assert made.status_code == 303, text_of(made.text)[:600]
    first_page = made.headers["location"].split("?")[0]
    first = api(flows.sales.get(f"/powers-of-attorney/{first_page.rsplit('/', 1)[1]}"))
    assert (first["scope"], first["contract_no"]) == (["collect"], world.contract)
    assert "韩梅梅" in text_of(hq.page(customer_page))

    replaced = hq.submit(
        first_page,
        f"{first_page}/replace",
        {"attorney_name": "王强", "phone": "137 0000 0003", "reason": "she left the company"},
    )
    assert replaced.status_code == 303, text_of(replaced.text)[:600]
    successor_page = replaced.headers["location"].split("?")[0]
    successor = hq.page(replaced.headers["location"])
    assert "王强" in text_of(successor) and "Valid" in text_of(successor.split("</h1>")[0])
    old = hq.page(first_page)
    assert "Revoked" in text_of(old.split("</h1>")[0])
    assert f'href="{successor_page}"' in old and "she left the company" in text_of(old)
    assert any("Replace" in r and hq.username in r for r in change_rows(old))

    revoked = hq.submit(successor_page, f"{successor_page}/revoke", {"reason": "contract ended"})
    assert revoked.status_code == 303
    assert "The power of attorney is revoked." in text_of(hq.page(revoked.headers["location"]))
    listed = flows.sales.get(f"/customers/{world.customer}/powers-of-attorney").json()
    assert sorted((a["attorney_name"], a["state"]) for a in listed) == [
        ("王强", "revoked"),
        ("韩梅梅", "revoked"),
    ]


def test_an_unknown_or_unbounded_address_is_a_page_never_a_server_error(
    flows: Flows, person: People
) -> None:
    reader = person("sales")
    for path, status in (
        (f"/web/customers/{unique('C')}", 404),
        (f"/web/customers/{unique('C')}/edit", 403),  # sales may not edit at all
        (f"/web/contracts/{unique('HT')}", 404),
        ("/web/attorneys/999999999", 404),
        ("/web/attorneys/0", 422),
        ("/web/attorneys/99999999999999999999", 422),
        (f"/web/customers/{'C' * 40}", 422),
        (f"/web/contracts/{'H' * 80}", 422),
        ("/web/customers?after=" + "z" * 40, 422),
    ):
        answer = reader.get(path)
        assert answer.status_code == status, (path, answer.status_code)
        assert "<html" in answer.text
    hq = person("hq")
    assert hq.get(f"/web/customers/{unique('C')}/edit").status_code == 404
    assert hq.get(f"/web/contracts/{unique('HT')}/edit").status_code == 404


def test_r19_finance_previews_and_adds_payment_terms_on_the_customer_page(
    flows: Flows, person: People
) -> None:
    code = flows.world.customer
    page = f"/web/customers/{quote(code, safe='')}"
    received = flows.today - timedelta(days=2)
    invoice = receipted_invoice(flows, received)
    finance = person("finance")
    shown = finance.page(page)
    section = text_of(shown.split('id="terms"', 1)[1].split("</section>", 1)[0])
    assert "Payment terms" in text_of(shown) and "from the start" in section
    assert "Receipt date + days" in section and "In force today" in section

    # A refusal is shown next to its input, with what was typed kept.
    action = f"{page}/terms/preview"
    refused = finance.submit(page, action, {"basis": "receipt", "days": "30", "day_of_month": "32"})
    assert refused.status_code == 422
    assert error_next_to(refused.text, "day_of_month")
    assert value_of(refused.text, "day_of_month") == "32"

    # The preview says what would move and changes nothing.
    fill = {"effective_from": str(received), "basis": "month_end", "days": "30", "note": "月结"}
    preview = finance.submit(page, action, fill)
    assert preview.status_code == 200, text_of(preview.text)[:600]
    moved = text_of(preview.text.split('id="moved"', 1)[1].split("</p>", 1)[0])
    assert "1" in moved, moved
    assert invoice["invoice_no"] in preview.text
    assert api(flows.finance.get(f"/invoices/{invoice['id']}"))["due_date"] == invoice["due_date"]
    assert len(api_list(flows.sales.get(f"/customers/{code}/terms"))) == 1

    # Confirming adds the version; the invoice is re-dated; the change is in the table.
    [confirm] = [f for f in forms_of(preview.text) if f.action == f"{page}/terms"]
    added = finance.send(confirm)
    assert added.status_code == 303, text_of(added.text)[:600]
    after = finance.page(added.headers["location"])
    assert "open invoices were re-dated" in text_of(after)
    assert any("Payment terms" in r and "month_end" in r for r in change_rows(after)), change_rows(
        after
    )
    versions = api_list(flows.sales.get(f"/customers/{code}/terms"))
    assert (versions[0]["basis"], versions[0]["note"]) == ("month_end", "月结")
    assert api(flows.finance.get(f"/invoices/{invoice['id']}"))["due_date"] != invoice["due_date"]
    assert UNTRANSLATED.findall(text_of(after)) == []
    # In Chinese, and the invoice page shows its dates.
    chinese = person("finance", locale="zh")
    assert "账期条款" in text_of(chinese.page(page))
    invoice_page = text_of(chinese.page(f"/web/invoices/{invoice['id']}"))
    assert "账期起算日" in invoice_page and str(received) in invoice_page
    # Sales reads the terms and gets no form.
    assert f'action="{action}"' not in person("sales").page(page)


def api_list(response: Any) -> list[Any]:
    assert response.status_code == 200, response.text
    return list(response.json())
