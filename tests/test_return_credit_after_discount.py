"""R24-R26 with R12's discount on the invoice: goods sold with a discount line were paid net, so
taking some of them back takes the same share of their discount line back. The customer is
credited what it was invoiced for those goods, once, whichever way the return is credited.

The world: item 0 at 1000.50 a piece, tax included, 13%; the contract's discount 3% on the
invoice. Ten pieces: 10005.00 = 8853.98 + 1151.02 tax; their discount line 300.15 =
-265.62 - 34.53 tax.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from service.clock import business_date
from tests.flows import Flows
from tests.support import Backend, make_world
from tests.test_red_letter import (
    make_return,
    new_form,
    open_receivables,
    red_invoice,
    step,
    the_return,
)


def discounted(backend: Backend) -> Flows:
    world = make_world(
        backend.db,
        today=business_date(backend.settings.tz),
        discount_mode="on_invoice",
        discount_rate="0.03",
    )
    return Flows(backend, world)


def blue_invoice(flows: Flows) -> dict[str, Any]:
    """An issued invoice of item 0 x10 and item 1 x5, each goods line with its discount line."""
    return flows.issued_invoice(flows.receipted_order(discount_order_no="FY-1")["id"])


def shape(lines: list[dict[str, Any]]) -> list[tuple[int, int, Decimal, Decimal]]:
    return [
        (ln["blue_line_id"], ln["quantity"], Decimal(ln["amount"]), Decimal(ln["tax"]))
        for ln in lines
    ]


def credit_by_red_invoice(flows: Flows, blue: dict[str, Any], quantity: int) -> dict[str, Any]:
    made = new_form(flows, blue, [(0, quantity)])
    assert made.status_code == 201, made.text
    assert step(flows, made.json()["id"], "skip-confirmation").status_code == 200
    red = red_invoice(flows, made.json()["id"])
    assert red.status_code == 201, red.text
    return dict(made.json())


def test_r24a_a_red_invoice_for_discounted_goods_takes_their_discount_share_back(
    backend: Backend,
) -> None:
    with discounted(backend) as flows:
        blue = blue_invoice(flows)
        goods, discount = blue["lines"][0], blue["lines"][1]
        assert (goods["source"], discount["source"]) == ("goods", "discount")
        assert (Decimal(goods["amount"]), Decimal(goods["tax"])) == (
            Decimal("8853.98"),
            Decimal("1151.02"),
        )
        assert (Decimal(discount["amount"]), Decimal(discount["tax"])) == (
            Decimal("-265.62"),
            Decimal("-34.53"),
        )
        before = open_receivables(backend, flows)

        # Three of the ten: 3001.50 = 2656.19 + 345.31, less 3/10 of the discount line.
        first = credit_by_red_invoice(flows, blue, 3)
        assert shape(first["lines"]) == [
            (goods["id"], 3, Decimal("2656.19"), Decimal("345.31")),
            (discount["id"], 0, Decimal("-79.69"), Decimal("-10.36")),
        ]
        assert Decimal(first["total"]) == Decimal("2911.45")
        assert before - open_receivables(backend, flows) == Decimal("2911.45")

        # The other seven take exactly what is left of the line and of its discount.
        rest = credit_by_red_invoice(flows, blue, 7)
        assert shape(rest["lines"]) == [
            (goods["id"], 7, Decimal("6197.79"), Decimal("805.71")),
            (discount["id"], 0, Decimal("-185.93"), Decimal("-24.17")),
        ]
        # Together exactly the ten pieces as invoiced: 10005.00 - 300.15.
        assert Decimal(first["total"]) + Decimal(rest["total"]) == Decimal("9704.85")
        assert before - open_receivables(backend, flows) == Decimal("9704.85")
        # Nothing is left of the line: an eleventh piece is refused.
        assert new_form(flows, blue, [(0, 1)]).json()["code"] == "red_letter_form.exceeds_remaining"


def test_r24c_r26_a_deduction_of_discounted_goods_credits_the_return_net_once(
    backend: Backend,
) -> None:
    with discounted(backend) as flows:
        first = blue_invoice(flows)
        goods, discount = first["lines"][0], first["lines"][1]
        return_id, _ = make_return(backend, first, [(0, 2)], "next_invoice_deduction")
        carrying = blue_invoice(flows)
        deducted = [
            (ln["reverses_line_id"], ln["quantity"], Decimal(ln["amount"]), Decimal(ln["tax"]))
            for ln in carrying["lines"]
            if ln["source"] == "return_deduction"
        ]
        # Two pieces: 2001.00 = 1770.80 + 230.20, less 2/10 of the discount line.
        assert deducted == [
            (goods["id"], -2, Decimal("-1770.80"), Decimal("-230.20")),
            (discount["id"], 0, Decimal("53.12"), Decimal("6.91")),
        ]
        ret = the_return(backend, return_id)
        assert (ret.state, ret.credit_invoice_id) == ("credited", carrying["id"])
        assert (ret.amount, ret.tax, ret.total) == (
            Decimal("1717.68"),
            Decimal("223.29"),
            Decimal("1940.97"),
        )
        # Two invoices of 10 + 5 pieces each (9704.85 + 5388.75 - 161.66 = 14931.94), less
        # the returned two, net: the customer owes 2 x 14931.94 - 1940.97.
        assert Decimal(first["total"]) == Decimal(carrying["total"]) + Decimal("1940.97")
        assert open_receivables(backend, flows) == 2 * Decimal(first["total"]) - Decimal("1940.97")
        # The first invoice's line holds 8 more, and 8/10 of its discount.
        rest = new_form(flows, first, [(0, 8)])
        assert rest.status_code == 201, rest.text
        assert shape(rest.json()["lines"])[1] == (
            discount["id"],
            0,
            Decimal("-212.50"),
            Decimal("-27.62"),
        )
