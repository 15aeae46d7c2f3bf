"""A bounded mixed load on a fleet of API processes: each order taken from the customer's PO to
its payment, every write sent again (same Idempotency-Key, also to the other process, some at
the same moment), some payments' bank references posted twice under a new key. Every answer is
recorded (status and what each key booked) for the test to judge."""

from __future__ import annotations

import threading
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import httpx

from service import money
from tests.support import World, png_bytes, unique, unique_fapiao

ROLES = ("sales", "hq", "logistics", "finance")
RATE = Decimal("0.13")
# Received 50 days ago on a 45-day term: the invoices fell due 5 days ago, so the scheduler's
# runs for the days before today draft statements and raise collection tasks (and every date
# stays in a year the working-day calendar knows, whatever day the test runs).
RECEIVED_DAYS_AGO = 50


class Load:
    def __init__(
        self, bases: list[str], tokens: dict[str, str], world: World, today: date, run: str
    ) -> None:
        self.world, self.today, self.run = world, today, run
        self.answers: list[tuple[str, str, int]] = []
        self.booked: dict[str, set[Any]] = defaultdict(set)
        self.bank_references: set[str] = set()
        self.refused_twice: list[str] = []
        self._lock = threading.Lock()
        self.apis = [
            {
                role: httpx.Client(
                    base_url=base,
                    headers={"Authorization": f"Bearer {tokens[role]}"},
                    timeout=120,
                    event_hooks={"response": [self._answered]},
                )
                for role in ROLES
            }
            for base in bases
        ]

    def close(self) -> None:
        for api in self.apis:
            for client in api.values():
                client.close()

    def _answered(self, response: httpx.Response) -> None:
        with self._lock:
            self.answers.append(
                (response.request.method, response.request.url.path, response.status_code)
            )

    def _once(
        self, key: str, status: int, sends: list[tuple[httpx.Client, str, Any]], field: str
    ) -> dict[str, Any]:
        """The same write under one Idempotency-Key to each client in turn: each answers
        `status` with the same document (its `field`), recorded under the key."""
        headers = {"Idempotency-Key": f"{self.run}-{key}"}
        answers = [client.post(path, json=body, headers=headers) for client, path, body in sends]
        return self._judged(key, status, answers, field)

    def _at_once(
        self, key: str, status: int, sends: list[tuple[httpx.Client, str, Any]], field: str
    ) -> dict[str, Any]:
        """As `_once`, the copies sent at the same moment."""
        headers = {"Idempotency-Key": f"{self.run}-{key}"}
        with ThreadPoolExecutor(len(sends)) as pool:
            futures = [
                pool.submit(c.post, path, json=body, headers=headers) for c, path, body in sends
            ]
            answers = [future.result() for future in futures]
        return self._judged(key, status, answers, field)

    def _judged(
        self, key: str, status: int, answers: list[httpx.Response], field: str
    ) -> dict[str, Any]:
        for answer in answers:
            assert answer.status_code == status, (key, answer.status_code, answer.text)
            with self._lock:
                self.booked[key].add(answer.json()[field])
        # One copy did the work; every other one is the first answer replayed.
        replayed = [answer.headers.get("Idempotent-Replayed") == "true" for answer in answers]
        assert replayed.count(False) == 1, (key, replayed)
        return dict(answers[0].json())

    def order(self, number: int) -> None:
        """One order from PO to payment, through both processes."""
        a, b = self.apis[number % 2], self.apis[(number + 1) % 2]
        world, today = self.world, self.today
        po = {
            "customer_code": world.customer,
            "customer_po_no": unique("PO"),
            "dc_code": world.dc,
            "order_date": str(today - timedelta(days=RECEIVED_DAYS_AGO + 10)),
            "lines": [
                {"item_code": world.items[0], "quantity": 10},
                {"item_code": world.items[1], "quantity": 5},
            ],
        }
        order = self._once(f"PO{number}", 201, [(a["sales"], "/orders", po)] * 2, "id")
        path = f"/orders/{order['id']}"
        self._once(
            f"AP{number}",
            200,
            [(b["hq"], f"{path}/approve", None), (a["hq"], f"{path}/approve", None)],
            "id",
        )
        shipment = {
            "warehouse_kind": "internal",
            "source_warehouse": "WX-central",
            "carrier": "SF Express",
            "shipped_on": str(today - timedelta(days=RECEIVED_DAYS_AGO + 5)),
        }
        self._once(f"SH{number}", 201, [(a["logistics"], f"{path}/shipment", shipment)], "id")
        receipt = {
            "receipt_no": unique("RK"),
            "receipt_date": str(today - timedelta(days=RECEIVED_DAYS_AGO)),
            "lines": [
                {"line_no": line["line_no"], "received_qty": line["quantity"]}
                for line in order["lines"]
            ],
            "evidence": [self._evidence(b)],
        }
        sends = [
            (a["logistics"], f"{path}/receipt", receipt),
            (b["logistics"], f"{path}/receipt", receipt),
        ]
        post = self._at_once if number % 2 else self._once
        post(f"RK{number}", 201, sends, "id")
        invoice = self._invoice(number, order["id"], a, b)
        self._book(number, invoice, a, b)
        if number % 2 == 0:  # the others stay receivable: on a statement, then past due
            self._pay(number, invoice["id"], a, b)

    def _evidence(self, api: dict[str, httpx.Client]) -> int:
        files = {"file": ("receipt.png", png_bytes(unique("scan")), "image/png")}
        answer = api["logistics"].post("/attachments", files=files)
        assert answer.status_code == 201, answer.text
        return int(answer.json()["id"])

    def _invoice(
        self, number: int, order_id: int, a: dict[str, httpx.Client], b: dict[str, httpx.Client]
    ) -> dict[str, Any]:
        body = {"order_id": order_id}
        invoice = self._once(
            f"IV{number}",
            201,
            [(a["finance"], "/invoices", body), (b["finance"], "/invoices", body)],
            "id",
        )
        issue = {"fapiao_no": unique_fapiao(), "fapiao_date": str(self.today)}
        path = f"/invoices/{invoice['id']}/issue"
        return self._once(
            f"IS{number}", 200, [(b["finance"], path, issue), (a["finance"], path, issue)], "id"
        )

    def _book(
        self,
        number: int,
        invoice: dict[str, Any],
        a: dict[str, httpx.Client],
        b: dict[str, httpx.Client],
    ) -> None:
        """The customer's booking: every third one at a lower price on the second line, which
        HQ confirms with the contract price agreement (R16); the others as invoiced."""
        first, second = self.world.items[:2]
        prices = dict(self.world.prices)
        if number % 3 == 0:
            prices[second] -= Decimal("50.00")
        lines = [_booked(first, 10, prices[first]), _booked(second, 5, prices[second])]
        body = {
            "reference": f"BK-{self.run}-{number}",
            "booked_on": str(self.today),
            "lines": lines,
        }
        path = f"/invoices/{invoice['id']}/booking"
        booking = self._once(
            f"BK{number}",
            201,
            [(a["finance"], path, body), (b["finance"], path, body)],
            "booking_id",
        )
        if number % 3:
            assert booking["exceptions"] == [], booking
            return
        [exception] = booking["exceptions"]
        assert exception["kind"] == "price_mismatch", exception
        attach = {"kind": "contract_price_agreement", "attachment_id": self._evidence(a)}
        path = f"/invoice-exceptions/{exception['id']}"
        self._once(f"EV{number}", 200, [(b["finance"], f"{path}/evidence", attach)], "id")
        sends = [(a["hq"], f"{path}/confirm", None), (b["hq"], f"{path}/confirm", None)]
        self._at_once(f"CF{number}", 200, sends, "id")

    def _pay(
        self, number: int, invoice_id: int, a: dict[str, httpx.Client], b: dict[str, httpx.Client]
    ) -> None:
        """Paid in full against its invoice; every other bank reference comes again from the
        bank under a new key and is refused."""
        invoice = a["finance"].get(f"/invoices/{invoice_id}").json()
        reference = f"FLEET{self.run}{number:04d}".upper()
        body = {
            "customer_code": self.world.customer,
            "amount": invoice["outstanding"],
            "value_date": str(self.today),
            "payer": f"customer {self.world.customer}",
            "bank_reference": reference,
            "remittance": [{"invoice_no": invoice["invoice_no"], "amount": invoice["outstanding"]}],
        }
        sends = [(b["finance"], "/payments", body), (a["finance"], "/payments", body)]
        self._once(f"PY{number}", 201, sends, "payment_no")
        with self._lock:
            self.bank_references.add(reference)
        if number % 4 == 0:
            again = a["finance"].post(
                "/payments", json=body, headers={"Idempotency-Key": unique("PY")}
            )
            assert again.status_code == 409, again.text
            assert again.json()["code"] == "payment.bank_reference_used"
            with self._lock:
                self.refused_twice.append(reference)


def _booked(code: str, quantity: int, price: Decimal) -> dict[str, Any]:
    line = money.goods(price, quantity, RATE, includes_tax=True)
    return {
        "item_code": code,
        "quantity": quantity,
        "unit_price": str(price),
        "amount": str(line.amount),
        "tax": str(line.tax),
        "discount": "0.00",
    }
