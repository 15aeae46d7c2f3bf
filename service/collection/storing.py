"""How the job stores the tasks it raises: each key (condition, customer, period) once, however
often and by whomever it is raised (INSERT ... ON CONFLICT DO NOTHING), returning the tasks
actually inserted so that only those are journalled.

On PostgreSQL the tasks go in one statement whatever their number: each column that varies
travels as one array, the rows are `unnest`ed from them, and the decisions, which many tasks
share (the rules decide once per distinct combination of facts), travel once each and are joined
by their number. A multi-row VALUES would cost the driver a fresh parse of a long statement per
page and the server one statement per page. SQLite, in-process, takes the multi-row VALUES.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import cache
from typing import Any

from sqlalchemy import (
    ARRAY,
    JSON,
    Date,
    Insert,
    Integer,
    Row,
    String,
    bindparam,
    column,
    func,
    select,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from service.collection.models import CollectionTask
from service.db import Money, UTCDateTime

KEY = "uq_collection_tasks_key"
# Rows per statement on SQLite (a multi-row VALUES).
BATCH = 50
# What differs from one task to the next, with the column types (the decision apart).
VARYING: dict[str, Any] = {
    "condition": String(),
    "customer_id": Integer(),
    "period": String(),
    "owner_role": String(),
    "level": Integer(),
    "priority": String(),
    "due_on": Date(),
    "repeat_days": Integer(),
    "escalate_after_days": Integer(),
    "amount": Money,
    "days_overdue": Integer(),
}
# What every task of one run has alike.
SHARED: dict[str, Any] = {
    "state": String(),
    "version": Integer(),
    "raised_on": Date(),
    "level_since": Date(),
    "resolution": String(),
    "created_at": UTCDateTime(),
    "updated_at": UTCDateTime(),
}
RETURNED = (CollectionTask.id, CollectionTask.condition, CollectionTask.customer_id)


@cache
def _unnested() -> Insert:
    """INSERT ... SELECT FROM unnest(<one array per varying column>, <each row's decision
    number>) JOIN unnest(<the distinct decisions>) WITH ORDINALITY ON the number, in the order
    given (the ids follow it) ... ON CONFLICT DO NOTHING RETURNING."""
    arrays = [bindparam(name, type_=ARRAY(kind)) for name, kind in VARYING.items()]
    given = (
        func.unnest(*arrays, bindparam("plan", type_=ARRAY(Integer())))
        .table_valued(
            *(column(name, kind) for name, kind in VARYING.items()),
            column("plan"),
            with_ordinality="n",
        )
        .render_derived(name="given")
    )
    made = (
        func.unnest(bindparam("decisions", type_=ARRAY(JSON())))
        .table_valued(column("decision", JSON()), with_ordinality="plan")
        .render_derived(name="made")
    )
    rows = (
        select(
            *(given.c[name] for name in VARYING),
            made.c.decision,
            *(bindparam(name, type_=kind) for name, kind in SHARED.items()),
        )
        .join_from(given, made, made.c.plan == given.c.plan)
        .order_by(given.c.n)
    )
    return (
        postgresql.insert(CollectionTask)
        .from_select([*VARYING, "decision", *SHARED], rows)
        .on_conflict_do_nothing(constraint=KEY)
        .returning(*RETURNED)
    )


def _numbered(rows: Sequence[Mapping[str, Any]]) -> tuple[list[int], list[dict[str, Any]]]:
    """Each row's decision by number (from 1), and the distinct decisions (the same object
    shared by many rows travels once)."""
    numbers: dict[int, int] = {}
    distinct: list[dict[str, Any]] = []
    plan = []
    for row in rows:
        decision = row["decision"]
        number = numbers.get(id(decision))
        if number is None:
            distinct.append(decision)
            number = numbers[id(decision)] = len(distinct)
        plan.append(number)
    return plan, distinct


def insert_tasks(
    session: Session, rows: Sequence[Mapping[str, Any]], shared: Mapping[str, Any]
) -> list[Row[int, str, int]]:
    """Store the tasks `rows` (the varying columns and `decision`), each with the `shared`
    columns, skipping any whose key is already stored; (id, condition, customer id) of each
    task inserted."""
    if not rows:
        return []
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        plan, decisions = _numbered(rows)
        params = {name: [row[name] for row in rows] for name in VARYING}
        return list(
            connection.execute(
                _unnested(), params | dict(shared) | {"plan": plan, "decisions": decisions}
            ).all()
        )
    stmt = (
        sqlite.insert(CollectionTask)
        .on_conflict_do_nothing(index_elements=["condition", "customer_id", "period"])
        .returning(*RETURNED)
        .execution_options(insertmanyvalues_page_size=BATCH)
    )
    return list(connection.execute(stmt, [dict(row) | dict(shared) for row in rows]).all())
