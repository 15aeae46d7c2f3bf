"""Steps of a return through the HTTP API (R24-R26): sales asks, HQ approves, logistics posts
the return receipt, finance chooses how it is credited."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import update

from service.masterdata.models import Customer
from tests.flows import Flows
from tests.support import Backend, unique


def accepting(backend: Backend, customer_code: str, *methods: str) -> None:
    """Set the credit methods the customer accepts (R24), as HQ keeps them on the customer."""
    with backend.db.write() as session:
        session.execute(
            update(Customer)
            .where(Customer.code == customer_code)
            .values(return_credit_methods=list(methods))
        )


def invoiced(flows: Flows) -> tuple[dict[str, Any], dict[str, Any]]:
    """An order receipted in full (items 0 x10 and 1 x5) and its issued blue invoice."""
    order = flows.receipted_order()
    return order, flows.issued_invoice(order["id"])


def upload(flows: Flows, role: str = "hq") -> int:
    """An uploaded document (approval report, scan, consent): its attachment id."""
    from tests.support import png_bytes

    response = flows.clients[role].post(
        "/attachments", files={"file": ("doc.png", png_bytes(unique("doc")), "image/png")}
    )
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def request(
    flows: Flows,
    invoice: dict[str, Any],
    lines: list[tuple[int, int]] | None = None,
    *,
    reason: str = "defective",
    key: str | None = None,
    **overrides: Any,
) -> httpx.Response:
    body: dict[str, Any] = {
        "order_id": invoice["order_id"],
        "invoice_id": invoice["id"],
        "reason": reason,
        "note": "customer found faults",
        "lines": [{"line_no": n, "quantity": q} for n, q in (lines or [(1, 3)])],
    }
    body.update(overrides)
    headers = {"Idempotency-Key": key} if key else {}
    return flows.sales.post("/returns", json=body, headers=headers)


def requested(flows: Flows, invoice: dict[str, Any], *args: Any, **kwargs: Any) -> dict[str, Any]:
    response = request(flows, invoice, *args, **kwargs)
    assert response.status_code == 201, response.text
    return dict(response.json())


def approve(
    flows: Flows, ret: dict[str, Any], *, role: str = "hq", report: int | None = None
) -> httpx.Response:
    body = {"approval_report_id": report or upload(flows, role), "note": "agreed with the buyer"}
    return flows.clients[role].post(f"/returns/{ret['id']}/approve", json=body)


def approved(flows: Flows, invoice: dict[str, Any], *args: Any, **kwargs: Any) -> dict[str, Any]:
    ret = requested(flows, invoice, *args, **kwargs)
    response = approve(flows, ret)
    assert response.status_code == 200, response.text
    return dict(response.json())


def receipt_body(
    flows: Flows, ret: dict[str, Any], received: list[int] | None = None, **overrides: Any
) -> dict[str, Any]:
    quantities = received or [line["quantity"] for line in ret["lines"]]
    body: dict[str, Any] = {
        "receipt_no": unique("THRK"),
        "received_on": str(flows.today - timedelta(days=1)),
        "scan_id": upload(flows, "logistics"),
        "lines": [
            {"line_no": line["line_no"], "received_qty": qty}
            for line, qty in zip(ret["lines"], quantities, strict=True)
        ],
    }
    body.update(overrides)
    return body


def receive(flows: Flows, ret: dict[str, Any], body: dict[str, Any]) -> httpx.Response:
    return flows.logistics.post(f"/returns/{ret['id']}/receipt", json=body)


def received(
    flows: Flows,
    invoice: dict[str, Any],
    lines: list[tuple[int, int]] | None = None,
    back: list[int] | None = None,
    **kwargs: Any,
) -> dict[str, Any]:
    """A return approved and received back (`back`: quantities per line, default all)."""
    ret = approved(flows, invoice, lines, **kwargs)
    response = receive(flows, ret, receipt_body(flows, ret, back))
    assert response.status_code == 200, response.text
    return dict(response.json())


def choose(
    flows: Flows, ret: dict[str, Any], method: str | None = None, reason: str = ""
) -> httpx.Response:
    body: dict[str, Any] = {"reason": reason}
    if method is not None:
        body["method"] = method
    return flows.finance.post(f"/returns/{ret['id']}/method", json=body)


def get(flows: Flows, ret: dict[str, Any]) -> dict[str, Any]:
    response = flows.finance.get(f"/returns/{ret['id']}")
    assert response.status_code == 200, response.text
    return dict(response.json())
