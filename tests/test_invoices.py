"""Finance makes invoices from signed receipts (R9-R13) and carries quantities forward (R15)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select

from service import money
from service.invoices.models import DiscountCredit
from tests.flows import Flows
from tests.support import Backend, make_world, unique_fapiao


def _goods(invoice: dict[str, Any]) -> list[tuple[str, int]]:
    return [(ln["item_code"], ln["quantity"]) for ln in invoice["lines"] if ln["source"] == "goods"]


def test_r9_the_invoice_uses_the_received_quantity(flows: Flows) -> None:
    order = flows.receipted_order(
        received=[{"line_no": 1, "received_qty": 7}, {"line_no": 2, "received_qty": 5}]
    )
    invoice = flows.invoice(order["id"])
    assert _goods(invoice) == [(flows.world.items[0], 7), (flows.world.items[1], 5)]
    assert invoice["state"] == "draft"
    assert flows.order(order["id"])["state"] == "invoiced"


def test_r9_only_a_receipted_order_is_invoiced(flows: Flows) -> None:
    order = flows.shipped_order()
    response = flows.finance.post("/invoices", json={"order_id": order["id"]})
    assert response.status_code == 409
    assert "post_receipt" in response.json()["allowed_triggers"]
    assert flows.finance.get("/invoices", params={"order_id": order["id"]}).json() == []


def test_r9_a_substituted_model_is_invoiced_as_received(flows: Flows) -> None:
    swapped = flows.world.items[3]
    order = flows.receipted_order(
        received=[
            {"line_no": 1, "received_qty": 8},
            {"line_no": 1, "received_qty": 2, "item_code": swapped},
            {"line_no": 2, "received_qty": 5},
        ]
    )
    invoice = flows.invoice(order["id"])
    assert (swapped, 2) in _goods(invoice)
    line = next(ln for ln in invoice["lines"] if ln["item_code"] == swapped)
    assert Decimal(line["unit_price"]) == flows.world.prices[swapped]


def _receive(flows: Flows, order: dict[str, Any], received: list[dict[str, Any]]) -> None:
    response = flows.post_receipt(order["id"], flows.receipt_body(order, lines=received))
    assert response.status_code == 201, response.text


def test_r11_a_substitute_is_priced_as_the_contract_stood_when_the_order_was_made(
    flows: Flows,
) -> None:
    items, prices = flows.world.items, flows.world.prices
    swapped, dropped, added = items[3], items[4], items[6]
    before, refused = flows.shipped_order(), flows.shipped_order()
    # Then HQ raises the price of one model, drops another from the contract and adds a third.
    flows.change_contract(
        {c: "4444.00" if c == swapped else p for c, p in prices.items() if c != dropped}
        | {added: "700.00"}
    )
    after = flows.shipped_order()
    substitutes: list[dict[str, Any]] = [
        {"line_no": 1, "received_qty": 8},
        {"line_no": 1, "received_qty": 2, "item_code": swapped},
        {"line_no": 2, "received_qty": 4},
    ]
    _receive(flows, before, [*substitutes, {"line_no": 2, "received_qty": 1, "item_code": dropped}])
    _receive(flows, after, [*substitutes, {"line_no": 2, "received_qty": 1, "item_code": added}])
    _receive(flows, refused, [*substitutes, {"line_no": 2, "received_qty": 1, "item_code": added}])

    def unit_prices(invoice: dict[str, Any]) -> dict[str, Decimal]:
        return {ln["item_code"]: Decimal(ln["unit_price"]) for ln in invoice["lines"]}

    # The order made before the change: its substitutes at the prices agreed then (R11).
    old = unit_prices(flows.invoice(before["id"]))
    assert (old[swapped], old[dropped]) == (prices[swapped], prices[dropped])
    # The order made after it: at the prices agreed since.
    new = unit_prices(flows.invoice(after["id"]))
    assert (new[swapped], new[added]) == (Decimal("4444.00"), Decimal("700.00"))
    # A model the contract priced only after the order was made has no price for it.
    answer = flows.finance.post("/invoices", json={"order_id": refused["id"]})
    assert answer.status_code == 409, answer.text
    assert answer.json()["code"] == "invoice.substitute_not_in_contract"


def test_r10_the_remark_carries_the_four_references(flows: Flows) -> None:
    order = flows.receipted_order()
    approved = flows.order(order["id"])
    invoice = flows.invoice(order["id"])
    for reference in (
        approved["customer_po_no"],
        approved["company_order_no"],
        order["receipt_no"],
        approved["dc_code"],
    ):
        assert reference in invoice["remark"]


def test_r11_prices_are_the_contract_prices_with_tax_per_line_half_up(flows: Flows) -> None:
    order = flows.receipted_order()
    invoice = flows.invoice(order["id"])
    total = Decimal("0.00")
    for line in invoice["lines"]:
        price = flows.world.prices[line["item_code"]]
        assert Decimal(line["unit_price"]) == price
        expected = money.goods(price, line["quantity"], Decimal("0.13"), includes_tax=True)
        assert (Decimal(line["amount"]), Decimal(line["tax"])) == (expected.amount, expected.tax)
        assert money.rounding_gap(expected.amount, Decimal("0.13"), expected.tax) <= Decimal("0.06")
        total += price * line["quantity"]
    assert Decimal(invoice["total"]) == total
    assert Decimal(invoice["amount"]) + Decimal(invoice["tax"]) == total


def test_r12_discount_on_the_invoice_as_a_discount_line(backend: Backend, flows: Flows) -> None:
    world = make_world(
        backend.db, today=flows.today, discount_mode="on_invoice", discount_rate="0.03"
    )
    with Flows(backend, world) as f:
        order = f.receipted_order(discount_order_no="FY-9")
        invoice = f.invoice(order["id"])
    kinds = [ln["source"] for ln in invoice["lines"]]
    assert kinds == ["goods", "discount", "goods", "discount"]
    grosses = [world.prices[world.items[i]] * q for i, q in ((0, 10), (1, 5))]
    # Each discount line is rounded half-up to the fen on its own.
    assert Decimal(invoice["discount_total"]) == sum(
        money.fen(g * Decimal("0.03")) for g in grosses
    )
    assert Decimal(invoice["total"]) == sum(grosses) - Decimal(invoice["discount_total"])


def test_r12_discount_by_receipt_offset_stays_off_the_invoice(
    backend: Backend, flows: Flows
) -> None:
    world = make_world(
        backend.db, today=flows.today, discount_mode="receipt_offset", discount_rate="0.02"
    )
    with Flows(backend, world) as f:
        invoice = f.invoice(f.receipted_order()["id"])
    assert [ln["source"] for ln in invoice["lines"]] == ["goods", "goods"]
    assert Decimal(invoice["discount_total"]) == 0
    with backend.db.read() as session:
        credit = session.scalars(
            select(DiscountCredit).where(DiscountCredit.invoice_id == invoice["id"])
        ).one()
    assert credit.mode == "receipt_offset"
    assert credit.amount == money.fen(Decimal(invoice["total"]) * Decimal("0.02"))


@pytest.mark.parametrize("mode", ["on_invoice", "receipt_offset"])
def test_r12_the_discount_rate_is_the_one_agreed_when_the_order_was_made(
    backend: Backend, flows: Flows, mode: str
) -> None:
    world = make_world(backend.db, today=flows.today, discount_mode=mode, discount_rate="0.03")
    with Flows(backend, world) as f:
        before = f.receipted_order(discount_order_no="FY-3")
        f.change_contract(discount_rate="0.05")  # HQ, after the order
        after = f.receipted_order(discount_order_no="FY-5")
        invoices = [f.invoice(before["id"]), f.invoice(after["id"])]

    def discounted(invoice: dict[str, Any]) -> Decimal:
        if mode == "on_invoice":
            return Decimal(invoice["discount_total"])
        with backend.db.read() as session:
            credit = session.scalars(
                select(DiscountCredit.amount).where(DiscountCredit.invoice_id == invoice["id"])
            ).one()
        return Decimal(credit)

    grosses = [world.prices[world.items[i]] * q for i, q in ((0, 10), (1, 5))]
    for invoice, rate in zip(invoices, ("0.03", "0.05"), strict=True):
        if mode == "on_invoice":
            expected = sum(money.fen(g * Decimal(rate)) for g in grosses)
        else:
            expected = money.fen(sum(grosses) * Decimal(rate))
        assert discounted(invoice) == expected, (rate, invoice["invoice_no"])


def test_r13_invoice_is_issued_sent_to_the_settlement_centre_and_signed(
    backend: Backend, flows: Flows
) -> None:
    invoice = flows.issued_invoice(flows.receipted_order()["id"])
    assert invoice["state"] == "issued" and invoice["fapiao_no"]
    assert invoice["delivery_route"] == "branch"
    sent = flows.finance.post(
        f"/invoices/{invoice['id']}/send", json={"sent_on": str(flows.today), "tracking_no": "SF1"}
    )
    assert sent.status_code == 200, sent.text
    signed = flows.sales.post(
        f"/invoices/{invoice['id']}/sign",
        json={"signed_on": str(flows.today), "signed_by": "Wang Li"},
    )
    assert signed.status_code == 200, signed.text
    assert (signed.json()["state"], signed.json()["signed_by"]) == ("signed", "Wang Li")
    history = flows.finance.get(f"/invoices/{invoice['id']}/history").json()
    assert [e["trigger"] for e in history] == ["create", "issue", "send", "sign"]
    assert history[2]["payload"]["route"] == "branch"
    centre = make_world(backend.db, today=flows.today, delivery="settlement_centre")
    with Flows(backend, centre) as f:
        invoice = f.invoice(f.receipted_order()["id"])
    assert invoice["delivery_route"] == "settlement_centre"
    assert invoice["delivery_address"] == "settlement centre, Road 1"


def test_issue_dates_and_numbers_are_checked(flows: Flows) -> None:
    invoice = flows.invoice(flows.receipted_order()["id"])
    bad = flows.finance.post(
        f"/invoices/{invoice['id']}/issue",
        json={"fapiao_no": "12AB", "fapiao_date": str(flows.today)},
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "fapiao_no"
    future = flows.finance.post(
        f"/invoices/{invoice['id']}/issue",
        json={"fapiao_no": unique_fapiao(), "fapiao_date": str(flows.today + timedelta(days=1))},
    )
    assert future.status_code == 422 and future.json()["errors"][0]["field"] == "fapiao_date"
    number = unique_fapiao()
    assert (
        flows.finance.post(
            f"/invoices/{invoice['id']}/issue",
            json={"fapiao_no": number, "fapiao_date": str(flows.today)},
        ).status_code
        == 200
    )
    other = flows.invoice(flows.receipted_order()["id"])
    clash = flows.finance.post(
        f"/invoices/{other['id']}/issue",
        json={"fapiao_no": number, "fapiao_date": str(flows.today)},
    )
    assert clash.status_code == 409 and clash.json()["errors"][0]["field"] == "fapiao_no"
    assert flows.finance.get(f"/invoices/{other['id']}").json()["state"] == "draft"


def test_only_finance_makes_invoices(flows: Flows) -> None:
    order = flows.receipted_order()
    assert flows.sales.post("/invoices", json={"order_id": order["id"]}).status_code == 403


def test_a_discarded_draft_lets_the_order_be_invoiced_again(flows: Flows) -> None:
    order = flows.receipted_order()
    draft = flows.invoice(order["id"])
    discarded = flows.finance.post(f"/invoices/{draft['id']}/discard")
    assert discarded.status_code == 200 and discarded.json()["state"] == "discarded"
    assert flows.order(order["id"])["state"] == "receipted"
    again = flows.invoice(order["id"])
    assert again["id"] != draft["id"]


def test_more_lines_than_one_invoice_holds_get_a_sales_list(flows: Flows) -> None:
    order = flows.receipted_order(lines=[(i, 1) for i in range(5)])
    invoice = flows.invoice(order["id"])
    assert len(invoice["lines"]) == 5
    assert invoice["sales_list"] is False
    # Eight lines fit one invoice; more are listed on the sales list (销货清单), not split.
    big = make_world(
        flows.backend.db, today=flows.today, discount_mode="on_invoice", discount_rate="0.01"
    )
    with Flows(flows.backend, big) as f:
        invoice = f.invoice(
            f.receipted_order(lines=[(i, 1) for i in range(5)], discount_order_no="FY-1")["id"]
        )
    assert len(invoice["lines"]) == 10
    assert invoice["sales_list"] is True
