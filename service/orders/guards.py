"""Guards the order lifecycle names (workflows/definitions/order.yaml)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from service.orders.models import Order


@dataclass(frozen=True)
class OrderContext:
    order: Order
    today: date


def customer_active(ctx: OrderContext) -> str | None:
    customer = ctx.order.customer
    if customer.status != "active":
        return f"customer {customer.code} is {customer.status}"
    return None


def contract_in_force(ctx: OrderContext) -> str | None:
    contract = ctx.order.contract
    if not contract.in_force_on(ctx.order.order_date):
        return (
            f"contract {contract.contract_no} was not in force on the order date "
            f"{ctx.order.order_date} (valid {contract.valid_from} to {contract.valid_to})"
        )
    if ctx.today > contract.valid_to:
        return (
            f"contract {contract.contract_no} expired on {contract.valid_to}; "
            "renew it before approving new orders"
        )
    return None


ORDER_GUARDS = {"customer_active": customer_active, "contract_in_force": contract_in_force}
