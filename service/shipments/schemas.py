"""Shipment request and response bodies."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import Field

from service.schemas import Code, Day, Quantity, Request, Response


class ShipmentLineIn(Request):
    line_no: int = Field(ge=1, le=100, description="the order line shipped")
    quantity: Quantity = Field(description="quantity shipped, at most the quantity ordered")


class ShipmentCreate(Request):
    """The planned shipment note of an order (one per order, R2) and where it goes from (R5)."""

    warehouse_kind: Literal["external", "internal"] = Field(
        description="external warehouse (外库, via the delivery company) or internal (内库, "
        "via a third-party carrier)"
    )
    source_warehouse: Code = Field(description="the supplier warehouse the goods leave from")
    carrier: Code = Field(description="the delivery company or third-party carrier")
    waybill_no: Code | None = None
    shipped_on: Day | None = Field(default=None, description="defaults to today")
    lines: list[ShipmentLineIn] | None = Field(
        default=None,
        max_length=100,
        description="shipped quantity per order line; omitted: everything ordered",
    )


class DeliveryReport(Request):
    """The carrier reports that the customer signed for the goods (R7 starts counting)."""

    delivered_on: Day


class ShipmentLineOut(Response):
    line_no: int
    item_code: str
    ordered_qty: int
    shipped_qty: int


class ShipmentOut(Response):
    id: int
    order_id: int
    shipment_no: str
    warehouse_kind: str
    source_warehouse: str
    carrier: str
    waybill_no: str | None
    shipped_on: date
    delivered_on: date | None
    created_by: str
    lines: list[ShipmentLineOut]
