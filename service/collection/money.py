"""Collection tasks follow the money at once (R30): money applied to a customer's invoices that
takes its condition away (a payment clearing the debt, a deduction, credit, a red invoice, a
credited return) closes its live tasks for that condition in the same transaction (`clear`), and
money taken back (a reversal) that brings the condition back reopens the tasks the money had
cleared (`reopen_cleared`), as whoever moved the money, journalled with what moved it.

The conditions are those the daily job sees (`scans`), for the customers of the invoices touched
only: a few queries whatever the number of invoices. The job still resolves and reopens what
changes other ways (a limit raised, a due date moved, a day passing).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from functools import cache
from typing import Any

from sqlalchemy import bindparam, func, or_, select, update
from sqlalchemy.orm import Session

from service.collection.follow import LONGEST_WINDOW, TASKS
from service.collection.job import COLLECTED
from service.collection.models import CollectionTask
from service.collection.scans import scan
from service.context import Context
from service.invoices.models import Invoice
from service.journal import Event
from service.masterdata.models import Customer
from service.workflow import RowRef, machine_of

CLEAR, REOPEN = "clear", "reopen_cleared"


def _refs(rows: Iterable[Any]) -> list[RowRef]:
    return [RowRef(CollectionTask, r.id, r.state, r.version) for r in rows]


def _cleared(session: Session, resolved: list[int]) -> set[int]:
    """Of the resolved tasks, those the money resolved (their last journal event is `clear`)."""
    if not resolved:
        return set()
    last = (
        select(func.max(Event.id))
        .where(
            Event.entity_type == machine_of(CollectionTask),
            Event.entity_id.in_(bindparam("tasks", expanding=True)),
        )
        .group_by(Event.entity_id)
    )
    found = session.scalars(
        select(Event.entity_id).where(Event.id.in_(last), Event.trigger == CLEAR),
        {"tasks": resolved},
    )
    return set(found)


@cache
def _tasks_of(live_states: tuple[str, ...]) -> Any:
    """The live tasks, and those resolved since `since`, of the customers collected on of the
    invoices `invoices` (built once: a payment runs it every time)."""
    return (
        TASKS.join(Customer, Customer.id == CollectionTask.customer_id)
        .where(
            CollectionTask.customer_id.in_(
                select(Invoice.customer_id).where(
                    Invoice.id.in_(bindparam("invoices", expanding=True))
                )
            ),
            Customer.state.in_(COLLECTED),
            or_(
                CollectionTask.state.in_(live_states),
                (CollectionTask.state == "resolved")
                & (CollectionTask.raised_on >= bindparam("since")),
            ),
        )
        .order_by(CollectionTask.id.desc())
    )


def _what_moved(payload: dict[str, Any]) -> str:
    named = [f"{key} {value}" for key, value in payload.items() if isinstance(value, str)]
    return ", ".join(named) or "money moved"


def follow_money(
    session: Session, ctx: Context, invoice_ids: Collection[int], payload: dict[str, Any]
) -> None:
    """Clear the live tasks whose condition the money took away; reopen those it had cleared
    whose condition the money brought back (one task per condition and customer)."""
    session.flush()
    today = ctx.today
    live_states = ctx.workflows.tagged(CollectionTask, "live")
    # The tasks of the customers of the invoices touched (those collected on): most payments
    # find none, and stop here after one query.
    rows = session.execute(
        _tasks_of(tuple(live_states)),
        {"invoices": sorted(invoice_ids), "since": today - LONGEST_WINDOW},
    ).all()
    if not rows:
        return
    customers = {r.customer_id for r in rows}
    allowed = dict(ctx.settings.collection_allowed_age_days)
    present = {(f.condition, f.customer_id) for f in scan(session, today, allowed, customers)}
    live = [r for r in rows if r.state in live_states]
    gone = [r for r in live if (r.condition, r.customer_id) not in present]
    if gone:
        ctx.fire_many(session, _refs(gone), CLEAR, payload=payload)
        _note(session, [r.id for r in gone], f"cleared as of {today}: {_what_moved(payload)}")
    held = {(r.condition, r.customer_id) for r in live} - {
        (r.condition, r.customer_id) for r in gone
    }
    cleared = _cleared(session, [r.id for r in rows if r.state == "resolved"])
    back: dict[tuple[str, int], Any] = {}
    for r in rows:  # newest first: the latest task the money cleared, per condition
        key = (r.condition, r.customer_id)
        if r.id in cleared and key in present and key not in held:
            back.setdefault(key, r)
    if back:
        ctx.fire_many(session, _refs(back.values()), REOPEN, payload=payload)
        _note(session, [r.id for r in back.values()], "")


def _note(session: Session, task_ids: list[int], resolution: str) -> None:
    session.execute(
        update(CollectionTask)
        .where(CollectionTask.id.in_(task_ids))
        .values(resolution=resolution)
        .execution_options(synchronize_session=False)
    )
