"""R8 worked to the end: a shortage re-delivered (invoiced once), claimed from the carrier
(settled, or refused and decided again) or accepted by sales; a substitution accepted as
received. The receipt_exception rules propose the path and the owner; every step is journaled
with who took it and why.

The world ships from the internal warehouse with "SF Express"; item 0 costs 1000.50, item 1
1111.50 (tax included). The shipped rules: a substitution is accepted (sales); a shortage from
the internal warehouse worth 5000 or more is claimed (logistics); other shortages re-delivered.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from tests.flows import Flows
from tests.returns_flows import request
from tests.support import unique


def shortage(flows: Flows, received: int) -> tuple[dict[str, Any], dict[str, Any]]:
    """An order of item 0 x10 and item 1 x5, `received` of item 0 arrived: its exception."""
    order = flows.shipped_order()
    body = flows.receipt_body(
        order,
        lines=[{"line_no": 1, "received_qty": received}, {"line_no": 2, "received_qty": 5}],
    )
    response = flows.post_receipt(order["id"], body)
    assert response.status_code == 201, response.text
    [exc] = response.json()["exceptions"]
    return order, exception(flows, exc["id"])


def exception(flows: Flows, exception_id: int) -> dict[str, Any]:
    response = flows.finance.get(f"/receipt-exceptions/{exception_id}")
    assert response.status_code == 200, response.text
    return dict(response.json())


def act(flows: Flows, role: str, exc: dict[str, Any], action: str, body: Any = None) -> Any:
    return getattr(flows, role).post(f"/receipt-exceptions/{exc['id']}/{action}", json=body)


def redelivery_body(flows: Flows, quantity: int, **overrides: Any) -> dict[str, Any]:
    body = {
        "shipped_on": str(flows.today - timedelta(days=1)),
        "waybill_no": unique("SF"),
        "receipt_no": unique("RK"),
        "receipt_date": str(flows.today),
        "quantity": quantity,
        "scan_id": flows.upload_evidence()["id"],
    }
    return body | overrides


def history(flows: Flows, exc: dict[str, Any]) -> list[tuple[str, str]]:
    events = flows.finance.get(f"/receipt-exceptions/{exc['id']}/history").json()
    return [(e["trigger"], e["actor"]) for e in events]


def test_r8_a_shortage_is_re_delivered_and_invoiced_once(flows: Flows) -> None:
    order, exc = shortage(flows, 8)
    assert (exc["kind"], exc["quantity"], exc["state"]) == ("shortage", 2, "open")
    assert (exc["proposed_path"], exc["owner_role"]) == ("redeliver", "logistics")
    assert exc["decision"]["rules"] == ["shortage-redelivered"]
    assert exc["allowed_triggers"] == ["redeliver", "claim", "accept"]
    taken = act(flows, "logistics", exc, "redeliver")
    assert taken.status_code == 200, taken.text
    assert (taken.json()["state"], taken.json()["path"]) == ("redelivering", "redeliver")
    # More than was short, a follow-up before the receipt, or sales posting it: refused.
    assert act(flows, "logistics", exc, "redelivery", redelivery_body(flows, 3)).status_code == 422
    early = redelivery_body(flows, 2, shipped_on=str(flows.today - timedelta(days=9)))
    assert act(flows, "logistics", exc, "redelivery", early).json()["errors"][0]["field"] == (
        "shipped_on"
    )
    assert act(flows, "sales", exc, "redelivery", redelivery_body(flows, 2)).status_code == 403
    posted = act(flows, "logistics", exc, "redelivery", redelivery_body(flows, 2))
    assert posted.status_code == 200, posted.text
    done = posted.json()
    assert (done["state"], done["redelivered_qty"]) == ("redelivered", 2)
    # The order's invoice bills what arrived at first and what the follow-up brought: 10.
    invoice = flows.invoice(order["id"])
    goods = [(ln["source"], ln["item_code"], ln["quantity"]) for ln in invoice["lines"]]
    assert goods == [
        ("goods", flows.world.items[0], 8),
        ("goods", flows.world.items[1], 5),
        ("carry_forward", flows.world.items[0], 2),
    ]
    assert exception(flows, exc["id"])["redelivery_invoice_no"] == invoice["invoice_no"]
    follow_up = done["redelivery_receipt_no"]
    assert f"补发入库单 follow-up receipt {follow_up}" in invoice["remark"]
    # The next invoice of the customer does not carry it again.
    later = flows.invoice(flows.receipted_order()["id"])
    assert [ln["source"] for ln in later["lines"]] == ["goods", "goods"]
    steps = history(flows, exc)
    assert [t for t, _ in steps] == ["raise", "redeliver", "post_redelivery"]
    assert all("logistics" in actor for _, actor in steps)


def test_r8_a_follow_up_receipt_number_is_never_booked_twice(flows: Flows) -> None:
    _, first = shortage(flows, 8)
    order, second = shortage(flows, 9)
    for exc in (first, second):
        assert act(flows, "logistics", exc, "redeliver").status_code == 200
    body = redelivery_body(flows, 2)
    assert act(flows, "logistics", first, "redelivery", body).status_code == 200
    again = act(flows, "logistics", second, "redelivery", body | {"quantity": 1})
    assert again.status_code == 409 and again.json()["code"] == "receipt.number_already_posted"
    assert exception(flows, second["id"])["state"] == "redelivering"
    # Nor the number of a receipt already posted.
    posted = flows.logistics.get(f"/orders/{order['id']}/receipt").json()["receipt_no"]
    clash = body | {"quantity": 1, "receipt_no": posted}
    assert act(flows, "logistics", second, "redelivery", clash).status_code == 409


def test_r8_a_shortage_claimed_from_the_carrier_is_settled(flows: Flows) -> None:
    _, exc = shortage(flows, 4)
    assert (exc["proposed_path"], exc["owner_role"]) == ("claim", "logistics")
    assert exc["decision"]["rules"] == ["carrier-lost-goods"]
    evidence = flows.upload_evidence()["id"]
    claim = {"amount": "6003.00", "claimed_on": str(flows.today), "evidence_id": evidence}
    assert act(flows, "sales", exc, "claim", claim).status_code == 403
    claimed = act(flows, "logistics", exc, "claim", claim)
    assert claimed.status_code == 200, claimed.text
    assert (claimed.json()["state"], Decimal(claimed.json()["claim_amount"])) == (
        "claimed",
        Decimal("6003.00"),
    )
    over = act(
        flows, "finance", exc, "settle-claim", {"amount": "7000", "settled_on": str(flows.today)}
    )
    assert over.status_code == 422 and over.json()["errors"][0]["field"] == "amount"
    settled = act(
        flows, "finance", exc, "settle-claim", {"amount": "5000", "settled_on": str(flows.today)}
    )
    assert settled.status_code == 200, settled.text
    assert (settled.json()["state"], Decimal(settled.json()["claim_settled_amount"])) == (
        "claim_settled",
        Decimal("5000.00"),
    )
    by_carrier = flows.finance.get(
        "/receipt-exceptions", params={"status": "closed", "carrier": "SF Express"}
    ).json()
    assert exc["id"] in [e["id"] for e in by_carrier]


def test_r8_a_refused_claim_is_decided_again_and_sales_accepts_the_shortage(
    flows: Flows,
) -> None:
    _, exc = shortage(flows, 4)
    claim = {
        "amount": "6003.00",
        "claimed_on": str(flows.today),
        "evidence_id": flows.upload_evidence()["id"],
    }
    assert act(flows, "logistics", exc, "claim", claim).status_code == 200
    refused = act(
        flows,
        "logistics",
        exc,
        "refuse-claim",
        {"refused_on": str(flows.today), "reason": "signed for in full at the DC"},
    )
    assert refused.status_code == 200, refused.text
    assert (refused.json()["state"], refused.json()["path"]) == ("open", None)
    # Accepting needs a reason and is sales' decision.
    assert act(flows, "sales", exc, "accept", {}).status_code == 422
    assert act(flows, "logistics", exc, "accept", {"reason": "x"}).status_code == 403
    accepted = act(flows, "sales", exc, "accept", {"reason": "customer cancels the rest"})
    assert accepted.status_code == 200, accepted.text
    assert (accepted.json()["state"], accepted.json()["reason"]) == (
        "accepted",
        "customer cancels the rest",
    )
    assert [t for t, _ in history(flows, exc)] == ["raise", "claim", "refuse_claim", "accept"]


def test_r8_a_path_the_rules_did_not_propose_needs_a_reason(flows: Flows) -> None:
    _, exc = shortage(flows, 8)
    assert exc["proposed_path"] == "redeliver"
    claim = {
        "amount": "2001.00",
        "claimed_on": str(flows.today),
        "evidence_id": flows.upload_evidence()["id"],
    }
    refused = act(flows, "logistics", exc, "claim", claim)
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "reason"
    assert exception(flows, exc["id"])["state"] == "open"
    taken = act(flows, "logistics", exc, "claim", claim | {"reason": "the carrier broke them"})
    assert taken.status_code == 200, taken.text
    assert taken.json()["reason"] == "the carrier broke them"


def test_r8_a_substitution_is_accepted_as_received(flows: Flows) -> None:
    order = flows.shipped_order()
    body = flows.receipt_body(
        order,
        lines=[
            {"line_no": 1, "received_qty": 8},
            {"line_no": 1, "received_qty": 2, "item_code": flows.world.items[3]},
            {"line_no": 2, "received_qty": 5},
        ],
    )
    [found] = flows.post_receipt(order["id"], body).json()["exceptions"]
    exc = exception(flows, found["id"])
    assert (exc["kind"], exc["proposed_path"], exc["owner_role"]) == (
        "substitution",
        "accept",
        "sales",
    )
    wrong = act(flows, "logistics", exc, "redeliver")
    assert wrong.status_code == 409 and wrong.json()["guard"] == "is_shortage"
    mine = flows.sales.get("/receipt-exceptions", params={"owner_role": "sales"}).json()
    assert exc["id"] in [e["id"] for e in mine]
    accepted = act(flows, "sales", exc, "accept", {"reason": "the customer keeps the A2 units"})
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["state"] == "accepted"
    open_ones = flows.sales.get("/receipt-exceptions", params={"owner_role": "sales"}).json()
    assert exc["id"] not in [e["id"] for e in open_ones]


def test_r8_a_substitution_goes_back_through_the_return_flow(flows: Flows) -> None:
    order = flows.shipped_order()
    swapped = flows.world.items[3]
    body = flows.receipt_body(
        order,
        lines=[
            {"line_no": 1, "received_qty": 8},
            {"line_no": 1, "received_qty": 2, "item_code": swapped},
            {"line_no": 2, "received_qty": 5},
        ],
    )
    [found] = flows.post_receipt(order["id"], body).json()["exceptions"]
    invoice = flows.issued_invoice(order["id"])
    [line_no] = [ln["line_no"] for ln in invoice["lines"] if ln["item_code"] == swapped]
    kept = [ln["line_no"] for ln in invoice["lines"] if ln["item_code"] == flows.world.items[0]]
    # A return that does not send the other model back does not end the exception.
    wrong = request(flows, invoice, [(kept[0], 2)], receipt_exception_id=found["id"])
    assert wrong.status_code == 422
    assert wrong.json()["errors"][0]["field"] == "receipt_exception_id"
    assert exception(flows, found["id"])["state"] == "open"
    ret = request(
        flows, invoice, [(line_no, 2)], reason="wrong_model", receipt_exception_id=found["id"]
    )
    assert ret.status_code == 201, ret.text
    exc = exception(flows, found["id"])
    assert (exc["state"], exc["path"], exc["return_id"]) == ("returned", "return", ret.json()["id"])
    # Once returned, it is not sent back twice.
    again = request(
        flows, invoice, [(line_no, 1)], reason="wrong_model", receipt_exception_id=found["id"]
    )
    assert again.status_code == 409


def test_r8_r9_a_re_delivery_invoiced_on_its_own_is_never_invoiced_twice(flows: Flows) -> None:
    order, exc = shortage(flows, 8)
    # Nothing to invoice before the follow-up receipt is posted.
    early = flows.finance.post("/follow-up-invoices", json={"receipt_exception_id": exc["id"]})
    assert early.status_code == 409 and early.json()["code"] == "invoice.follow_up_not_redelivered"
    assert act(flows, "logistics", exc, "redeliver").status_code == 200
    posted = act(flows, "logistics", exc, "redelivery", redelivery_body(flows, 2)).json()
    # The order's own invoice first: what arrived at first only once the follow-up is taken.
    follow_up = flows.finance.post("/follow-up-invoices", json={"receipt_exception_id": exc["id"]})
    assert follow_up.status_code == 201, follow_up.text
    invoice = follow_up.json()
    assert invoice["follow_up_of_id"] == exc["id"]
    assert [(ln["source"], ln["item_code"], ln["quantity"]) for ln in invoice["lines"]] == [
        ("carry_forward", flows.world.items[0], 2)
    ]
    # 2 x 1000.50, tax included.
    assert Decimal(invoice["total"]) == Decimal("2001.00")
    assert f"入库单号 receipt {posted['redelivery_receipt_no']}" in invoice["remark"]
    # It does not move the order: the order's own invoice bills what arrived at first.
    assert flows.order(order["id"])["state"] == "receipted"
    own = flows.invoice(order["id"])
    assert [(ln["source"], ln["quantity"]) for ln in own["lines"]] == [("goods", 8), ("goods", 5)]
    again = flows.finance.post("/follow-up-invoices", json={"receipt_exception_id": exc["id"]})
    assert again.status_code == 409
    assert again.json()["code"] == "invoice.follow_up_already_invoiced"
    assert exception(flows, exc["id"])["redelivery_invoice_no"] == invoice["invoice_no"]
    # Discarding the follow-up draft releases the quantity; the order stays invoiced.
    dropped = flows.finance.post(f"/invoices/{invoice['id']}/discard")
    assert dropped.status_code == 200, dropped.text
    assert flows.order(order["id"])["state"] == "invoiced"
    later = flows.invoice(flows.receipted_order()["id"])
    assert [ln["source"] for ln in later["lines"]] == ["goods", "goods", "carry_forward"]


def test_r8_a_partial_re_delivery_leaves_the_rest_short(flows: Flows) -> None:
    order, exc = shortage(flows, 6)
    assert (exc["quantity"], exc["proposed_path"]) == (4, "redeliver")
    assert act(flows, "logistics", exc, "redeliver").status_code == 200
    posted = act(flows, "logistics", exc, "redelivery", redelivery_body(flows, 3))
    assert posted.status_code == 200, posted.text
    assert (posted.json()["state"], posted.json()["redelivered_qty"]) == ("redelivered", 3)
    # The piece still missing is a new open shortage of the same line, decided again.
    still = flows.logistics.get(
        "/receipt-exceptions", params={"customer_code": flows.world.customer}
    ).json()
    [rest] = [e for e in still if e["order_id"] == order["id"]]
    assert (rest["kind"], rest["line_no"], rest["quantity"], rest["state"]) == (
        "shortage",
        1,
        1,
        "open",
    )
    assert (rest["shipped_qty"], rest["received_qty"]) == (10, 9)
    assert rest["proposed_path"] == "redeliver"
    events = flows.finance.get(f"/receipt-exceptions/{rest['id']}/history").json()
    assert events[0]["trigger"] == "raise"
    assert events[0]["payload"]["remainder_of"] == exc["id"]
    invoice = flows.invoice(order["id"])
    assert [(ln["source"], ln["quantity"]) for ln in invoice["lines"]] == [
        ("goods", 6),
        ("goods", 5),
        ("carry_forward", 3),
    ]
