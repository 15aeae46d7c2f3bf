"""Sales turns a customer PO into an order (R1-R3, R11); HQ approves it after the credit check
(credit_release rules) and it gets its company order number (R4); finance ends a credit hold."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, timedelta

import pytest

from service.context import Clock
from service.errors import Conflict, Invalid
from service.orders import approval
from service.orders import usecases as orders
from service.orders.models import Order
from service.orders.schemas import CreditReason, OrderCancel
from tests.usecases.steps import A1, A2, ORDER_DATE, RSJ, TODAY, TZ, WORLD, Steps, actor
from workflows import RoleNotAllowed


def test_r1_r11_an_order_is_made_from_one_po_at_the_contract_prices(steps: Steps) -> None:
    request = steps.order_request([(A1, 10), (RSJ, 4)], po="PO-HD-7001")
    order = steps.create_order(request)
    assert (order.state, order.version, order.company_order_no) == ("draft", 1, None)
    assert (order.customer_po_no, order.dc_code) == ("PO-HD-7001", WORLD.dc)
    assert order.contract_no == WORLD.contract(WORLD.customer)
    assert order.order_date == ORDER_DATE
    assert [(ln.line_no, ln.item_code, ln.quantity, ln.unit_price) for ln in order.lines] == [
        (1, A1, 10, WORLD.prices[A1]),
        (2, RSJ, 4, WORLD.prices[RSJ]),
    ]
    assert order.total_amount == 10 * WORLD.prices[A1] + 4 * WORLD.prices[RSJ]
    [created] = steps.journal("order", order.id)
    assert (created.trigger, created.to_state, created.actor) == ("create", "draft", "sales.user")
    assert created.payload["customer_po_no"] == "PO-HD-7001"


def test_r2_a_po_already_ordered_is_refused(steps: Steps) -> None:
    first = steps.create_order(steps.order_request(po="PO-HD-7002"))
    with pytest.raises(Conflict) as refused:
        steps.create_order(steps.order_request([(A2, 1)], po="PO-HD-7002"))
    assert refused.value.code == "order.po_already_ordered"
    assert refused.value.field == "customer_po_no"
    assert refused.value.params == {
        "customer_po_no": "PO-HD-7002",
        "existing_order_id": first.id,
        "company_order_no": "-",
    }
    assert steps.count(Order) == 1


def test_r2_the_same_po_number_at_another_customer_is_another_po(steps: Steps) -> None:
    steps.create_order(steps.order_request(po="PO-1"))
    other = steps.create_order(steps.order_request(po="PO-1", customer=WORLD.tight_customer))
    assert other.customer_code == WORLD.tight_customer
    assert steps.count(Order) == 2


def test_r3_an_order_has_at_most_five_lines(steps: Steps) -> None:
    six = [(code, 1) for code in list(WORLD.prices)[:6]]
    with pytest.raises(Invalid) as refused:
        steps.create_order(steps.order_request(six))
    assert refused.value.code == "order.too_many_lines"
    assert refused.value.field == "lines"
    assert refused.value.params == {"max": 5, "count": 6}
    assert steps.count(Order) == 0
    five = steps.create_order(steps.order_request(six[:5]))
    assert len(five.lines) == 5


def test_r11_an_item_without_a_contract_price_is_refused(steps: Steps) -> None:
    with pytest.raises(Invalid) as refused:
        steps.create_order(steps.order_request([(A1, 1), (WORLD.unpriced, 2)]))
    assert refused.value.code == "order.item_not_in_contract"
    assert refused.value.field == "lines[1].item_code"
    assert steps.count(Order) == 0


def test_r4_approval_gives_the_order_its_company_order_number(steps: Steps) -> None:
    first = steps.approved_order()
    second = steps.approved_order()
    assert (first.state, first.version) == ("approved", 2)
    assert (first.company_order_no, second.company_order_no) == ("SO2026000001", "SO2026000002")
    approved = steps.journal("order", first.id)[-1]
    assert (approved.trigger, approved.actor) == ("approve", "hq.user")
    assert approved.payload == {"company_order_no": "SO2026000001"}
    [decision] = approved.decisions
    assert (decision["ruleset"], decision["rules"]) == ("credit_release", ["release"])


def test_an_order_over_the_credit_limit_is_held_without_a_number(steps: Steps) -> None:
    order = steps.create_order(steps.order_request(customer=WORLD.tight_customer))
    held = steps.approve(order.id)
    assert (held.state, held.version, held.company_order_no) == ("on_credit_hold", 2, None)
    assert held.credit_decision.hold is True
    assert held.credit_decision.reason == (
        "order amount plus open receivables exceeds the credit limit"
    )
    event = steps.journal("order", order.id)[-1]
    assert (event.trigger, event.to_state) == ("hold_for_credit", "on_credit_hold")
    assert event.decisions[0]["rules"] == ["over-credit-limit"]
    assert event.decisions[0]["values"]["credit_limit"] == "100.00"


def test_finance_releases_a_held_order_with_a_reason_and_it_is_numbered(steps: Steps) -> None:
    order = steps.approve(steps.create_order(steps.order_request(customer="TIGHT")).id)
    reason = CreditReason(reason="prepayment received")
    with steps.db.write() as session:
        released = approval.release_credit(
            session, steps.ctx("finance"), order_id=order.id, data=reason
        )
    assert (released.state, released.version) == ("approved", 3)
    assert released.company_order_no == "SO2026000001"
    event = steps.journal("order", order.id)[-1]
    assert (event.trigger, event.actor) == ("release_credit", "finance.user")
    assert event.payload == {"reason": "prepayment received", "company_order_no": "SO2026000001"}


def test_finance_rejects_a_held_order_with_a_reason(steps: Steps) -> None:
    order = steps.approve(steps.create_order(steps.order_request(customer="TIGHT")).id)
    reason = CreditReason(reason="no prepayment")
    with steps.db.write() as session:
        rejected = approval.reject_credit(
            session, steps.ctx("finance"), order_id=order.id, data=reason
        )
    assert (rejected.state, rejected.company_order_no) == ("rejected", None)
    assert steps.journal("order", order.id)[-1].payload == {"reason": "no prepayment"}


def test_only_hq_approves_and_a_refused_approval_uses_no_number(steps: Steps) -> None:
    order = steps.create_order()
    with pytest.raises(RoleNotAllowed) as refused, steps.db.write() as session:
        approval.approve(session, steps.ctx("sales"), order_id=order.id)
    assert refused.value.required == ["hq"]
    assert (steps.order(order.id).state, steps.order(order.id).version) == ("draft", 1)
    assert steps.approve(order.id).company_order_no == "SO2026000001"


def test_an_order_is_cancelled_with_its_reason_before_shipment(steps: Steps) -> None:
    order = steps.approved_order()
    with steps.db.write() as session:
        cancelled = orders.cancel(
            session,
            steps.ctx("sales"),
            order_id=order.id,
            data=OrderCancel(reason="customer withdrew the PO"),
        )
    assert (cancelled.state, cancelled.version) == ("cancelled", 3)
    assert steps.journal("order", order.id)[-1].payload == {"reason": "customer withdrew the PO"}


def test_r1_the_order_date_defaults_to_todays_business_date_in_shanghai(steps: Steps) -> None:
    # 17:30 UTC on the 19th is 01:30 on the 20th in Shanghai: the business date is the 20th.
    late_evening = datetime(2026, 11, 19, 17, 30, tzinfo=UTC)
    runtime = dataclasses.replace(steps.runtime, clock=Clock(TZ, lambda: late_evening))
    request = steps.order_request().model_copy(update={"order_date": None})
    with steps.db.write() as session:
        order = orders.create(session, runtime.for_actor(actor("sales")), data=request)
    assert order.order_date == date(2026, 11, 20)


def test_r1_an_order_dated_after_today_is_refused(steps: Steps) -> None:
    with pytest.raises(Invalid) as refused:
        steps.create_order(steps.order_request(order_date=TODAY + timedelta(days=1)))
    assert (refused.value.code, refused.value.field) == ("order.date_in_future", "order_date")
    assert steps.count(Order) == 0
