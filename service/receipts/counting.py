"""What arrived, line by line: the stated quantities checked against what was shipped, and the
shortages and substitutions found (R8). Pure: the posting reads the order and stores the result.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from service.errors import Invalid
from service.receipts.schemas import ReceiptCreate


@dataclass(frozen=True)
class OrderedLine:
    """An order line as the receipt needs it."""

    id: int
    line_no: int
    item_id: int
    item_code: str
    shipped: int
    unit_price: Decimal = Decimal("0.00")


@dataclass(frozen=True)
class ShippedOrder:
    id: int
    state: str
    version: int
    customer_id: int
    shipment_id: int | None
    shipped_on: date | None
    warehouse_kind: str | None
    lines: dict[int, OrderedLine]
    carrier: str = ""
    customer_grade: str = ""


@dataclass(frozen=True)
class Received:
    line: OrderedLine
    item_id: int
    item_code: str
    quantity: int

    def shown(self) -> dict[str, Any]:
        """As the receipt answer names it (see `queries.receipt_out`)."""
        return {
            "line_no": self.line.line_no,
            "ordered_item_code": self.line.item_code,
            "received_item_code": self.item_code,
            "received_qty": self.quantity,
        }


def received(order: ShippedOrder, data: ReceiptCreate, items: dict[str, int]) -> list[Received]:
    """Check the stated quantities against what was shipped; one entry per line and model.

    `items` gives the ids of the substituted models the receipt names, by code."""
    totals: dict[int, int] = defaultdict(int)
    result: list[Received] = []
    seen: set[tuple[int, int]] = set()
    for index, line_in in enumerate(data.lines):
        field = f"lines[{index}]"
        line = order.lines.get(line_in.line_no)
        if line is None:
            raise Invalid(
                "receipt.no_such_order_line", field=f"{field}.line_no", line_no=line_in.line_no
            )
        item_id, item_code = line.item_id, line.item_code
        if line_in.item_code is not None:
            if line_in.item_code not in items:
                raise Invalid(
                    "item.unknown", field=f"{field}.item_code", item_code=line_in.item_code
                )
            item_id, item_code = items[line_in.item_code], line_in.item_code
        if (line.line_no, item_id) in seen:
            raise Invalid(
                "receipt.line_given_twice",
                field=f"{field}.line_no",
                line_no=line.line_no,
                item_code=item_code,
            )
        seen.add((line.line_no, item_id))
        totals[line.line_no] += line_in.received_qty
        if totals[line.line_no] > line.shipped:
            raise Invalid(
                "receipt.quantity_exceeds_shipped",
                field=f"{field}.received_qty",
                received=totals[line.line_no],
                shipped=line.shipped,
                line_no=line.line_no,
            )
        result.append(Received(line, item_id, item_code, line_in.received_qty))
    missing = [no for no, ln in sorted(order.lines.items()) if ln.shipped and no not in totals]
    if missing:
        raise Invalid("receipt.shipped_lines_missing", field="lines", line_nos=missing)
    return result


@dataclass(frozen=True)
class Found:
    """A shortage or substitution found at receipt (R8), before it is stored."""

    kind: str
    line: OrderedLine
    received_item_id: int | None
    received_item_code: str | None
    received_qty: int
    quantity: int

    def row(self, receipt_id: int, created_at: datetime) -> dict[str, object]:
        """Its columns; the caller adds its lifecycle's initial values and the rules' proposal."""
        return {
            "receipt_id": receipt_id,
            "order_line_id": self.line.id,
            "kind": self.kind,
            "expected_item_id": self.line.item_id,
            "received_item_id": self.received_item_id,
            "shipped_qty": self.line.shipped,
            "received_qty": self.received_qty,
            "quantity": self.quantity,
            "created_at": created_at,
        }

    def shown(self, exception_id: int, order_id: int, receipt_no: str, at: datetime) -> Any:
        """As the receipt answer names it (see `queries.receipt_out`)."""
        return {
            "id": exception_id,
            "order_id": order_id,
            "receipt_no": receipt_no,
            "kind": self.kind,
            "line_no": self.line.line_no,
            "expected_item_code": self.line.item_code,
            "received_item_code": self.received_item_code,
            "shipped_qty": self.line.shipped,
            "received_qty": self.received_qty,
            "quantity": self.quantity,
            "state": "open",
            "version": 1,
            "created_at": at,
        }


def exceptions(order: ShippedOrder, received: list[Received]) -> list[Found]:
    """R8: a shortage where less arrived than was shipped; a substitution per other model."""
    totals: dict[int, int] = defaultdict(int)
    for entry in received:
        totals[entry.line.line_no] += entry.quantity
    shortages = [
        Found("shortage", ln, None, None, totals[no], ln.shipped - totals[no])
        for no, ln in sorted(order.lines.items())
        if totals[no] < ln.shipped
    ]
    substitutions = [
        Found("substitution", e.line, e.item_id, e.item_code, totals[e.line.line_no], e.quantity)
        for e in received
        if e.item_id != e.line.item_id and e.quantity > 0
    ]
    return shortages + substitutions
