"""User-level steps through the HTTP API: sales, HQ and logistics doing their work."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import httpx

from service.clock import business_date
from tests.support import Backend, World, png_bytes, unique, unique_fapiao

CUSTOMER_FIELDS = (
    "name",
    "tax_no",
    "branch",
    "grade",
    "credit_limit",
    "payment_term_days",
    "settlement_kind",
    "settlement_day",
    "reconciliation_lead_days",
    "invoice_delivery",
    "settlement_centre_address",
    "discount_mode",
    "return_credit_methods",
)


def customer_body(customer: dict[str, Any]) -> dict[str, Any]:
    """What HQ sends to change a customer: the customer as read."""
    body = {name: customer[name] for name in CUSTOMER_FIELDS}
    body["warehouses"] = [
        {k: w[k] for k in ("code", "name", "address")} for w in customer["warehouses"]
    ]
    return body


class Flows:
    def __init__(self, backend: Backend, world: World) -> None:
        self.backend = backend
        self.world = world
        self.today: date = business_date(backend.settings.tz)
        self.clients = {role: backend.client(role) for role in backend.tokens}

    def __enter__(self) -> Flows:
        return self

    def __exit__(self, *_exc: object) -> None:
        for client in self.clients.values():
            client.close()

    def __getattr__(self, role: str) -> httpx.Client:
        try:
            client: httpx.Client = self.__dict__["clients"][role]
            return client
        except KeyError:
            raise AttributeError(role) from None

    # --- sales / HQ -----------------------------------------------------------------------
    def order_body(
        self, *, lines: list[tuple[int, int]] | None = None, **overrides: Any
    ) -> dict[str, Any]:
        body: dict[str, Any] = {
            "customer_code": self.world.customer,
            "customer_po_no": unique("PO"),
            "dc_code": self.world.dc,
            "order_date": str(self.today - timedelta(days=5)),
            "lines": [
                {"item_code": self.world.items[i], "quantity": q}
                for i, q in (lines or [(0, 10), (1, 5)])
            ],
        }
        body.update(overrides)
        return body

    def create_order(self, **kwargs: Any) -> dict[str, Any]:
        response = self.sales.post("/orders", json=self.order_body(**kwargs))
        assert response.status_code == 201, response.text
        return dict(response.json())

    def approved_order(self, **kwargs: Any) -> dict[str, Any]:
        order = self.create_order(**kwargs)
        response = self.hq.post(f"/orders/{order['id']}/approve")
        assert response.status_code == 200, response.text
        return dict(response.json())

    # --- logistics -----------------------------------------------------------------------
    def ship(self, order_id: int, **overrides: Any) -> httpx.Response:
        body = {
            "warehouse_kind": "internal",
            "source_warehouse": "WX-central",
            "carrier": "SF Express",
            "shipped_on": str(self.today - timedelta(days=3)),
        }
        body.update(overrides)
        return self.logistics.post(f"/orders/{order_id}/shipment", json=body)

    def shipped_order(self, **kwargs: Any) -> dict[str, Any]:
        order = self.approved_order(**kwargs)
        response = self.ship(order["id"])
        assert response.status_code == 201, response.text
        return order

    def upload_evidence(self, seed: str | None = None) -> dict[str, Any]:
        content = png_bytes(seed or unique("scan"))
        response = self.logistics.post(
            "/attachments", files={"file": ("receipt.png", content, "image/png")}
        )
        assert response.status_code == 201, response.text
        return dict(response.json())

    def receipt_body(
        self,
        order: dict[str, Any],
        *,
        evidence: list[int] | None = None,
        lines: list[dict[str, Any]] | None = None,
        **overrides: Any,
    ) -> dict[str, Any]:
        body: dict[str, Any] = {
            "receipt_no": unique("RK"),
            "receipt_date": str(self.today - timedelta(days=1)),
            "lines": lines
            if lines is not None
            else [
                {"line_no": line["line_no"], "received_qty": line["quantity"]}
                for line in order["lines"]
            ],
            "evidence": evidence if evidence is not None else [self.upload_evidence()["id"]],
        }
        body.update(overrides)
        return body

    def post_receipt(
        self, order_id: int, body: dict[str, Any], key: str | None = None
    ) -> httpx.Response:
        headers = {"Idempotency-Key": key} if key else {}
        return self.logistics.post(f"/orders/{order_id}/receipt", json=body, headers=headers)

    def receipted_order(
        self, received: list[dict[str, Any]] | None = None, **kwargs: Any
    ) -> dict[str, Any]:
        order = self.shipped_order(**kwargs)
        body = self.receipt_body(order, lines=received)
        response = self.post_receipt(order["id"], body)
        assert response.status_code == 201, response.text
        return order | {"receipt_no": body["receipt_no"]}

    # --- HQ ------------------------------------------------------------------------------
    def change_customer(self, **changes: Any) -> dict[str, Any]:
        """HQ changes the world's customer: these fields, the rest as they are."""
        customer = self.sales.get(f"/customers/{self.world.customer}")
        assert customer.status_code == 200, customer.text
        response = self.hq.put(
            f"/customers/{self.world.customer}",
            json=customer_body(customer.json()) | changes,
            headers={"If-Match": customer.headers["ETag"]},
        )
        assert response.status_code == 200, response.text
        return dict(response.json())

    def change_contract(
        self, prices: dict[str, Any] | None = None, **fields: Any
    ) -> dict[str, Any]:
        """HQ changes the world's contract in place: exactly these prices (by item code) and
        these fields (validity, discount rate, rebate terms); the rest as they are."""
        contract = self.sales.get(f"/contracts/{self.world.contract}")
        assert contract.status_code == 200, contract.text
        kept = ("valid_from", "valid_to", "discount_rate", "rebate_terms", "prices")
        body = {name: contract.json()[name] for name in kept} | fields
        if prices is not None:
            body["prices"] = [{"item_code": c, "unit_price": str(p)} for c, p in prices.items()]
        response = self.hq.put(
            f"/contracts/{self.world.contract}",
            json=body,
            headers={"If-Match": contract.headers["ETag"]},
        )
        assert response.status_code == 200, response.text
        return dict(response.json())

    # --- finance -------------------------------------------------------------------------
    def invoice(self, order_id: int) -> dict[str, Any]:
        response = self.finance.post("/invoices", json={"order_id": order_id})
        assert response.status_code == 201, response.text
        return dict(response.json())

    def issued_invoice(self, order_id: int) -> dict[str, Any]:
        invoice = self.invoice(order_id)
        response = self.finance.post(
            f"/invoices/{invoice['id']}/issue",
            json={"fapiao_no": unique_fapiao(), "fapiao_date": str(self.today)},
        )
        assert response.status_code == 200, response.text
        return dict(response.json())

    def reissue_red(self, form_id: int) -> dict[str, Any]:
        """A reissue's red-letter form needs no confirmation (the buyer has not confirmed use of
        the original); the red invoice issued against it voids the original."""
        skipped = self.finance.post(f"/red-letter-forms/{form_id}/skip-confirmation")
        assert skipped.status_code == 200, skipped.text
        response = self.finance.post(
            f"/red-letter-forms/{form_id}/red-invoice",
            json={"fapiao_no": unique_fapiao(), "fapiao_date": str(self.today)},
        )
        assert response.status_code == 201, response.text
        return dict(response.json())

    # --- anyone --------------------------------------------------------------------------
    def order(self, order_id: int) -> dict[str, Any]:
        response = self.finance.get(f"/orders/{order_id}")
        assert response.status_code == 200, response.text
        return dict(response.json())

    def history(self, order_id: int) -> list[dict[str, Any]]:
        response = self.finance.get(f"/orders/{order_id}/history")
        assert response.status_code == 200, response.text
        return list(response.json())
