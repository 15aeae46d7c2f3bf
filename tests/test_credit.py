"""Credit hold at approval (credit_release rules, R30, R32) and finance's release or rejection."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import httpx
from sqlalchemy import select

from service import ledger
from service.db import Database
from service.invoices.models import Invoice
from service.invoices.terms import start_term
from service.masterdata import usecases as masterdata
from service.masterdata.schemas import ContractIn, CustomerIn
from service.orders.models import Order
from tests.flows import Flows
from tests.support import World, unique, workflows

# Lines (item index, quantity) of the flows' default order: 10 x 1000.50 + 5 x 1111.50.
DEFAULT_ORDER_AMOUNT = Decimal("15562.50")


def limited_customer(
    db: Database, world: World, today: date, *, credit_limit: str, grade: str = "B"
) -> str:
    """A customer with the given credit limit, DC1 and a contract pricing the world's items."""
    code = unique("CL")
    with db.write() as session:
        masterdata.new_customer(
            session,
            CustomerIn(
                code=code,
                name=f"customer {code}",
                grade=grade,
                credit_limit=Decimal(credit_limit),
                payment_term_days=45,
                settlement_kind="term_from_receipt",
                discount_mode="receipt_offset",
                warehouses=[{"code": world.dc, "name": "main DC"}],
            ),
            workflows=workflows(),
        )
        masterdata.new_contract(
            session,
            ContractIn(
                customer_code=code,
                contract_no=unique("HT"),
                valid_from=today - timedelta(days=100),
                valid_to=today + timedelta(days=300),
                prices=[{"item_code": c, "unit_price": p} for c, p in world.prices.items()],
            ),
            workflows=workflows(),
        )
    return code


def held_order(flows: Flows) -> dict[str, Any]:
    """An order put on credit hold: 15,562.50 for a customer with a 10,000.00 limit."""
    customer = limited_customer(flows.backend.db, flows.world, flows.today, credit_limit="10000")
    order = flows.create_order(customer_code=customer)
    response = flows.hq.post(f"/orders/{order['id']}/approve")
    assert response.status_code == 200, response.text
    assert response.json()["state"] == "on_credit_hold"
    return dict(response.json())


def _field(response: httpx.Response) -> str:
    return str(response.json()["errors"][0]["field"])


def test_credit_hold_when_order_exceeds_credit_limit(flows: Flows) -> None:
    customer = limited_customer(flows.backend.db, flows.world, flows.today, credit_limit="10000")
    order = flows.create_order(customer_code=customer)
    response = flows.hq.post(f"/orders/{order['id']}/approve", headers={"Idempotency-Key": "a1"})
    assert response.status_code == 200, response.text
    held = response.json()
    assert held["state"] == "on_credit_hold"
    assert held["company_order_no"] is None
    assert held["allowed_triggers"] == ["release_credit", "reject_credit", "cancel"]
    credit = held["credit_decision"]
    assert credit["hold"] is True
    assert credit["reason"] == "order amount plus open receivables exceeds the credit limit"
    decision = credit["decision"]
    assert (decision["ruleset"], decision["version"]) == ("credit_release", 1)
    assert decision["rules"] == ["over-credit-limit"]
    assert decision["actions"][0]["name"] == "hold"
    assert decision["values"]["order_amount"] == str(DEFAULT_ORDER_AMOUNT)
    assert decision["values"]["credit_limit"] == "10000.00"
    assert decision["values"]["open_receivables"] == "0.00"
    assert "over-credit-limit" in decision["explanation"]
    replay = flows.hq.post(f"/orders/{order['id']}/approve", headers={"Idempotency-Key": "a1"})
    assert replay.headers["Idempotent-Replayed"] == "true"
    assert replay.json() == held
    last = flows.history(order["id"])[-1]
    assert (last["trigger"], last["from_state"], last["to_state"]) == (
        "hold_for_credit",
        "draft",
        "on_credit_hold",
    )
    assert last["decisions"][0]["rules"] == ["over-credit-limit"]
    assert last["decisions"][0]["values"] == decision["values"]
    assert last["payload"]["reason"] == credit["reason"]

    # Within the limit: approved as before, with the decision that released it.
    small = flows.create_order(customer_code=customer, lines=[(0, 1)])
    approved = flows.hq.post(f"/orders/{small['id']}/approve").json()
    assert approved["state"] == "approved"
    assert approved["company_order_no"].startswith(f"SO{flows.today.year}")
    assert approved["credit_decision"]["hold"] is False
    assert approved["credit_decision"]["decision"]["rules"] == ["release"]
    assert flows.history(small["id"])[-1]["decisions"][0]["rules"] == ["release"]

    # The approved order now counts in the open receivables: 1000.50 + 9 x 1000.50 > 10000.
    third = flows.create_order(customer_code=customer, lines=[(0, 9)])
    again = flows.hq.post(f"/orders/{third['id']}/approve").json()
    assert again["state"] == "on_credit_hold"
    assert again["credit_decision"]["decision"]["values"]["open_receivables"] == "1000.50"


def _overdue_invoice(flows: Flows, *, total: str, receipt_days_ago: int) -> None:
    """An issued invoice for an order receipted `receipt_days_ago` days ago (payment term 45)."""
    old = flows.create_order(order_date=str(flows.today - timedelta(days=receipt_days_ago + 5)))
    assert flows.hq.post(f"/orders/{old['id']}/approve").json()["state"] == "approved"
    shipped_on = str(flows.today - timedelta(days=receipt_days_ago + 3))
    assert flows.ship(old["id"], shipped_on=shipped_on).status_code == 201
    receipt_date = str(flows.today - timedelta(days=receipt_days_ago))
    body = flows.receipt_body(old, receipt_date=receipt_date)
    assert flows.post_receipt(old["id"], body).status_code == 201
    with flows.backend.db.write() as session:
        order = session.scalars(select(Order).where(Order.id == old["id"])).one()
        session.add(
            Invoice(
                invoice_no=unique("INV"),
                customer_id=order.customer_id,
                order_id=order.id,
                state="issued",
                remark="overdue test invoice",
                fapiao_no=unique("FP"),
                fapiao_date=date.fromisoformat(receipt_date),
                prices_include_tax=True,
                amount=Decimal(total),
                tax=Decimal("0.00"),
                total=Decimal(total),
                delivery_route="branch",
                created_by="test",
            )
        )
        # Dated as an invoice made from the receipt is (R19): due 45 days after receipt.
        invoice = session.scalars(select(Invoice).where(Invoice.order_id == order.id)).one()
        start_term(session, invoice, order.customer_id, date.fromisoformat(receipt_date))
        # Issued: the customer owes it (the receivables ledger).
        ledger.post(
            session,
            ledger.issued(
                customer_id=order.customer_id,
                invoice_id=invoice.id,
                invoice_no=invoice.invoice_no,
                total=invoice.total,
                day=date.fromisoformat(receipt_date),
            ),
            actor="test",
        )


def test_credit_hold_when_overdue_beyond_grade_allowance(flows: Flows) -> None:
    # Grade B allows 15 days overdue: received 75 days ago with a 45-day term is 30 days overdue.
    _overdue_invoice(flows, total="5000.00", receipt_days_ago=75)
    order = flows.create_order(lines=[(0, 1)])
    response = flows.hq.post(f"/orders/{order['id']}/approve")
    assert response.status_code == 200, response.text
    held = response.json()
    assert held["state"] == "on_credit_hold"
    decision = held["credit_decision"]["decision"]
    assert decision["rules"] == ["grade-b-overdue"]
    assert decision["values"]["customer_grade"] == "B"
    assert decision["values"]["max_days_overdue"] == "30"
    assert decision["values"]["overdue_amount"] == "5000.00"
    assert "15" in held["credit_decision"]["reason"]


def test_finance_releases_held_order_with_reason(flows: Flows) -> None:
    order = held_order(flows)
    etag = flows.finance.get(f"/orders/{order['id']}").headers["etag"]
    headers = {"Idempotency-Key": unique("rel"), "If-Match": etag}
    body = {"reason": "customer paid the open invoices in advance"}
    path = f"/orders/{order['id']}/release-credit"
    response = flows.finance.post(path, json=body, headers=headers)
    assert response.status_code == 200, response.text
    released = response.json()
    assert released["state"] == "approved"
    number = released["company_order_no"]
    assert number.startswith(f"SO{flows.today.year}")
    replay = flows.finance.post(path, json=body, headers=headers)
    assert replay.headers["Idempotent-Replayed"] == "true"
    assert replay.json()["company_order_no"] == number
    last = flows.history(order["id"])[-1]
    assert (last["trigger"], last["from_state"], last["to_state"]) == (
        "release_credit",
        "on_credit_hold",
        "approved",
    )
    assert last["payload"] == {"reason": body["reason"], "company_order_no": number}
    stale = flows.finance.post(path, json=body, headers={"If-Match": etag})
    assert stale.status_code == 409
    assert _field(stale) == "If-Match"
    assert flows.ship(order["id"]).status_code == 201


def test_finance_rejects_held_order_with_reason(flows: Flows) -> None:
    order = held_order(flows)
    body = {"reason": "customer is in dispute about the last three statements"}
    response = flows.finance.post(f"/orders/{order['id']}/reject-credit", json=body)
    assert response.status_code == 200, response.text
    assert response.json()["state"] == "rejected"
    assert response.json()["company_order_no"] is None
    last = flows.history(order["id"])[-1]
    assert (last["trigger"], last["to_state"], last["payload"]) == (
        "reject_credit",
        "rejected",
        body,
    )
    refused = flows.finance.post(f"/orders/{order['id']}/release-credit", json=body)
    assert refused.status_code == 409
    assert refused.json()["state"] == "rejected"


def test_release_without_reason_is_refused(flows: Flows) -> None:
    order = held_order(flows)
    for path in ("release-credit", "reject-credit"):
        for body in ({"reason": ""}, {"reason": "   "}, {}):
            response = flows.finance.post(f"/orders/{order['id']}/{path}", json=body)
            assert response.status_code == 422, response.text
            assert _field(response) == "reason"
    assert flows.order(order["id"])["state"] == "on_credit_hold"
    assert flows.history(order["id"])[-1]["trigger"] == "hold_for_credit"


def test_only_finance_releases_credit(flows: Flows) -> None:
    order = held_order(flows)
    body = {"reason": "HQ vouches for the customer"}
    for role in ("hq", "sales", "logistics"):
        for path in ("release-credit", "reject-credit"):
            response = getattr(flows, role).post(f"/orders/{order['id']}/{path}", json=body)
            assert response.status_code == 403, response.text
            assert response.json()["required_roles"] == ["finance"]
    assert flows.order(order["id"])["state"] == "on_credit_hold"
    draft = flows.create_order()
    refused = flows.finance.post(f"/orders/{draft['id']}/approve")
    assert refused.status_code == 403
    assert refused.json()["required_roles"] == ["hq"]
    assert flows.history(draft["id"])[-1]["trigger"] == "create"


def test_r19_overdue_counts_from_the_stored_due_date(flows: Flows) -> None:
    # Received 75 days ago on 45-day terms: 30 days overdue, held (grade B allows 15). Terms of 90
    # days from that receipt date re-date the open invoice: due in 15 days, nothing overdue.
    _overdue_invoice(flows, total="5000.00", receipt_days_ago=75)
    received = flows.today - timedelta(days=75)
    version = {"effective_from": str(received), "basis": "receipt", "days": 90}
    response = flows.finance.post(f"/customers/{flows.world.customer}/terms", json=version)
    assert response.status_code == 201, response.text
    assert response.json()["moved"] == 1
    [moved] = response.json()["invoices"]
    assert (moved["due_date_before"], moved["due_date_after"]) == (
        str(received + timedelta(days=45)),
        str(received + timedelta(days=90)),
    )
    order = flows.create_order(lines=[(0, 1)])
    approved = flows.hq.post(f"/orders/{order['id']}/approve").json()
    assert approved["state"] == "approved", approved
    values = approved["credit_decision"]["decision"]["values"]
    assert (values["overdue_amount"], values["max_days_overdue"]) == ("0.00", "0")
