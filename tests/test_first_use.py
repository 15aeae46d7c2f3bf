"""What a new user ran into when trying the service, each fixed and kept fixed."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from tests.flows import Flows
from tests.support import Backend, make_world, unique
from tests.test_invoice_exceptions import as_invoiced, book, booked_line


def _same(created: dict[str, Any], read: dict[str, Any]) -> None:
    assert created == read


def test_a_create_answers_with_the_same_normalised_values_a_read_returns(flows: Flows) -> None:
    code, item = unique("NC"), unique("NI")
    created_item = flows.hq.post(
        "/items", json={"code": f" {item} ", "name": " wall unit ", "tax_rate": "0.13"}
    )
    assert created_item.status_code == 201, created_item.text
    [read_item] = [i for i in flows.hq.get("/items").json() if i["code"] == item]
    _same(created_item.json(), read_item)
    assert read_item["tax_rate"] == "0.1300" and read_item["name"] == "wall unit"
    customer = {
        "code": code,
        "name": "  New Chain ",
        "branch": " 上海分部 ",
        "grade": "B",
        "credit_limit": "1000",
        "payment_term_days": 30,
        "settlement_kind": "term_from_receipt",
        "warehouses": [{"code": "DC9", "name": "dc"}],
    }
    created = flows.hq.post("/customers", json=customer)
    assert created.status_code == 201, created.text
    _same(created.json(), flows.hq.get(f"/customers/{code}").json())
    assert created.json()["credit_limit"] == "1000.00" and created.json()["branch"] == "上海分部"
    contract = flows.hq.post(
        "/contracts",
        json={
            "customer_code": code,
            "contract_no": unique("HT"),
            "valid_from": str(flows.today),
            "valid_to": str(flows.today),
            "discount_rate": "0.05",
            "prices": [{"item_code": item, "unit_price": "99"}],
        },
    )
    assert contract.status_code == 201, contract.text
    [read_contract] = flows.hq.get(f"/customers/{code}/contracts").json()
    _same(contract.json(), read_contract)
    assert read_contract["discount_rate"] == "0.0500"
    assert read_contract["prices"] == [{"item_code": item, "unit_price": "99.00"}]


def test_every_document_answers_its_create_as_a_read_shows_it(flows: Flows) -> None:
    order = flows.create_order(note="  rush  ")
    _same(order, flows.order(order["id"]))
    assert order["note"] == "rush"
    approved = flows.hq.post(f"/orders/{order['id']}/approve").json()
    shipment = flows.ship(approved["id"])
    assert shipment.status_code == 201
    _same(shipment.json(), flows.logistics.get(f"/orders/{order['id']}/shipment").json())
    receipt = flows.post_receipt(order["id"], flows.receipt_body(order, note=" signed "))
    assert receipt.status_code == 201
    _same(receipt.json(), flows.logistics.get(f"/orders/{order['id']}/receipt").json())
    invoice = flows.invoice(order["id"])
    _same(invoice, flows.finance.get(f"/invoices/{invoice['id']}").json())
    scan = flows.upload_evidence()
    _same(scan, flows.finance.get(f"/attachments/{scan['id']}").json())


def test_r13_an_invoice_delivery_address_is_never_an_empty_name(
    backend: Backend, flows: Flows
) -> None:
    world = make_world(backend.db, today=flows.today, branch="   ")
    with Flows(backend, world) as blank:
        invoice = blank.invoice(blank.receipted_order()["id"])
    assert invoice["delivery_route"] == "branch"
    assert invoice["delivery_address"] == f"branch finance for customer {world.customer}"
    refused = flows.hq.post(
        "/customers",
        json={
            "code": unique("SC"),
            "name": "Centre Chain",
            "grade": "A",
            "credit_limit": "10",
            "payment_term_days": 30,
            "settlement_kind": "term_from_receipt",
            "invoice_delivery": "settlement_centre",
            "settlement_centre_address": "   ",
        },
    )
    assert refused.status_code == 422
    [error] = refused.json()["errors"]
    assert error["code"] == "customer.settlement_centre_address_required"


def test_r14_r17_an_exception_states_both_sides_as_the_booking_does(flows: Flows) -> None:
    issued = flows.issued_invoice(flows.receipted_order()["id"])
    world = flows.world
    price = world.prices[world.items[0]]
    line = booked_line(world.items[0], 9, price)
    [exc] = book(flows, issued, as_invoiced(world, l0=line))
    money = {
        k: Decimal(v)
        for k, v in exc.items()
        if k.endswith(("_amount", "_tax", "_difference", "_discount"))
    }
    invoiced = next(ln for ln in issued["lines"] if ln["item_code"] == world.items[0])
    assert money["booked_amount"] == Decimal(str(line["amount"]))
    assert money["booked_tax"] == Decimal(str(line["tax"]))
    assert money["invoiced_amount"] == Decimal(invoiced["amount"])
    assert money["invoiced_tax"] == Decimal(invoiced["tax"])
    assert money["amount_difference"] == money["invoiced_amount"] - money["booked_amount"]
    assert money["tax_difference"] == money["invoiced_tax"] - money["booked_tax"]
    assert money["total_difference"] == (
        money["amount_difference"] + money["tax_difference"] - money["discount_difference"]
    )
    # One unit more invoiced than booked: the difference is one unit's price, tax included.
    assert money["total_difference"] == price
