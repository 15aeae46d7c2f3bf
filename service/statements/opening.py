"""Opening a statement exactly once per (customer, settlement date, kind), or extending its draft.

The row is inserted with ON CONFLICT DO NOTHING on that key, its number allocated in a savepoint
that is rolled back when the key was taken meanwhile (numbers stay gap-free): a rerun, a
catch-up or a second scheduler at the same moment finds the statement and claims only what is
still unclaimed. A draft that finds new items falling due on its settlement date gets a new
version (journalled `extend`); a statement already sent leaves them for the next one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from service.auth.tokens import Actor
from service.db import utcnow
from service.numbering import document_number
from service.statements.drafting import claim, keep_version
from service.statements.models import ZERO, Statement
from service.workflow import Workflows

PREFIX = "DZ"


@dataclass(frozen=True)
class Opened:
    statement_id: int
    created: bool
    extended: bool


class _KeyTaken(Exception):
    """Someone drafted the same statement a moment ago: undo the number taken for it."""


def _insert(session: Session) -> Insert:
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(Statement).on_conflict_do_nothing(constraint="uq_statements_key")
    return sqlite.insert(Statement).on_conflict_do_nothing(
        index_elements=["customer_id", "settlement_date", "kind"]
    )


def find(session: Session, customer_id: int, settlement_date: date, kind: str) -> Statement | None:
    return session.scalars(
        select(Statement).where(
            Statement.customer_id == customer_id,
            Statement.settlement_date == settlement_date,
            Statement.kind == kind,
        )
    ).one_or_none()


def _insert_new(
    session: Session, workflows: Workflows, values: dict[str, Any], year: int
) -> int | None:
    try:
        with session.begin_nested():
            number = document_number(session, PREFIX, year)
            now = utcnow()
            row = values | workflows.initial(Statement)
            row |= {"statement_no": number, "created_at": now, "updated_at": now}
            found = session.execute(_insert(session).values(row).returning(Statement.id))
            new_id = found.scalar_one_or_none()
            if new_id is None:
                raise _KeyTaken
            return int(new_id)
    except _KeyTaken:
        return None


def open_statement(
    session: Session,
    workflows: Workflows,
    *,
    actor: Actor,
    today: date,
    customer_id: int,
    settlement_date: date,
    kind: str,
    lead_working_days: int | None = None,
    draft_day: date | None = None,
    decision: dict[str, Any] | None = None,
    reason: str = "drafted",
) -> Opened:
    """Draft the statement of the key, or extend its draft with what fell due since."""
    existing = find(session, customer_id, settlement_date, kind)
    if existing is None:
        values = {
            "customer_id": customer_id,
            "settlement_date": settlement_date,
            "kind": kind,
            "versions": 0,
            "lead_working_days": lead_working_days,
            "draft_day": draft_day,
            "decision": decision,
            "goods_total": ZERO,
            "credits_total": ZERO,
            "adjustments_total": ZERO,
            "amount_due": ZERO,
            "created_by": actor.username,
        }
        new_id = _insert_new(session, workflows, values, today.year)
        if new_id is not None:
            workflows.created(
                session,
                Statement,
                [(new_id, {"settlement_date": settlement_date, "kind": kind, "reason": reason})],
                actor=actor.username,
                how="create",
                decisions={new_id: [decision]} if decision else None,
            )
            statement = session.get_one(Statement, new_id)
            claim(
                session,
                workflows,
                statement_id=new_id,
                customer_id=customer_id,
                settlement_date=settlement_date,
            )
            keep_version(session, workflows, statement, actor=actor.username, reason=reason)
            return Opened(new_id, created=True, extended=False)
        existing = find(session, customer_id, settlement_date, kind)
        assert existing is not None  # the key was taken: the row is there
    if existing.state not in workflows.tagged(Statement, "editable"):
        return Opened(existing.id, created=False, extended=False)
    claimed = claim(
        session,
        workflows,
        statement_id=existing.id,
        customer_id=customer_id,
        settlement_date=settlement_date,
    )
    if not claimed.anything:
        return Opened(existing.id, created=False, extended=False)
    why = "items falling due on its settlement date joined the draft"
    workflows.fire(
        session,
        existing,
        "extend",
        actor=actor,
        today=today,
        payload={"invoices": claimed.invoices, "entries": claimed.entries, "reason": why},
    )
    keep_version(session, workflows, existing, actor=actor.username, reason=why)
    return Opened(existing.id, created=False, extended=True)
