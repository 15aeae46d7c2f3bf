"""Logistics posts the customer's signed receipt (R6): what actually arrived, shortages and
substitutions recorded (R8), and whether the carrier reported it within 2 working days (R7)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from service.carriers.jobs import carrier_receipt_overdue
from service.errors import Invalid
from service.masterdata.models import Item
from service.receipts.models import Receipt, ReceiptException, ReceiptLine
from service.scheduler.jobs import JobRun
from service.scheduler.models import Task
from tests.usecases.steps import A1, A2, NOW, RSJ, TODAY, TZ, Steps, got


def test_r6_posting_the_signed_receipt_moves_the_order_to_receipted(steps: Steps) -> None:
    order = steps.shipped_order()
    data = steps.receipt(order)
    posted = steps.post_receipt(order.id, data)
    assert (posted.receipt_no, posted.receipt_date) == (data.receipt_no, date(2026, 11, 19))
    assert [(ln.line_no, ln.received_item_code, ln.received_qty) for ln in posted.lines] == [
        (1, A1, 10),
        (2, RSJ, 4),
    ]
    assert posted.exceptions == []
    assert [ev.id for ev in posted.evidence] == data.evidence
    stored = steps.order(order.id)
    assert (stored.state, stored.version) == ("receipted", 4)
    event = steps.journal("order", order.id)[-1]
    assert (event.trigger, event.actor) == ("post_receipt", "logistics.user")
    assert event.payload["receipt_no"] == data.receipt_no
    with steps.db.read() as session:
        receipt = session.scalars(select(Receipt).where(Receipt.order_id == order.id)).one()
        assert (receipt.receipt_no, receipt.posted_by) == (data.receipt_no, "logistics.user")
        assert sorted(ln.received_qty for ln in receipt.lines) == [4, 10]


def test_r8_a_short_delivery_and_a_swapped_model_are_recorded(steps: Steps) -> None:
    order = steps.shipped_order()
    # 9 A1 and 1 A2 arrived against line 1 (10 A1), 3 of the 4 water heaters of line 2.
    posted = steps.post_receipt(
        order.id, steps.receipt(order, [got(1, 9), got(1, 1, A2), got(2, 3)])
    )
    assert [
        (e.kind, e.line_no, e.expected_item_code, e.received_item_code, e.quantity)
        for e in posted.exceptions
    ] == [("shortage", 2, RSJ, None, 1), ("substitution", 1, A1, A2, 1)]
    shortage, substitution = posted.exceptions
    assert (shortage.shipped_qty, shortage.received_qty, shortage.state) == (4, 3, "open")
    assert (substitution.shipped_qty, substitution.received_qty) == (10, 10)
    with steps.db.read() as session:
        items = {row.id: row.code for row in session.execute(select(Item.id, Item.code))}
        stored = session.scalars(select(ReceiptException).order_by(ReceiptException.id)).all()
        assert [
            (
                e.kind,
                items[e.expected_item_id],
                e.received_item_id and items[e.received_item_id],
                e.shipped_qty,
                e.received_qty,
                e.quantity,
                e.state,
            )
            for e in stored
        ] == [
            ("shortage", RSJ, None, 4, 3, 1, "open"),
            ("substitution", A1, A2, 10, 10, 1, "open"),
        ]
        lines = session.scalars(select(ReceiptLine).order_by(ReceiptLine.id)).all()
        assert [(items[ln.received_item_id], ln.received_qty) for ln in lines] == [
            (A1, 9),
            (A2, 1),
            (RSJ, 3),
        ]


def test_r8_more_received_than_shipped_is_refused_and_nothing_is_stored(steps: Steps) -> None:
    order = steps.approved_order()
    steps.ship(order.id, lines=[(1, 8), (2, 4)])  # 8 of the 10 A1 went out
    shipped = steps.order(order.id)
    with pytest.raises(Invalid) as refused:
        steps.post_receipt(order.id, steps.receipt(order, [got(1, 8), got(1, 1, A2), got(2, 4)]))
    assert refused.value.code == "receipt.quantity_exceeds_shipped"
    assert refused.value.field == "lines[1].received_qty"
    assert refused.value.params == {"received": 9, "shipped": 8, "line_no": 1}
    after = steps.order(order.id)
    assert (after.state, after.version) == ("shipped", shipped.version)
    assert steps.triggers("order", order.id)[-1] == "ship"
    assert (steps.count(Receipt), steps.count(ReceiptLine), steps.count(ReceiptException)) == (
        0,
        0,
        0,
    )


def test_r7_a_receipt_reported_after_two_working_days_is_late(steps: Steps) -> None:
    order = steps.shipped_order()
    # Signed on Monday the 16th: the carrier had until Wednesday the 18th; today is the 20th.
    posted = steps.post_receipt(order.id, steps.receipt(order, receipt_date=date(2026, 11, 16)))
    assert posted.report_deadline == date(2026, 11, 18)
    assert (posted.reported_on, posted.reported_late) == (TODAY, True)


def test_r7_a_receipt_reported_within_two_working_days_is_in_time(steps: Steps) -> None:
    order = steps.shipped_order()
    # Signed on Thursday the 19th: the weekend does not count, the deadline is Monday the 23rd.
    posted = steps.post_receipt(order.id, steps.receipt(order, receipt_date=date(2026, 11, 19)))
    assert (posted.report_deadline, posted.reported_late) == (date(2026, 11, 23), False)


def test_r7_receipts_from_the_external_warehouse_are_not_judged(steps: Steps) -> None:
    order = steps.shipped_order(warehouse_kind="external")
    posted = steps.post_receipt(order.id, steps.receipt(order, receipt_date=date(2026, 11, 16)))
    assert (posted.reported_on, posted.report_deadline, posted.reported_late) == (None, None, None)


def test_r7_posting_the_receipt_resolves_the_task_chasing_the_carrier(steps: Steps) -> None:
    order = steps.shipped_order()
    shipment = steps.deliver(order.id, date(2026, 11, 16))
    with steps.db.write() as session:
        run = JobRun(as_of=NOW, tz=TZ, workflows=steps.runtime.workflows)
        [task_id] = carrier_receipt_overdue(session, run).raised

    data = steps.receipt(order, receipt_date=date(2026, 11, 16))
    steps.post_receipt(order.id, data)
    with steps.db.read() as session:
        task = session.get(Task, task_id)
        assert task is not None
        assert (task.subject_type, task.subject_id) == ("shipment", shipment.id)
        assert task.state == "done"
        assert task.resolution == f"signed receipt {data.receipt_no} posted"
        assert task.closed_at is not None
    events = steps.journal("task", task_id)
    assert [(e.trigger, e.actor) for e in events] == [
        ("raise", "scheduler"),
        ("resolve", "logistics.user"),
    ]
