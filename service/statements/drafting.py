"""Drafting one statement (R21): claim what it lists, set-based, and keep a version of its lines.

A statement claims, for its customer, the blue invoices still receivable that fall due on or
before its settlement date and are on no statement yet (`invoices.statement_id`, one UPDATE),
the red invoices whose blue invoice is still receivable, and the credits and adjustments not yet
on a statement (`statement_entries`, one INSERT ... SELECT each, unique per source). A version
copies its lines with INSERT ... SELECT per kind (`lines`) and adds them up in SQL. Nothing
builds an ORM object per invoice. The scheduler drafts a day's new statements all at once
(`batch`); this is the path of a statement a person asks for, re-drafts, or a draft extended.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Executable, Insert, insert, literal, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from service import statistics
from service.db import rows_changed, table_of, utcnow
from service.invoices.models import Invoice
from service.returns.models import Return
from service.statements import lines, reasons
from service.statements.models import (
    ZERO,
    Statement,
    StatementEntry,
    StatementLine,
    StatementVersion,
)
from service.workflow import Workflows


@dataclass(frozen=True)
class Claimed:
    """What one claim took: invoices (blue and red) and credits or adjustments."""

    invoices: int
    entries: int

    @property
    def anything(self) -> bool:
        return bool(self.invoices or self.entries)


def insert_entries(session: Session) -> Insert:
    """INSERT into `statement_entries` that skips a source another statement took."""
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(StatementEntry).on_conflict_do_nothing(
            constraint="uq_statement_entries_source"
        )
    return sqlite.insert(StatementEntry).on_conflict_do_nothing(
        index_elements=["source_type", "source_id"]
    )


def take_entries(session: Session, sources: list[Any]) -> int:
    """Insert the entries the sources select; how many were new."""
    columns = ["statement_id", "source_type", "source_id"]
    taken = 0
    for source in sources:
        # RETURNING counts what was inserted: the driver's rowcount of an INSERT ... SELECT ...
        # ON CONFLICT DO NOTHING is not always known (-1) on PostgreSQL.
        insert_new = insert_entries(session).from_select(columns, source)
        taken += len(session.execute(insert_new.returning(StatementEntry.id)).all())
    return taken


def claim(
    session: Session,
    workflows: Workflows,
    *,
    statement_id: int,
    customer_id: int,
    settlement_date: date,
) -> Claimed:
    """Put on the statement what it lists and no statement has taken yet (R21)."""
    receivable = workflows.tagged(Invoice, "receivable")
    blue = rows_changed(
        session,
        update(Invoice)
        .where(
            Invoice.customer_id == customer_id,
            Invoice.statement_id.is_(None),
            Invoice.due_date.is_not(None),
            Invoice.due_date <= settlement_date,
            Invoice.kind == "blue",
            Invoice.state.in_(receivable),
        )
        .values(statement_id=statement_id)
        .execution_options(synchronize_session=False),
    )
    original = lines.ORIGINAL
    red = rows_changed(
        session,
        update(Invoice)
        .where(
            Invoice.customer_id == customer_id,
            Invoice.statement_id.is_(None),
            Invoice.kind == "red",
            Invoice.state.in_(receivable),
            Invoice.original_id.in_(select(original.id).where(original.state.in_(receivable))),
        )
        .values(statement_id=statement_id)
        .execution_options(synchronize_session=False),
    )
    taken = take_entries(session, lines.entries(workflows, literal(statement_id), customer_id))
    claimed = Claimed(invoices=blue + red, entries=taken)
    # A day's claims of a large book are a sliver of it; the first run after a go-live or a long
    # catch-up is not.
    statistics.refresh_after(session, Invoice, claimed.invoices)
    return claimed


def _line_sources(workflows: Workflows, statement: Statement, version_id: int) -> list[Executable]:
    v = literal(version_id)
    receivable = workflows.tagged(Invoice, "receivable")
    # The customer's invoices first (ix_invoices_customer_state): no index leads to
    # statement_id, so alone it would read every invoice, once per line kind.
    owned = (Invoice.customer_id == statement.customer_id, Invoice.statement_id == statement.id)
    sources = [
        lines.invoices(v).where(*owned, Invoice.kind == "blue", Invoice.state.in_(receivable)),
        lines.reds(v, workflows).where(*owned),
    ]
    sources += [
        s.where(StatementEntry.statement_id == statement.id) for s in lines.taken(v, workflows)
    ]
    sources.append(
        lines.open_returns(v, workflows).where(Return.customer_id == statement.customer_id)
    )
    return [insert(table_of(StatementLine)).from_select(lines.LINE_COLUMNS, s) for s in sources]


def current_version_id(session: Session, statement: Statement) -> int | None:
    if statement.versions == 0:
        return None
    return session.scalar(
        select(StatementVersion.id).where(
            StatementVersion.statement_id == statement.id,
            StatementVersion.number == statement.versions,
        )
    )


def keep_version(
    session: Session,
    workflows: Workflows,
    statement: Statement,
    *,
    actor: str,
    reason: str | reasons.Why,
) -> StatementVersion:
    """A new version of the statement from what it has claimed: its lines, totals and what
    changed against the previous version (lines added, removed, changed; totals before/after)."""
    previous_id = current_version_id(session, statement)
    before = lines.Totals(
        statement.goods_total, statement.credits_total, statement.adjustments_total
    )
    text, words = reasons.text_and_words(reason)
    version = StatementVersion(
        statement_id=statement.id,
        number=statement.versions + 1,
        reason=text,
        reason_words=words,
        made_by=actor,
        made_at=utcnow(),
        goods_total=ZERO,
        credits_total=ZERO,
        adjustments_total=ZERO,
        amount_due=ZERO,
        changes={},
    )
    session.add(version)
    session.flush()
    for source in _line_sources(workflows, statement, version.id):
        session.execute(source)
    totals = lines.totals_of(session, [version.id])[version.id]
    if previous_id is None:
        version.changes = lines.changes(
            {}, lines.keyed_lines(session, [version.id])[version.id], totals
        )
    else:
        known = lines.keyed_lines(session, [previous_id, version.id])
        version.changes = lines.changes(known[previous_id], known[version.id], totals, before)
    for column, value in totals.columns().items():
        setattr(version, column, value)
        setattr(statement, column, value)
    statement.versions = version.number
    session.flush()
    return version
