"""Sales and HQ: orders from customer POs (R1-R4), refusals that change nothing."""

from __future__ import annotations

import threading
from datetime import timedelta
from decimal import Decimal

from tests.flows import Flows
from tests.support import Backend, make_world, unique


def _problem_field(response: object) -> str:
    body = response.json()  # type: ignore[attr-defined]
    return str(body["errors"][0]["field"])


def test_r1_order_carries_customer_po_and_receiving_dc(flows: Flows) -> None:
    body = flows.order_body(dc_code=flows.world.other_dc)
    response = flows.sales.post("/orders", json=body)
    assert response.status_code == 201, response.text
    order = response.json()
    assert order["customer_po_no"] == body["customer_po_no"]
    assert order["dc_code"] == flows.world.other_dc
    assert order["state"] == "draft"
    assert order["company_order_no"] is None
    assert [(ln["item_code"], ln["quantity"]) for ln in order["lines"]] == [
        (flows.world.items[0], 10),
        (flows.world.items[1], 5),
    ]


def test_r1_unknown_dc_is_refused_naming_the_field(flows: Flows) -> None:
    response = flows.sales.post("/orders", json=flows.order_body(dc_code="NOPE"))
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    assert _problem_field(response) == "dc_code"
    assert "NOPE" in response.json()["detail"]


def test_r1_discount_order_number_required_when_discount_goes_on_the_invoice(
    backend: Backend, flows: Flows
) -> None:
    world = make_world(
        backend.db, today=flows.today, discount_mode="on_invoice", discount_rate="0.03"
    )
    body = flows.order_body(customer_code=world.customer, lines=None) | {
        "lines": [{"item_code": world.items[0], "quantity": 1}]
    }
    response = flows.sales.post("/orders", json=body)
    assert response.status_code == 422
    assert _problem_field(response) == "discount_order_no"
    response = flows.sales.post("/orders", json=body | {"discount_order_no": "FY-1"})
    assert response.status_code == 201, response.text
    assert response.json()["discount_order_no"] == "FY-1"


def test_r2_second_order_for_the_same_po_is_refused(flows: Flows) -> None:
    first = flows.create_order()
    response = flows.sales.post(
        "/orders", json=flows.order_body(customer_po_no=first["customer_po_no"], lines=[(2, 1)])
    )
    assert response.status_code == 409
    assert _problem_field(response) == "customer_po_no"
    assert response.json()["existing_order_id"] == first["id"]
    listed = flows.finance.get("/orders", params={"customer_po_no": first["customer_po_no"]})
    assert [o["id"] for o in listed.json()] == [first["id"]]


def test_r2_two_orders_for_one_po_at_the_same_moment_make_one_order(flows: Flows) -> None:
    body = flows.order_body()
    barrier = threading.Barrier(2)
    statuses: list[int] = []

    def create() -> None:
        with flows.backend.client("sales") as client:
            barrier.wait()
            statuses.append(client.post("/orders", json=body).status_code)

    threads = [threading.Thread(target=create) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(statuses) == [201, 409]
    listed = flows.finance.get("/orders", params={"customer_po_no": body["customer_po_no"]})
    assert len(listed.json()) == 1


def test_r3_an_order_has_at_most_the_configured_number_of_lines(flows: Flows) -> None:
    six = [(i, 1) for i in range(6)]
    response = flows.sales.post("/orders", json=flows.order_body(lines=six))
    assert response.status_code == 422
    assert _problem_field(response) == "lines"
    assert "at most 5 lines" in response.json()["detail"]
    assert flows.sales.post("/orders", json=flows.order_body(lines=six[:5])).status_code == 201


def test_r4_approval_gives_the_company_order_number_visible_to_the_branch(flows: Flows) -> None:
    order = flows.create_order()
    approved = flows.hq.post(f"/orders/{order['id']}/approve")
    assert approved.status_code == 200, approved.text
    number = approved.json()["company_order_no"]
    assert number and number.startswith(f"SO{flows.today.year}")
    seen_by_branch = flows.sales.get(f"/orders/{order['id']}").json()
    assert seen_by_branch["company_order_no"] == number
    assert seen_by_branch["state"] == "approved"
    other = flows.approved_order()
    assert other["company_order_no"] != number
    found = flows.sales.get("/orders", params={"company_order_no": number}).json()
    assert [o["id"] for o in found] == [order["id"]]


def test_prices_come_from_the_contract_in_force(flows: Flows) -> None:
    order = flows.create_order(lines=[(0, 3), (2, 2)])
    prices = flows.world.prices
    assert [Decimal(ln["unit_price"]) for ln in order["lines"]] == [
        prices[flows.world.items[0]],
        prices[flows.world.items[2]],
    ]
    assert Decimal(order["total_amount"]) == (
        prices[flows.world.items[0]] * 3 + prices[flows.world.items[2]] * 2
    )
    assert order["contract_no"] == flows.world.contract


def test_order_refusals_name_the_field_and_change_nothing(flows: Flows) -> None:
    cases = [
        (flows.order_body(lines=[(0, 0)]), "lines[0].quantity"),
        (flows.order_body(lines=[(0, -2)]), "lines[0].quantity"),
        (
            flows.order_body() | {"lines": [{"item_code": "NO-SUCH", "quantity": 1}]},
            "lines[0].item_code",
        ),
        # The seventh item exists but is not on the contract's price list.
        (flows.order_body(lines=[(6, 1)]), "lines[0].item_code"),
        (flows.order_body(customer_code="NOBODY"), "customer_code"),
        (flows.order_body(order_date=str(flows.today + timedelta(days=2))), "order_date"),
        (flows.order_body() | {"colour": "red"}, "colour"),
        (flows.order_body(lines=[(0, 1), (0, 2)]), "lines"),
    ]
    for body, field in cases:
        response = flows.sales.post("/orders", json=body)
        assert response.status_code == 422, (field, response.text)
        assert _problem_field(response) == field, response.text
    listed = flows.finance.get("/orders", params={"customer_code": flows.world.customer})
    assert listed.json() == []


def test_customer_without_a_contract_in_force_is_refused(backend: Backend, flows: Flows) -> None:
    expired = make_world(backend.db, today=flows.today, contract_days=(-400, -10))
    body = {
        "customer_code": expired.customer,
        "customer_po_no": unique("PO"),
        "dc_code": "DC1",
        "lines": [{"item_code": expired.items[0], "quantity": 1}],
    }
    response = flows.sales.post("/orders", json=body)
    assert response.status_code == 422
    assert _problem_field(response) == "customer_code"
    assert "no purchase contract in force" in response.json()["detail"]


def test_cancel_before_shipment_and_not_after(flows: Flows) -> None:
    order = flows.create_order()
    response = flows.sales.post(f"/orders/{order['id']}/cancel", json={"reason": "PO withdrawn"})
    assert response.status_code == 200, response.text
    assert response.json()["state"] == "cancelled"
    assert response.json()["allowed_triggers"] == []
    shipped = flows.shipped_order()
    refused = flows.sales.post(f"/orders/{shipped['id']}/cancel", json={"reason": "late"})
    assert refused.status_code == 409
    assert refused.json()["allowed_triggers"] == ["record_delivery", "post_receipt"]
    assert flows.order(shipped["id"])["state"] == "shipped"


def test_order_created_and_approved_with_the_same_idempotency_key_once(flows: Flows) -> None:
    body = flows.order_body()
    headers = {"Idempotency-Key": unique("key")}
    first = flows.sales.post("/orders", json=body, headers=headers)
    again = flows.sales.post("/orders", json=body, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert again.json()["id"] == first.json()["id"]
    other = flows.sales.post("/orders", json=flows.order_body(), headers=headers)
    assert other.status_code == 409
    assert _problem_field(other) == "Idempotency-Key"


def test_the_order_lifecycle_is_served_as_declared_and_offers_only_user_triggers(
    flows: Flows,
) -> None:
    declared = flows.sales.get("/workflows/order")
    assert declared.status_code == 200, declared.text
    lifecycle = declared.json()
    assert lifecycle["initial"] == "draft"
    by_trigger = {t["trigger"]: t for t in lifecycle["transitions"]}
    assert by_trigger["approve"] == {
        "trigger": "approve",
        "source": ["draft"],
        "dest": "approved",
        "roles": ["hq"],
        "guards": ["customer_active", "contract_in_force"],
        "description": by_trigger["approve"]["description"],
        "internal": False,
    }
    assert by_trigger["hold_for_credit"]["internal"] is True
    assert "draft --> approved: approve" in lifecycle["mermaid"]
    # What a draft offers its users: approval (which may hold it for credit) and cancel.
    assert flows.create_order()["allowed_triggers"] == ["approve", "cancel"]
    assert flows.sales.get("/workflows/nothing").status_code == 404
