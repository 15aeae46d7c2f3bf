"""Opening a statement exactly once per (customer, settlement date, kind), or extending its draft.

The row is inserted with ON CONFLICT DO NOTHING on that key, its number allocated in a savepoint
that is rolled back when the key was taken meanwhile (numbers stay gap-free): a rerun, a
catch-up or a second scheduler at the same moment finds the statement and claims only what is
still unclaimed. A draft that finds new items falling due on its settlement date gets a new
version (journalled `extend`); a statement already sent leaves them for the next one.

The scheduler opens a run's new statements together (`open_many`): their numbers reserved in
one step (the counter stays locked until the commit, so a second scheduler queues there), one
INSERT ... ON CONFLICT DO NOTHING for all, every creation journalled with its rule decision. Keys
taken meanwhile give their numbers back: the statements inserted are numbered without a gap.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Insert, bindparam, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from service.auth.tokens import Actor
from service.db import among, table_of, utcnow
from service.numbering import counter, document_number, document_numbers, give_back
from service.statements import reasons
from service.statements.drafting import claim, keep_version
from service.statements.models import ZERO, Statement
from service.workflow import Workflows

PREFIX = "DZ"


@dataclass(frozen=True)
class Opened:
    statement_id: int
    statement_no: str
    created: bool
    extended: bool


@dataclass(frozen=True)
class Due:
    """A scheduled statement whose draft day has come, with the R20 timing decided for it."""

    customer_id: int
    settlement_date: date
    lead_working_days: int
    draft_day: date
    decision: dict[str, Any]

    @property
    def reason(self) -> reasons.Why:
        return reasons.drafted(self.lead_working_days, self.settlement_date)


@dataclass(frozen=True)
class New:
    """A statement `open_many` opened."""

    due: Due
    statement_id: int
    statement_no: str


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


def _row(
    workflows: Workflows,
    *,
    customer_id: int,
    settlement_date: date,
    kind: str,
    created_by: str,
    due: Due | None = None,
) -> dict[str, Any]:
    """A new statement's row, before its number: empty until its first version; a scheduled one
    with the R20 timing it was drafted by."""
    now = utcnow()
    return {
        "customer_id": customer_id,
        "settlement_date": settlement_date,
        "kind": kind,
        "versions": 0,
        "lead_working_days": due.lead_working_days if due else None,
        "draft_day": due.draft_day if due else None,
        "decision": due.decision if due else None,
        "goods_total": ZERO,
        "credits_total": ZERO,
        "adjustments_total": ZERO,
        "amount_due": ZERO,
        "created_by": created_by,
        "created_at": now,
        "updated_at": now,
    } | workflows.initial(Statement)


def _journal(
    session: Session,
    workflows: Workflows,
    created: Sequence[tuple[int, dict[str, Any], str | reasons.Why]],
    *,
    actor: str,
    today: date,
) -> None:
    """Journal the creation of each (id, row, reason) with its rule decision, on `today` (the
    business day of the run or request that opened them)."""
    workflows.created(
        session,
        Statement,
        [
            (
                i,
                {
                    "settlement_date": row["settlement_date"],
                    "kind": row["kind"],
                    "reason": reasons.text_and_words(why)[0],
                },
            )
            for i, row, why in created
        ],
        actor=actor,
        how="create",
        decisions={i: [row["decision"]] for i, row, _ in created if row["decision"]},
        business_date=today,
    )


def _insert_new(session: Session, row: dict[str, Any], year: int) -> tuple[int, str] | None:
    try:
        with session.begin_nested():
            number = document_number(session, PREFIX, year)
            found = session.execute(
                _insert(session).values(row | {"statement_no": number}).returning(Statement.id)
            )
            new_id = found.scalar_one_or_none()
            if new_id is None:
                raise _KeyTaken
            return int(new_id), number
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
    due: Due | None = None,
    reason: str | reasons.Why = "drafted",
) -> Opened:
    """Draft the statement of the key (scheduled: with the timing `due` says), or extend its
    draft with what fell due since."""
    existing = find(session, customer_id, settlement_date, kind)
    if existing is None:
        row = _row(
            workflows,
            customer_id=customer_id,
            settlement_date=settlement_date,
            kind=kind,
            created_by=actor.username,
            due=due,
        )
        inserted = _insert_new(session, row, today.year)
        if inserted is not None:
            new_id, number = inserted
            _journal(session, workflows, [(new_id, row, reason)], actor=actor.username, today=today)
            statement = session.get_one(Statement, new_id)
            claim(
                session,
                workflows,
                statement_id=new_id,
                customer_id=customer_id,
                settlement_date=settlement_date,
            )
            keep_version(session, workflows, statement, actor=actor.username, reason=reason)
            return Opened(new_id, number, created=True, extended=False)
        existing = find(session, customer_id, settlement_date, kind)
        assert existing is not None  # the key was taken: the row is there
    unchanged = Opened(existing.id, existing.statement_no, created=False, extended=False)
    if existing.state not in workflows.tagged(Statement, "editable"):
        return unchanged
    claimed = claim(
        session,
        workflows,
        statement_id=existing.id,
        customer_id=customer_id,
        settlement_date=settlement_date,
    )
    if not claimed.anything:
        return unchanged
    why = reasons.EXTENDED
    workflows.fire(
        session,
        existing,
        "extend",
        actor=actor,
        today=today,
        payload={"invoices": claimed.invoices, "entries": claimed.entries, "reason": why.text},
    )
    keep_version(session, workflows, existing, actor=actor.username, reason=why)
    return Opened(existing.id, existing.statement_no, created=False, extended=True)


_STATEMENTS = table_of(Statement)
# The parameter `statement_no` sets the column of that name.
_RENUMBER = update(_STATEMENTS).where(_STATEMENTS.c.id == bindparam("the_id"))


def open_many(
    session: Session, workflows: Workflows, dues: Sequence[Due], *, actor: Actor, today: date
) -> list[New]:
    """Open the scheduled statements of `dues` with one step each for their numbers, rows and
    journal; those whose key someone took meanwhile are left out."""
    if not dues:
        return []
    numbers = document_numbers(session, PREFIX, today.year, len(dues))
    rows = [
        _row(
            workflows,
            customer_id=d.customer_id,
            settlement_date=d.settlement_date,
            kind="scheduled",
            created_by=actor.username,
            due=d,
        )
        | {"statement_no": number}
        for d, number in zip(dues, numbers, strict=True)
    ]
    connection = session.connection()
    # Without RETURNING the driver sends the rows as one prepared statement (PostgreSQL plans a
    # RETURNING insert of many rows anew for each batch, several times slower); the numbers,
    # reserved for this transaction, find the rows that went in.
    connection.execute(_insert(session), rows)
    numbered = select(Statement.statement_no, Statement.id)
    ids = dict(
        connection.execute(numbered.where(among(session, Statement.statement_no, numbers))).all()
    )
    kept = [(d, row) for d, row in zip(dues, rows, strict=True) if row["statement_no"] in ids]
    opened = [
        New(d, ids[row["statement_no"]], number)
        for (d, row), number in zip(kept, numbers[: len(kept)], strict=True)
    ]
    if len(kept) < len(dues):
        # Keys taken meanwhile: the statements inserted take the first numbers, in order (each
        # moves down to a number nobody holds), and the rest go back to the counter.
        moves = [
            {"the_id": new.statement_id, "statement_no": new.statement_no}
            for new, (_, row) in zip(opened, kept, strict=True)
            if row["statement_no"] != new.statement_no
        ]
        if moves:
            connection.execute(_RENUMBER, moves)
        give_back(session, counter(PREFIX, today.year), len(dues) - len(kept))
    _journal(
        session,
        workflows,
        [
            (new.statement_id, row, new.due.reason)
            for new, (_, row) in zip(opened, kept, strict=True)
        ],
        actor=actor.username,
        today=today,
    )
    return opened
