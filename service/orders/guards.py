"""Guards the order lifecycle names (workflows/definitions/order.yaml)."""

from __future__ import annotations

from service.orders.models import Order
from workflows import GuardContext, Refusal


def customer_active(ctx: GuardContext) -> Refusal | None:
    order: Order = ctx.document
    customer = order.customer
    if customer.state != "active":
        return Refusal.of("order.customer_inactive", customer=customer.code, state=customer.state)
    return None


def contract_in_force(ctx: GuardContext) -> Refusal | None:
    order: Order = ctx.document
    contract = order.contract
    if not contract.in_force_on(order.order_date):
        return Refusal.of(
            "order.contract_not_in_force_on_order_date",
            contract=contract.contract_no,
            order_date=order.order_date,
            valid_from=contract.valid_from,
            valid_to=contract.valid_to,
        )
    if ctx.today > contract.valid_to:
        return Refusal.of(
            "order.contract_expired", contract=contract.contract_no, valid_to=contract.valid_to
        )
    return None


ORDER_GUARDS = {"customer_active": customer_active, "contract_in_force": contract_in_force}
