"""Finance invoices what was received (R9-R11) and records what the customer booked; each
discrepancy becomes an exception decided by the invoice_exception rules (R14-R18)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from service.errors import Conflict
from service.invoices.exceptions.models import InvoiceException
from service.invoices.exceptions.schemas import BookingLineIn
from service.invoices.models import Invoice
from service.orders.models import Order
from tests.usecases.invoicing import (
    as_invoiced,
    attach,
    book,
    booked,
    confirm,
    invoice,
    issued_invoice,
    over_invoiced_exception,
    reissue_red,
)
from tests.usecases.steps import A1, A2, RSJ, WORLD, Steps, got
from workflows import GuardRefused


def test_r9_the_invoice_is_made_of_the_received_quantities(steps: Steps) -> None:
    # Ordered and shipped: 10 A1 and 4 RSJ-60. Received: 9 A1, 1 A2 in place of an A1, 4 RSJ-60.
    order = steps.receipted_order(lines=[got(1, 9), got(1, 1, A2), got(2, 4)])
    made = steps.invoice(order.id)
    assert (made.kind, made.state, made.version) == ("blue", "draft", 1)
    assert [(ln.source, ln.item_code, ln.quantity, ln.unit_price) for ln in made.lines] == [
        ("goods", A1, 9, WORLD.prices[A1]),
        ("goods", A2, 1, WORLD.prices[A2]),  # R11: the contract price of the model received
        ("goods", RSJ, 4, WORLD.prices[RSJ]),
    ]
    # Contract prices include 13% VAT; tax per line, half-up to the fen.
    assert [(ln.amount, ln.tax) for ln in made.lines] == [
        (Decimal("31850.44"), Decimal("4140.56")),
        (Decimal("3804.42"), Decimal("494.58")),
        (Decimal("4559.29"), Decimal("592.71")),
    ]
    assert made.total == 9 * WORLD.prices[A1] + WORLD.prices[A2] + 4 * WORLD.prices[RSJ]
    assert steps.order(order.id).state == "invoiced"
    assert steps.triggers("order", order.id)[-1] == "invoice"


def test_r10_the_remark_carries_po_company_order_receipt_and_dc(steps: Steps) -> None:
    order = steps.shipped_order(steps.order_request(po="PO-HD-7001"))
    data = steps.receipt(order)
    steps.post_receipt(order.id, data)
    made = steps.invoice(order.id)
    assert made.remark == (
        f"客户订单号 PO PO-HD-7001; 公司订单号 order {order.company_order_no}; "
        f"入库单号 receipt {data.receipt_no}; 仓库 DC {WORLD.dc}"
    )


def test_a_booking_that_agrees_with_the_invoice_opens_nothing(steps: Steps) -> None:
    issued = issued_invoice(steps)
    assert book(steps, issued, as_invoiced(issued)).exceptions == []
    assert (invoice(steps, issued.id).state, steps.count(InvoiceException)) == ("issued", 0)


def test_r15_an_over_invoiced_booking_opens_an_exception_to_reissue(steps: Steps) -> None:
    issued = issued_invoice(steps)
    [exc] = book(steps, issued, as_invoiced(issued, booked(A1, 8))).exceptions
    assert (exc.kind, exc.item_code, exc.invoiced_qty, exc.booked_qty) == (
        "quantity_over_invoiced",
        A1,
        10,
        8,
    )
    assert (exc.quantity_difference, exc.state, exc.version) == (2, "open", 1)
    assert exc.decision["rules"] == ["r15-over-invoiced"]
    assert (exc.resolution, exc.confirm_by) == ("reissue", "finance")
    assert exc.missing_evidence == ["signed_receipt_copy", "original_invoice_copy"]
    assert exc.total_difference == 2 * WORLD.prices[A1]
    disputed = invoice(steps, issued.id)
    assert (disputed.state, disputed.version) == ("disputed", 3)
    dispute = steps.journal("invoice", issued.id)[-1]
    assert (dispute.trigger, dispute.payload["exceptions"]) == ("dispute", [exc.id])
    [raised] = steps.journal("invoice_exception", exc.id)
    assert (raised.trigger, raised.decisions[0]["rules"]) == ("raise", ["r15-over-invoiced"])


def test_a_tax_difference_within_tolerance_is_rounding_resolved_at_once(steps: Steps) -> None:
    issued = issued_invoice(steps)
    [exc] = book(steps, issued, as_invoiced(issued, booked(A1, 10, tax_shift="0.02"))).exceptions
    assert exc.kind == "tax_difference"
    assert (exc.amount_difference, exc.tax_difference) == (Decimal("-0.02"), Decimal("0.02"))
    assert (exc.line_tax_difference, exc.invoice_tax_difference) == (
        Decimal("0.02"),
        Decimal("0.02"),
    )
    assert (exc.state, exc.resolution, exc.confirmed_by) == ("resolved", "accept_rounding", None)
    events = steps.journal("invoice_exception", exc.id)
    assert [(e.trigger, e.to_state) for e in events] == [
        ("raise", "open"),
        ("accept_as_decided", "resolved"),
    ]
    assert events[1].decisions[0]["rules"] == ["tax-rounding-within-tolerance"]
    assert exc.version == len(events)
    unchanged = invoice(steps, issued.id)
    assert (unchanged.state, unchanged.version, unchanged.reversed_by_id) == ("issued", 2, None)
    assert "dispute" not in steps.triggers("invoice", issued.id)


@pytest.mark.parametrize(
    ("kind", "booking"),
    [
        ("quantity_over_invoiced", [booked(A1, 8), booked(RSJ, 4)]),
        ("quantity_under_invoiced", [booked(A1, 12), booked(RSJ, 4)]),
        ("model_mismatch", [booked(A2, 10), booked(RSJ, 4)]),
        ("price_mismatch", [booked(A1, 10, price="3899.00"), booked(RSJ, 4)]),
        ("tax_difference", [booked(A1, 10, tax_shift="0.02"), booked(RSJ, 4)]),
    ],
)
def test_an_exceptions_differences_agree_with_both_sides(
    steps: Steps, kind: str, booking: list[BookingLineIn]
) -> None:
    issued = issued_invoice(steps)
    [shown] = book(steps, issued, booking).exceptions
    with steps.db.read() as session:
        stored = session.scalars(select(InvoiceException)).one()
    for exc in (shown, stored):
        assert exc.kind == kind
        assert exc.amount_difference == exc.invoiced_amount - exc.booked_amount
        assert exc.tax_difference == exc.invoiced_tax - exc.booked_tax
        assert exc.discount_difference == exc.invoiced_discount - exc.booked_discount
        assert exc.total_difference == (
            exc.amount_difference + exc.tax_difference - exc.discount_difference
        )
        assert exc.line_tax_difference == abs(exc.tax_difference)


def test_r15_confirming_without_the_evidence_is_refused(steps: Steps) -> None:
    exc = over_invoiced_exception(steps)
    with pytest.raises(GuardRefused) as refused:
        confirm(steps, exc)
    assert (refused.value.guard, refused.value.refusal.code) == (
        "evidence_complete",
        "invoice_exception.evidence_missing",
    )
    assert refused.value.refusal.params == {
        "missing": ["signed_receipt_copy", "original_invoice_copy"]
    }
    assert steps.triggers("invoice_exception", exc.id) == ["raise"]
    assert (invoice(steps, exc.invoice_id).state, steps.count(Invoice)) == ("disputed", 1)


def test_r15_r18_with_the_evidence_confirming_reissues_the_invoice(steps: Steps) -> None:
    exc = over_invoiced_exception(steps)
    exc = attach(steps, exc, "signed_receipt_copy", "original_invoice_copy")
    assert (exc.version, exc.missing_evidence) == (3, [])
    done = confirm(steps, exc)
    assert (done.state, done.version, done.resolution) == ("resolved", 4, "reissue")
    assert done.confirmed_by == "finance.user" and done.confirmed_at is not None
    assert steps.triggers("invoice_exception", exc.id) == [
        "raise",
        "attach_evidence",
        "attach_evidence",
        "confirm",
    ]
    original = invoice(steps, exc.invoice_id)
    corrected = invoice(steps, done.result["corrected_invoice_id"])
    assert (corrected.kind, corrected.state) == ("blue", "draft")
    assert corrected.original_id == original.id
    assert [(ln.item_code, ln.quantity) for ln in corrected.lines] == [(A1, 8), (RSJ, 4)]
    assert corrected.total == 8 * WORLD.prices[A1] + 4 * WORLD.prices[RSJ]
    assert original.state == "resolved"
    assert (original.reversed_by_id, original.replaced_by_id) == (None, corrected.id)
    # The corrected invoice waits for the red one: the customer never owes both.
    with pytest.raises(Conflict) as refused:
        steps.issue(corrected.id)
    assert refused.value.code == "invoice.original_not_reversed"
    # The red invoice goes through the red-letter form, reason issuing error, every line.
    red = reissue_red(steps, done.result["red_letter_form_id"])
    assert (red.kind, red.state, red.original_id) == ("red", "issued", original.id)
    assert red.total == -original.total
    assert [(ln.source, ln.item_code, ln.quantity) for ln in red.lines] == [
        ("reversal", A1, -10),
        ("reversal", RSJ, -4),
    ]
    original = invoice(steps, exc.invoice_id)
    assert (original.state, original.reversed_by_id) == ("voided", red.id)
    assert steps.issue(corrected.id).state == "issued"
    with steps.db.read() as session:
        order = session.get(Order, original.order_id)
        assert order is not None and order.state == "invoiced"
