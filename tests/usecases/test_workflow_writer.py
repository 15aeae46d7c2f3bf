"""`Workflows` is the one writer of state, version and journal.

A document's version counts its journal rows, creation included; a writer that saw an older
version is refused and writes nothing; the request's If-Match is checked; the machine's tags, not
code, say what a task's new state means for its other columns.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from service.carriers.jobs import carrier_receipt_overdue
from service.db import table_of
from service.errors import Conflict
from service.invoices.exceptions import usecases as exceptions
from service.invoices.exceptions.models import InvoiceException
from service.invoices.exceptions.schemas import EvidenceIn
from service.journal import Event
from service.orders import usecases as orders
from service.orders.models import Order
from service.orders.schemas import OrderCancel
from service.scheduler.jobs import JobRun
from service.scheduler.models import Task
from service.scheduler.tasks import NewTask, raise_tasks
from service.tasks import usecases as tasks
from service.tasks.schemas import TaskNote
from service.workflow import RowRef
from tests.usecases.invoicing import attach, confirm, over_invoiced_exception, reissue_red
from tests.usecases.steps import NOW, TODAY, TZ, Steps, actor, count
from workflows import GuardRefused


def test_an_orders_version_counts_its_journal_rows_from_creation_to_receipt(steps: Steps) -> None:
    order = steps.create_order()
    assert (order.version, steps.triggers("order", order.id)) == (1, ["create"])
    steps.approve(order.id)
    steps.ship(order.id)
    steps.deliver(order.id, TODAY - timedelta(days=2))
    steps.post_receipt(order.id, steps.receipt(order))

    stored = steps.order(order.id)
    events = steps.journal("order", order.id)
    assert stored.state == "receipted"
    assert stored.version == len(events) == 5
    assert [(e.trigger, e.from_state, e.to_state) for e in events] == [
        ("create", None, "draft"),
        ("approve", "draft", "approved"),
        ("ship", "approved", "shipped"),
        ("record_delivery", "shipped", "shipped"),
        ("post_receipt", "shipped", "receipted"),
    ]
    assert [e.actor for e in events] == [
        "sales.user",
        "hq.user",
        "logistics.user",
        "logistics.user",
        "logistics.user",
    ]


def test_an_invoices_version_counts_its_journal_rows(steps: Steps) -> None:
    invoice = steps.issued_invoice(steps.receipted_order().id)
    assert invoice.state == "issued"
    assert invoice.version == len(steps.journal("invoice", invoice.id)) == 2


def test_every_documents_version_counts_its_journal_rows_after_a_reissue(steps: Steps) -> None:
    # An order invoiced, disputed, reissued (red invoice issued against its red-letter form,
    # corrected invoice issued), and a carrier
    # chase raised by the scheduler and resolved by the receipt of another order.
    exc = attach(
        steps, over_invoiced_exception(steps), "signed_receipt_copy", "original_invoice_copy"
    )
    done = confirm(steps, exc)
    reissue_red(steps, done.result["red_letter_form_id"])
    steps.issue(done.result["corrected_invoice_id"])
    late = steps.shipped_order()
    steps.deliver(late.id, TODAY - timedelta(days=4))
    with steps.db.write() as session:
        carrier_receipt_overdue(session, JobRun(NOW, TZ, steps.runtime.workflows))
    steps.post_receipt(late.id, steps.receipt(late))

    counted: dict[str, int] = {}
    with steps.db.read() as session:
        for machine, model in steps.runtime.workflows.models.items():
            journalled = dict(
                session.execute(
                    select(Event.entity_id, func.count())
                    .where(Event.entity_type == machine)
                    .group_by(Event.entity_id)
                ).all()
            )
            stored = dict(
                session.execute(select(table_of(model).c.id, table_of(model).c.version)).all()
            )
            assert stored == journalled, machine
            counted[machine] = len(stored)
    # The seeded master data is journalled too: two customers, each with its contract.
    assert counted == {
        "order": 2,
        "invoice": 3,
        "invoice_exception": 1,
        "task": 1,
        "customer": 2,
        "contract": 2,
        "power_of_attorney": 0,
        "return": 0,
        "red_letter_form": 1,
        "receipt_exception": 0,
        "statement": 0,
        "statement_dispute": 0,
        "statement_adjustment": 0,
        "payment": 0,
        "bank_line": 0,
        "credit_proposal": 0,
        "collection_task": 0,
    }


def test_a_writer_holding_a_stale_version_is_refused_and_writes_nothing(steps: Steps) -> None:
    order = steps.create_order()
    seen = RowRef(Order, order.id, order.state, order.version)
    with steps.db.write() as session:  # the first writer moves the order on
        steps.ctx("sales").fire(session, seen, "cancel", payload={"reason": "first"})

    with steps.db.write() as session:  # the second one still holds version 1
        before = count(session, Event)
        with pytest.raises(Conflict) as refused:
            steps.ctx("hq").fire(session, seen, "cancel", payload={"reason": "second"})
        # Refused before anything was written, even inside the transaction.
        assert count(session, Event) == before

    assert refused.value.code == "document.changed_concurrently"
    assert refused.value.params == {"machine": "order", "document_id": order.id}
    stored = steps.order(order.id)
    assert (stored.state, stored.version) == ("cancelled", 2)
    events = steps.journal("order", order.id)
    assert [(e.trigger, e.actor, e.payload) for e in events[1:]] == [
        ("cancel", "sales.user", {"reason": "first"})
    ]


def test_an_if_match_version_that_is_not_the_stored_one_is_refused(steps: Steps) -> None:
    order = steps.create_order()
    stale = steps.ctx("sales", expected_version=order.version + 3)
    with pytest.raises(Conflict) as refused, steps.db.write() as session:
        orders.cancel(session, stale, order_id=order.id, data=OrderCancel(reason="withdrawn"))

    assert refused.value.code == "document.version_mismatch"
    assert refused.value.field == "If-Match"
    assert refused.value.params == {
        "machine": "order",
        "document_id": order.id,
        "current_version": 1,
        "sent_version": 4,
    }
    assert (steps.order(order.id).state, steps.triggers("order", order.id)) == ("draft", ["create"])

    current = steps.ctx("sales", expected_version=order.version)
    with steps.db.write() as session:
        cancelled = orders.cancel(
            session, current, order_id=order.id, data=OrderCancel(reason="withdrawn")
        )
    assert (cancelled.state, cancelled.version) == ("cancelled", 2)


def test_firing_moves_a_table_with_updated_at_and_stamps_it(steps: Steps) -> None:
    order = steps.create_order()
    with steps.db.read() as session:
        before = session.get(Order, order.id)
        assert before is not None
        stamped = before.updated_at
    steps.approve(order.id)
    with steps.db.read() as session:
        after = session.get(Order, order.id)
        assert after is not None
        assert (after.state, after.version) == ("approved", 2)
        assert after.updated_at > stamped


def test_firing_moves_a_table_without_updated_at(steps: Steps) -> None:
    exc = over_invoiced_exception(steps)
    assert "updated_at" not in table_of(InvoiceException).c
    finance = steps.ctx("finance")
    with steps.db.write() as session:  # by RowRef, as the hot paths do
        finance.fire(session, RowRef(InvoiceException, exc.id, "open", 1), "redecide")
    with steps.db.write() as session:  # and through a use case, on the loaded row
        out = exceptions.attach_evidence(
            session,
            finance,
            exception_id=exc.id,
            data=EvidenceIn(kind="signed_receipt_copy", attachment_id=steps.evidence()),
        )
    assert (out.state, out.version) == ("open", 3)
    assert steps.triggers("invoice_exception", exc.id) == ["raise", "redecide", "attach_evidence"]
    with steps.db.write() as session, pytest.raises(Conflict) as refused:
        finance.fire(session, RowRef(InvoiceException, exc.id, "open", 1), "redecide")
    assert refused.value.code == "document.changed_concurrently"
    assert len(steps.journal("invoice_exception", exc.id)) == 3


def test_internal_triggers_are_not_offered_to_users(steps: Steps) -> None:
    order = steps.create_order()
    # hold_for_credit is fired by the approval itself, never asked for.
    assert order.allowed_triggers == ["approve", "cancel"]
    invoice = steps.issued_invoice(steps.receipted_order().id)
    assert "dispute" not in invoice.allowed_triggers and "void" not in invoice.allowed_triggers


def _chase_task(steps: Steps) -> int:
    task = NewTask(
        kind="carrier_receipt_overdue",
        subject_type="shipment",
        subject_id=1,
        period="2026-11-18",
        owner_role="logistics",
        title="Chase SF Express",
        due_at=NOW + timedelta(days=1),
        detail={},
    )
    with steps.db.write() as session:
        [task_id] = raise_tasks(session, steps.runtime.workflows, [task], actor="scheduler")
    return task_id


def _move(steps: Steps, task_id: int, trigger: str, username: str, note: str = "") -> Task:
    with steps.db.write() as session:
        ctx = steps.ctx("logistics", username=username)
        tasks.move(session, ctx, task_id=task_id, trigger=trigger, data=TaskNote(note=note))
    with steps.db.read() as session:
        task = session.get(Task, task_id)
        assert task is not None
        return task


def test_the_task_lifecycles_tags_say_who_holds_a_task_and_when_it_closed(steps: Steps) -> None:
    task_id = _chase_task(steps)
    taken = _move(steps, task_id, "take", "li.na")
    assert (taken.state, taken.assignee, taken.closed_at) == ("in_progress", "li.na", None)
    released = _move(steps, task_id, "release", "li.na")
    assert (released.state, released.assignee) == ("open", None)
    _move(steps, task_id, "take", "wang.wei")
    closed = _move(steps, task_id, "close", "wang.wei", note="carrier sent the scan")
    assert (closed.state, closed.assignee) == ("done", "wang.wei")
    assert closed.resolution == "carrier sent the scan"
    assert closed.closed_at is not None
    assert closed.version == len(steps.journal("task", task_id)) == 5
    assert steps.triggers("task", task_id) == ["raise", "take", "release", "take", "close"]


def test_a_task_is_taken_by_its_owner_role_and_closed_by_its_assignee(steps: Steps) -> None:
    task_id = _chase_task(steps)
    with pytest.raises(GuardRefused) as other_role, steps.db.write() as session:
        tasks.move(session, steps.ctx("sales"), task_id=task_id, trigger="take", data=TaskNote())
    assert other_role.value.refusal.code == "task.owned_by_other_role"
    _move(steps, task_id, "take", "li.na")
    someone_else = steps.runtime.for_actor(actor("logistics", "wang.wei"))
    with pytest.raises(GuardRefused) as not_theirs, steps.db.write() as session:
        tasks.move(session, someone_else, task_id=task_id, trigger="close", data=TaskNote())
    assert not_theirs.value.refusal.code == "task.taken_by_other"
    assert not_theirs.value.refusal.params == {"task_id": task_id, "assignee": "li.na"}
    with steps.db.read() as session:
        task = session.get(Task, task_id)
        assert task is not None
        assert (task.state, task.assignee, task.version) == ("in_progress", "li.na", 2)
