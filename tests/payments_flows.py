"""Steps of payments through the API: invoices to pay, payments, credit, reading them back."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import httpx

from tests.flows import Flows
from tests.support import unique


def invoice(flows: Flows, lines: list[tuple[int, int]] | None = None) -> dict[str, Any]:
    """An issued blue invoice of a received order (default: 15562.50, prices with tax)."""
    return flows.issued_invoice(flows.receipted_order(lines=lines)["id"])


def pay(flows: Flows, amount: str | Decimal, **body: Any) -> httpx.Response:
    payload = {
        "customer_code": flows.world.customer,
        "amount": str(amount),
        "value_date": str(flows.today),
        "payer": "Beijing Appliance Mall Co.",
        "bank_reference": unique("CMB"),
    } | body
    return flows.finance.post("/payments", json=payload)


def paid(flows: Flows, amount: str | Decimal, **body: Any) -> dict[str, Any]:
    response = pay(flows, amount, **body)
    assert response.status_code == 201, response.text
    return dict(response.json())


def read(flows: Flows, invoice_id: int) -> dict[str, Any]:
    response = flows.finance.get(f"/invoices/{invoice_id}")
    assert response.status_code == 200, response.text
    return dict(response.json())


def credit(flows: Flows) -> dict[str, Any]:
    response = flows.finance.get(f"/customers/{flows.world.customer}/credit")
    assert response.status_code == 200, response.text
    return dict(response.json())


def reverse(
    flows: Flows, payment_no: str, reason: str = "booked to the wrong customer"
) -> httpx.Response:
    return flows.finance.post(f"/payments/{payment_no}/reverse", json={"reason": reason})


def problem(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    found = dict(response.json())
    assert found["code"] == code, found
    return found
