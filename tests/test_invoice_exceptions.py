"""Finance resolves invoice exceptions by the invoice_exception rules (R14-R18)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from service import money
from tests.flows import Flows
from tests.support import Backend, World, make_world

RATE = Decimal("0.13")


def booked_line(
    code: str, qty: int, price: Decimal, *, discount: str = "0.00", tax_shift: str = "0.00"
) -> dict[str, str | int]:
    line = money.goods(price, qty, RATE, includes_tax=True)
    shift = Decimal(tax_shift)
    return {
        "item_code": code,
        "quantity": qty,
        "unit_price": str(price),
        "amount": str(line.amount + shift),
        "tax": str(line.tax - shift),
        "discount": discount,
    }


def as_invoiced(world: World, **changes: dict[str, Any]) -> list[dict[str, Any]]:
    """The booking of an invoice for items 0 x10 and 1 x5, with some lines changed."""
    lines = [
        booked_line(world.items[0], 10, world.prices[world.items[0]]),
        booked_line(world.items[1], 5, world.prices[world.items[1]]),
    ]
    for index, change in changes.items():
        lines[int(index[1:])] = change
    return lines


def book(
    flows: Flows, invoice: dict[str, Any], lines: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    response = flows.finance.post(
        f"/invoices/{invoice['id']}/booking",
        json={"reference": f"BK-{invoice['id']}", "booked_on": str(flows.today), "lines": lines},
    )
    assert response.status_code == 201, response.text
    return list(response.json()["exceptions"])


def attach(flows: Flows, exception: dict[str, Any], *kinds: str) -> dict[str, Any]:
    result = exception
    for kind in kinds:
        evidence = flows.upload_evidence()
        response = flows.finance.post(
            f"/invoice-exceptions/{exception['id']}/evidence",
            json={"kind": kind, "attachment_id": evidence["id"]},
        )
        assert response.status_code == 200, response.text
        result = response.json()
    return result


def confirm(flows: Flows, exception: dict[str, Any], role: str = "finance") -> dict[str, Any]:
    response = flows.clients[role].post(f"/invoice-exceptions/{exception['id']}/confirm")
    assert response.status_code == 200, response.text
    return dict(response.json())


def invoice(flows: Flows, invoice_id: int) -> dict[str, Any]:
    return dict(flows.finance.get(f"/invoices/{invoice_id}").json())


@pytest.fixture
def issued(flows: Flows) -> dict[str, Any]:
    return flows.issued_invoice(flows.receipted_order()["id"])


def test_a_booking_that_matches_the_invoice_opens_nothing(
    flows: Flows, issued: dict[str, Any]
) -> None:
    assert book(flows, issued, as_invoiced(flows.world)) == []
    assert invoice(flows, issued["id"])["state"] == "issued"


def test_r15_over_invoiced_quantity_is_reissued(flows: Flows, issued: dict[str, Any]) -> None:
    world = flows.world
    [exc] = book(
        flows,
        issued,
        as_invoiced(world, l0=booked_line(world.items[0], 8, world.prices[world.items[0]])),
    )
    assert (exc["kind"], exc["quantity_difference"]) == ("quantity_over_invoiced", 2)
    assert exc["resolution"] == "reissue"
    assert exc["decision"]["rules"] == ["r15-over-invoiced"]
    assert exc["missing_evidence"] == ["signed_receipt_copy", "original_invoice_copy"]
    assert invoice(flows, issued["id"])["state"] == "disputed"
    refused = flows.finance.post(f"/invoice-exceptions/{exc['id']}/confirm")
    assert refused.status_code == 409
    assert refused.json()["guard"] == "evidence_complete"
    exc = attach(flows, exc, "signed_receipt_copy", "original_invoice_copy")
    assert exc["missing_evidence"] == []
    done = confirm(flows, exc)
    assert done["state"] == "resolved"
    corrected = invoice(flows, done["result"]["corrected_invoice_id"])
    assert corrected["original_id"] == issued["id"]
    assert [(ln["item_code"], ln["quantity"]) for ln in corrected["lines"]] == [
        (world.items[0], 8),
        (world.items[1], 5),
    ]
    original = invoice(flows, issued["id"])
    assert original["state"] == "resolved"
    assert (original["reversed_by_id"], original["replaced_by_id"]) == (None, corrected["id"])
    # The reversal goes through a red-letter form, reason issuing error, every line.
    form = flows.finance.get(f"/red-letter-forms/{done['result']['red_letter_form_id']}").json()
    assert (form["reason"], form["state"], form["blue_invoice_id"]) == (
        "issuing_error",
        "entered",
        issued["id"],
    )
    assert Decimal(form["total"]) == Decimal(issued["total"])
    # The corrected invoice waits for the red one: the customer never owes both.
    early = flows.finance.post(
        f"/invoices/{corrected['id']}/issue",
        json={"fapiao_no": "7" * 20, "fapiao_date": str(flows.today)},
    )
    assert early.status_code == 409 and early.json()["code"] == "invoice.original_not_reversed"
    # The red invoice issued against the form voids the original.
    red = flows.reissue_red(form["id"])
    assert red["kind"] == "red" and Decimal(red["total"]) == -Decimal(issued["total"])
    assert red["original_id"] == issued["id"]
    original = invoice(flows, issued["id"])
    assert (original["state"], original["reversed_by_id"]) == ("voided", red["id"])
    response = flows.finance.post(
        f"/invoices/{corrected['id']}/issue",
        json={"fapiao_no": "8" * 20, "fapiao_date": str(flows.today)},
    )
    assert response.status_code == 200, response.text


def test_r15_under_invoiced_with_branch_certificate_is_carried_forward(
    flows: Flows, issued: dict[str, Any]
) -> None:
    world = flows.world
    [exc] = book(
        flows,
        issued,
        as_invoiced(world, l1=booked_line(world.items[1], 7, world.prices[world.items[1]])),
    )
    assert (exc["kind"], exc["quantity_difference"]) == ("quantity_under_invoiced", -2)
    assert exc["resolution"] is None  # without the branch certificate a person decides
    refused = flows.finance.post(f"/invoice-exceptions/{exc['id']}/confirm")
    assert refused.status_code == 409 and refused.json()["guard"] == "decided"
    exc = attach(flows, exc, "branch_certificate")
    assert exc["resolution"] == "accept_with_carry_forward"
    assert exc["decision"]["rules"] == ["r15-under-invoiced-carry-forward"]
    done = confirm(flows, exc)
    assert len(done["result"]["carry_forward_ids"]) == 1
    assert invoice(flows, issued["id"])["state"] == "resolved"
    # The missing quantity is invoiced next time, shown as carried forward.
    following = flows.invoice(flows.receipted_order()["id"])
    carried = [ln for ln in following["lines"] if ln["source"] == "carry_forward"]
    assert [(ln["item_code"], ln["quantity"]) for ln in carried] == [(world.items[1], 2)]
    again = flows.invoice(flows.receipted_order()["id"])
    assert [ln for ln in again["lines"] if ln["source"] == "carry_forward"] == []


def test_r14_model_mismatch_is_exchanged(flows: Flows, issued: dict[str, Any]) -> None:
    world = flows.world
    swapped = world.items[3]
    [exc] = book(
        flows, issued, as_invoiced(world, l0=booked_line(swapped, 10, world.prices[swapped]))
    )
    assert (exc["kind"], exc["item_code"], exc["booked_item_code"]) == (
        "model_mismatch",
        world.items[0],
        swapped,
    )
    assert exc["resolution"] == "exchange_invoice"
    done = confirm(flows, attach(flows, exc, "signed_receipt_copy", "original_invoice_copy"))
    corrected = invoice(flows, done["result"]["corrected_invoice_id"])
    line = next(ln for ln in corrected["lines"] if ln["item_code"] == swapped)
    assert (line["quantity"], Decimal(line["unit_price"])) == (10, world.prices[swapped])
    assert world.items[0] not in [ln["item_code"] for ln in corrected["lines"]]


def test_r14_model_mismatch_certified_by_the_branch_is_offset_on_the_next_invoice(
    flows: Flows, issued: dict[str, Any]
) -> None:
    world = flows.world
    swapped = world.items[3]
    [exc] = book(
        flows, issued, as_invoiced(world, l0=booked_line(swapped, 10, world.prices[swapped]))
    )
    exc = attach(flows, exc, "branch_certificate")
    assert exc["resolution"] == "accept_and_offset_next_invoice"
    confirm(flows, exc)
    following = flows.invoice(flows.receipted_order()["id"])
    carried = sorted(
        (ln["item_code"], ln["quantity"])
        for ln in following["lines"]
        if ln["source"] == "carry_forward"
    )
    assert carried == sorted([(swapped, 10), (world.items[0], -10)])


def test_r16_price_mismatch_the_contract_price_wins(flows: Flows, issued: dict[str, Any]) -> None:
    world = flows.world
    lower = world.prices[world.items[1]] - Decimal("50.00")
    [exc] = book(flows, issued, as_invoiced(world, l1=booked_line(world.items[1], 5, lower)))
    assert exc["kind"] == "price_mismatch"
    assert (exc["resolution"], exc["confirm_by"]) == ("correct_price", "hq")
    exc = attach(flows, exc, "contract_price_agreement")
    refused = flows.finance.post(f"/invoice-exceptions/{exc['id']}/confirm")
    assert refused.status_code == 409 and refused.json()["guard"] == "holds_confirming_role"
    done = confirm(flows, exc, role="hq")
    assert "customer corrects its booking" in done["result"]["note"]
    assert invoice(flows, issued["id"])["reversed_by_id"] is None


def test_r16_the_contract_price_is_the_one_agreed_when_the_order_was_made(
    flows: Flows, issued: dict[str, Any]
) -> None:
    # After the order, HQ lowers the model's price; the customer books the invoice at the new
    # price. The invoice carries the price agreed for the order: it stands.
    world = flows.world
    item = world.items[1]
    lower = world.prices[item] - Decimal("50.00")
    flows.change_contract(world.prices | {item: lower})
    [exc] = book(flows, issued, as_invoiced(world, l1=booked_line(item, 5, lower)))
    assert exc["kind"] == "price_mismatch"
    done = confirm(flows, attach(flows, exc, "contract_price_agreement"), role="hq")
    assert "customer corrects its booking" in done["result"]["note"]
    assert invoice(flows, issued["id"])["reversed_by_id"] is None
    # An order made since is invoiced at the new price, and the same booking then agrees.
    later = flows.issued_invoice(flows.receipted_order()["id"])
    assert {ln["item_code"]: Decimal(ln["unit_price"]) for ln in later["lines"]}[item] == lower
    assert book(flows, later, as_invoiced(world, l1=booked_line(item, 5, lower))) == []


def test_r17_discount_mismatch_is_reissued_against_the_signed_discount_document(
    backend: Backend,
) -> None:
    from service.clock import business_date

    world = make_world(
        backend.db,
        today=business_date(backend.settings.tz),
        discount_mode="on_invoice",
        discount_rate="0.03",
    )
    with Flows(backend, world) as flows:
        issued = flows.issued_invoice(flows.receipted_order(discount_order_no="FY-7")["id"])
        shown = [
            -(Decimal(ln["amount"]) + Decimal(ln["tax"]))
            for ln in issued["lines"]
            if ln["source"] == "discount"
        ]
        lines = as_invoiced(world)
        lines[0]["discount"] = str(shown[0] + Decimal("100.00"))
        lines[1]["discount"] = str(shown[1])
        [exc] = book(flows, issued, lines)
        assert exc["kind"] == "discount_mismatch"
        assert exc["resolution"] == "correct_discount"
        done = confirm(flows, attach(flows, exc, "signed_discount_document"))
        corrected = invoice(flows, done["result"]["corrected_invoice_id"])
        discounts = [
            -(Decimal(ln["amount"]) + Decimal(ln["tax"]))
            for ln in corrected["lines"]
            if ln["source"] == "discount"
        ]
        assert discounts == [shown[0] + Decimal("100.00"), shown[1]]
        # The red invoice takes the discount lines back too: exactly the original, negated.
        red = flows.reissue_red(done["result"]["red_letter_form_id"])
        assert Decimal(red["total"]) == -Decimal(issued["total"])
        assert [ln["reverses_line_id"] for ln in red["lines"]] == [
            ln["id"] for ln in issued["lines"]
        ]


def test_tax_difference_within_tolerance_is_rounding_not_a_dispute(
    flows: Flows, issued: dict[str, Any]
) -> None:
    world = flows.world
    [exc] = book(
        flows,
        issued,
        as_invoiced(
            world,
            l0=booked_line(world.items[0], 10, world.prices[world.items[0]], tax_shift="0.02"),
        ),
    )
    assert exc["kind"] == "tax_difference"
    assert Decimal(exc["line_tax_difference"]) == Decimal("0.02")
    # Decided by the rules and resolved at once: nobody has to confirm a rounding difference.
    assert exc["state"] == "resolved" and exc["resolution"] == "accept_rounding"
    assert exc["confirmed_by"] is None and exc["allowed_triggers"] == []
    assert invoice(flows, issued["id"])["state"] == "issued"
    assert invoice(flows, issued["id"])["reversed_by_id"] is None
    queue = flows.finance.get(
        "/invoice-exceptions", params={"customer_code": world.customer}
    ).json()
    assert queue == []
    history = flows.finance.get(f"/invoice-exceptions/{exc['id']}/history").json()
    assert [(e["trigger"], e["to_state"]) for e in history] == [
        ("raise", "open"),
        ("accept_as_decided", "resolved"),
    ]
    assert history[1]["decisions"][0]["rules"] == ["tax-rounding-within-tolerance"]
    invoice_history = flows.finance.get(f"/invoices/{issued['id']}/history").json()
    assert "dispute" not in [e["trigger"] for e in invoice_history]


def test_tax_difference_over_tolerance_goes_to_a_person_who_overrides_with_a_reason(
    flows: Flows, issued: dict[str, Any]
) -> None:
    world = flows.world
    [exc] = book(
        flows,
        issued,
        as_invoiced(
            world,
            l0=booked_line(world.items[0], 10, world.prices[world.items[0]], tax_shift="0.10"),
        ),
    )
    assert exc["resolution"] is None
    assert "a person" in exc["explanation"] or exc["decision"]["rules"] == []
    short = flows.finance.post(
        f"/invoice-exceptions/{exc['id']}/override",
        json={"resolution": "accept_rounding", "reason": "ok"},
    )
    assert short.status_code == 422 and short.json()["errors"][0]["field"] == "reason"
    reason = "customer rounds on the invoice total; agreed with its settlement centre"
    done = flows.finance.post(
        f"/invoice-exceptions/{exc['id']}/override",
        json={"resolution": "accept_rounding", "reason": reason},
    )
    assert done.status_code == 200, done.text
    assert (done.json()["overridden"], done.json()["override_reason"]) == (True, reason)
    history = flows.finance.get(f"/invoice-exceptions/{exc['id']}/history").json()
    assert history[-1]["trigger"] == "override"
    assert history[-1]["payload"]["reason"] == reason
    assert history[-1]["decisions"][0]["ruleset"] == "invoice_exception"


def test_r18_a_resolution_records_its_rule_evidence_and_who_confirmed(
    flows: Flows, issued: dict[str, Any]
) -> None:
    world = flows.world
    [exc] = book(
        flows,
        issued,
        as_invoiced(world, l0=booked_line(world.items[0], 9, world.prices[world.items[0]])),
    )
    done = confirm(flows, attach(flows, exc, "signed_receipt_copy", "original_invoice_copy"))
    assert done["decision"]["ruleset"] == "invoice_exception"
    assert done["decision"]["version"] >= 1 and done["decision"]["checksum"]
    assert done["decision"]["values"]["quantity_difference"] == "1"
    assert [ev["kind"] for ev in done["evidence"]] == [
        "signed_receipt_copy",
        "original_invoice_copy",
    ]
    assert done["confirmed_by"].startswith("u-finance")
    history = flows.finance.get(f"/invoice-exceptions/{exc['id']}/history").json()
    assert [e["trigger"] for e in history] == [
        "raise",
        "attach_evidence",
        "attach_evidence",
        "confirm",
    ]
    assert history[-1]["decisions"][0]["rules"] == ["r15-over-invoiced"]


def test_two_reissues_of_one_invoice_reverse_it_once(flows: Flows, issued: dict[str, Any]) -> None:
    world = flows.world
    found = book(
        flows,
        issued,
        as_invoiced(
            world,
            l0=booked_line(world.items[0], 8, world.prices[world.items[0]]),
            l1=booked_line(world.items[1], 4, world.prices[world.items[1]]),
        ),
    )
    results = [
        confirm(flows, attach(flows, exc, "signed_receipt_copy", "original_invoice_copy"))["result"]
        for exc in found
    ]
    assert results[0]["red_letter_form_id"] == results[1]["red_letter_form_id"]
    corrected = invoice(flows, results[1]["corrected_invoice_id"])
    assert [(ln["item_code"], ln["quantity"]) for ln in corrected["lines"]] == [
        (world.items[0], 8),
        (world.items[1], 4),
    ]
    forms = flows.finance.get("/red-letter-forms", params={"invoice_id": issued["id"]}).json()
    assert [f["id"] for f in forms] == [results[0]["red_letter_form_id"]]
    flows.reissue_red(results[1]["red_letter_form_id"])
    reds = flows.finance.get(
        "/invoices", params={"kind": "red", "order_id": issued["order_id"]}
    ).json()
    assert len(reds) == 1


def test_the_exception_queue_filters_by_customer_kind_age_and_amount(
    flows: Flows, issued: dict[str, Any]
) -> None:
    world = flows.world
    book(
        flows,
        issued,
        as_invoiced(
            world,
            l0=booked_line(world.items[0], 8, world.prices[world.items[0]]),
            l1=booked_line(world.items[1], 5, world.prices[world.items[1]], tax_shift="0.10"),
        ),
    )
    queue = flows.finance.get("/invoice-exceptions", params={"customer_code": world.customer})
    assert sorted(e["kind"] for e in queue.json()) == ["quantity_over_invoiced", "tax_difference"]
    by_kind = flows.finance.get(
        "/invoice-exceptions", params={"customer_code": world.customer, "kind": "tax_difference"}
    ).json()
    assert [e["kind"] for e in by_kind] == ["tax_difference"]
    big = flows.finance.get(
        "/invoice-exceptions", params={"customer_code": world.customer, "min_amount": "100"}
    ).json()
    assert [e["kind"] for e in big] == ["quantity_over_invoiced"]
    old = flows.finance.get(
        "/invoice-exceptions", params={"customer_code": world.customer, "min_age_days": 3}
    ).json()
    assert old == []
    fresh = flows.finance.get(
        "/invoice-exceptions", params={"customer_code": world.customer, "min_age_days": 0}
    ).json()
    assert len(fresh) == 2


def test_a_booking_is_recorded_against_an_issued_invoice_only_once(flows: Flows) -> None:
    draft = flows.invoice(flows.receipted_order()["id"])
    response = flows.finance.post(
        f"/invoices/{draft['id']}/booking",
        json={"reference": "BK", "booked_on": str(flows.today), "lines": as_invoiced(flows.world)},
    )
    assert response.status_code == 409
    issued = flows.issued_invoice(flows.receipted_order()["id"])
    assert book(flows, issued, as_invoiced(flows.world)) == []
    again = flows.finance.post(
        f"/invoices/{issued['id']}/booking",
        json={"reference": "BK2", "booked_on": str(flows.today), "lines": as_invoiced(flows.world)},
    )
    assert again.status_code == 409


def test_confirming_a_resolution_the_rules_no_longer_decide_is_refused(
    flows: Flows, issued: dict[str, Any]
) -> None:
    world = flows.world
    [exc] = book(
        flows,
        issued,
        as_invoiced(world, l0=booked_line(world.items[0], 9, world.prices[world.items[0]])),
    )
    exc = attach(flows, exc, "signed_receipt_copy", "original_invoice_copy")
    refused = flows.finance.post(
        f"/invoice-exceptions/{exc['id']}/confirm",
        json={"expected_resolution": "accept_with_carry_forward"},
    )
    assert refused.status_code == 409
    assert refused.json()["code"] == "invoice_exception.decision_changed"
    assert refused.json()["errors"][0]["field"] == "expected_resolution"
    assert "reissue" in refused.json()["detail"]
    assert flows.finance.get(f"/invoice-exceptions/{exc['id']}").json()["state"] == "open"
    done = flows.finance.post(
        f"/invoice-exceptions/{exc['id']}/confirm", json={"expected_resolution": "reissue"}
    )
    assert done.status_code == 200 and done.json()["state"] == "resolved"
