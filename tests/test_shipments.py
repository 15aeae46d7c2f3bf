"""Logistics: the shipment of an approved order from an external or internal warehouse (R5)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from tests.flows import Flows


def test_r5_shipment_from_the_external_warehouse_via_the_delivery_company(flows: Flows) -> None:
    order = flows.approved_order()
    response = flows.ship(
        order["id"], warehouse_kind="external", carrier="3PL delivery co.", waybill_no="YD-1"
    )
    assert response.status_code == 201, response.text
    shipment = response.json()
    assert shipment["warehouse_kind"] == "external"
    assert shipment["carrier"] == "3PL delivery co."
    assert shipment["shipment_no"].startswith(f"SH{flows.today.year}")
    assert [(ln["ordered_qty"], ln["shipped_qty"]) for ln in shipment["lines"]] == [
        (10, 10),
        (5, 5),
    ]
    assert flows.order(order["id"])["state"] == "shipped"
    assert flows.finance.get(f"/orders/{order['id']}/shipment").json() == shipment


def test_r5_shipment_from_the_internal_warehouse_via_a_carrier_with_partial_lines(
    flows: Flows,
) -> None:
    order = flows.approved_order()
    response = flows.ship(
        order["id"],
        warehouse_kind="internal",
        carrier="SF Express",
        lines=[{"line_no": 1, "quantity": 7}],
    )
    assert response.status_code == 201, response.text
    assert [ln["shipped_qty"] for ln in response.json()["lines"]] == [7, 0]


def test_r5_shipment_refusals_change_nothing(flows: Flows) -> None:
    order = flows.approved_order()
    cases: list[tuple[dict[str, Any], str]] = [
        ({"warehouse_kind": "drone"}, "warehouse_kind"),
        ({"lines": [{"line_no": 1, "quantity": 11}]}, "lines[0].quantity"),
        ({"lines": [{"line_no": 9, "quantity": 1}]}, "lines[0].line_no"),
        ({"lines": [{"line_no": 1, "quantity": 0}]}, "lines"),
        ({"shipped_on": str(flows.today + timedelta(days=1))}, "shipped_on"),
        ({"shipped_on": str(flows.today - timedelta(days=30))}, "shipped_on"),
        ({"carrier": ""}, "carrier"),
    ]
    for overrides, field in cases:
        response = flows.ship(order["id"], **overrides)
        assert response.status_code == 422, (field, response.text)
        assert response.json()["errors"][0]["field"] == field
    assert flows.order(order["id"])["state"] == "approved"
    assert flows.finance.get(f"/orders/{order['id']}/shipment").status_code == 404


def test_r5_a_draft_order_cannot_ship_and_an_order_ships_once(flows: Flows) -> None:
    draft = flows.create_order()
    refused = flows.ship(draft["id"])
    assert refused.status_code == 409
    assert refused.json()["allowed_triggers"] == ["approve", "cancel"]
    shipped = flows.shipped_order()
    again = flows.ship(shipped["id"])
    assert again.status_code == 409
    assert again.json()["state"] == "shipped"


def test_only_logistics_records_shipments(flows: Flows) -> None:
    order = flows.approved_order()
    response = flows.sales.post(
        f"/orders/{order['id']}/shipment",
        json={"warehouse_kind": "internal", "source_warehouse": "W", "carrier": "C"},
    )
    assert response.status_code == 403
    assert response.json()["required_roles"] == ["logistics"]
