"""Drafting a run's new statements all at once (R20, R21): a fixed number of set-based statements
whatever the number of statements drafted.

The scheduler hands over the keys (customer, settlement date) that have no statement yet. They
are opened together (numbers reserved in one step, one INSERT ... ON CONFLICT DO NOTHING, the
creations journalled in one insert, see `opening.open_many`); each gets its first version. Its
invoices are those falling due after the customer's previous new statement of the run and on or
before its own settlement date; red invoices, credits and adjustments go to the customer's first
new statement, as drafting them one after the other in date order would. Lines are copied per
kind by one INSERT ... SELECT for every statement, the invoices read through the partial index
of invoices on no statement (`ix_invoices_statement_scan`); the invoices listed are then claimed
by one UPDATE driven by those lines, so a statement owns exactly what it lists. Totals and what
changed are computed for all versions at once.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from datetime import date
from typing import Any

from sqlalchemy import (
    Date,
    Subquery,
    and_,
    bindparam,
    delete,
    exists,
    func,
    insert,
    literal,
    select,
    update,
)
from sqlalchemy.orm import Session

from service import statistics
from service.auth.tokens import Actor
from service.db import among, rows_changed, table_of, utcnow
from service.invoices.models import Invoice
from service.returns.models import Return
from service.statements import lines
from service.statements.drafting import take_entries
from service.statements.models import (
    ZERO,
    Statement,
    StatementEntry,
    StatementLine,
    StatementVersion,
)
from service.statements.opening import Due, New, open_many
from service.workflow import Workflows

# Statements drafted by one round of set-based statements (bounded so that the lists of ids
# they pass stay within every database's limit of parameters).
ROUND = 5_000
EARLIEST = date.min

_VERSIONS = table_of(StatementVersion)
# Bound parameters named apart from the columns (a parameter named after a column joins the SET).
_TOTALS = ("goods_total", "credits_total", "adjustments_total", "amount_due")
_SET_VERSION = (
    update(_VERSIONS)
    .where(_VERSIONS.c.id == bindparam("the_version"))
    .values({c: bindparam(f"new_{c}") for c in (*_TOTALS, "changes")})
)


def draft_new(
    session: Session, workflows: Workflows, dues: Sequence[Due], *, actor: Actor, today: date
) -> list[New]:
    """Open the statements of `dues` that nobody opened meanwhile and draft their first
    versions; the statements opened, in the order of `dues`."""
    opened: list[New] = []
    for part in _rounds(dues):
        made = open_many(session, workflows, part, actor=actor, today=today)
        if made:
            _draft(session, workflows, made, actor=actor.username)
            opened.extend(made)
    return opened


def _rounds(dues: Sequence[Due]) -> Iterator[list[Due]]:
    """Rounds of at most ROUND statements, a customer's statements in one round (each claims
    after the one before it)."""
    part: list[Due] = []
    for _, of_customer in itertools.groupby(dues, key=lambda d: d.customer_id):
        mine = list(of_customer)
        if part and len(part) + len(mine) > ROUND:
            yield part
            part = []
        part.extend(mine)
    if part:
        yield part


def _targets(session: Session, statement_ids: list[int]) -> Subquery:
    """The new statements with their first version and the settlement date of the customer's
    new statement before them (`after`: none for the first)."""
    s, v = Statement, StatementVersion
    after = func.lag(s.settlement_date, type_=Date).over(
        partition_by=s.customer_id, order_by=s.settlement_date
    )
    return (
        select(
            s.id.label("statement_id"),
            s.customer_id,
            s.settlement_date,
            after.label("after"),
            v.id.label("version_id"),
        )
        .join(v, and_(v.statement_id == s.id, v.number == 1))
        .where(among(session, s.id, statement_ids))
        .subquery("targets")
    )


def _draft(session: Session, workflows: Workflows, opened: list[New], *, actor: str) -> None:
    now = utcnow()
    rows = [
        {
            "statement_id": o.statement_id,
            "number": 1,
            "reason": o.due.reason.text,
            "reason_words": o.due.reason.words,
            "made_by": actor,
            "made_at": now,
            "goods_total": ZERO,
            "credits_total": ZERO,
            "adjustments_total": ZERO,
            "amount_due": ZERO,
            "changes": {},
        }
        for o in opened
    ]
    connection = session.connection()
    connection.execute(insert(_VERSIONS), rows)  # no RETURNING: see opening.open_many
    statement_ids = [o.statement_id for o in opened]
    v = StatementVersion
    first_versions = select(v.statement_id, v.id).where(
        among(session, v.statement_id, statement_ids), v.number == 1
    )
    versions: dict[int, int] = dict(connection.execute(first_versions).all())
    t = _targets(session, statement_ids)
    first = t.c.after.is_(None)
    take_entries(
        session,
        [s.where(first) for s in lines.entries(workflows, t.c.statement_id, t.c.customer_id)],
    )
    listed = _list(session, workflows, t)
    claimed = _claim(session, list(versions.values()), listed)
    statistics.refresh_after(session, Invoice, claimed)
    _settle(session, list(versions.values()))


def _list(session: Session, workflows: Workflows, t: Subquery) -> int:
    """Copy every new version's lines, kind by kind; how many invoices (blue and red) they list."""
    receivable = workflows.tagged(Invoice, "receivable")
    v = t.c.version_id
    due = (
        lines.invoices(v)
        .join(
            t,
            and_(
                Invoice.customer_id == t.c.customer_id,
                Invoice.due_date <= t.c.settlement_date,
                Invoice.due_date > func.coalesce(t.c.after, literal(EARLIEST, Date)),
            ),
        )
        .where(
            Invoice.statement_id.is_(None),
            Invoice.due_date.is_not(None),
            Invoice.kind == "blue",
            Invoice.state.in_(receivable),
        )
    )
    # Red invoices through the index of the blue invoice they reverse (few invoices are red),
    # not through the customer's invoices (every invoice of every customer drafted for): `+ 0`
    # keeps SQLite's planner off the customer's index.
    reds = (
        lines.reds(v, workflows)
        .join(t, Invoice.customer_id + 0 == t.c.customer_id)
        .where(t.c.after.is_(None), Invoice.original_id > 0, Invoice.statement_id.is_(None))
    )
    taken = [
        s.join(t, StatementEntry.statement_id == t.c.statement_id)
        for s in lines.taken(v, workflows)
    ]
    goods = lines.open_returns(v, workflows).join(t, Return.customer_id == t.c.customer_id)
    into = insert(table_of(StatementLine))
    invoices = sum(
        rows_changed(session, into.from_select(lines.LINE_COLUMNS, s)) for s in (due, reds)
    )
    for source in [*taken, goods]:
        session.execute(into.from_select(lines.LINE_COLUMNS, source))
    return invoices


def _claim(session: Session, version_ids: list[int], listed: int) -> int:
    """Put on each new statement the invoices its lines list, if still on none; how many."""
    line, version = StatementLine, StatementVersion
    claimed = rows_changed(
        session,
        update(Invoice)
        .where(
            Invoice.id == line.source_id,
            line.kind.in_(("invoice", "red_invoice")),
            line.version_id == version.id,
            among(session, version.id, version_ids),
            Invoice.statement_id.is_(None),
        )
        .values(statement_id=version.statement_id)
        .execution_options(synchronize_session=False),
    )
    if claimed != listed:
        # Someone put one of them on another statement between the copy and the claim (a
        # re-draft at that moment on PostgreSQL): the line goes, the invoice is theirs.
        session.execute(
            delete(line).where(
                among(session, line.version_id, version_ids),
                line.kind.in_(("invoice", "red_invoice")),
                ~exists().where(
                    Invoice.id == line.source_id,
                    Invoice.statement_id == version.statement_id,
                    version.id == line.version_id,
                ),
            )
        )
    return claimed


def _settle(session: Session, version_ids: list[int]) -> None:
    """Each new version's totals and what it lists (all added), and its statement's totals."""
    totals = lines.totals_of(session, version_ids)
    keyed = lines.keyed_lines(session, version_ids)
    rows: list[dict[str, Any]] = []
    for version_id in version_ids:
        summed = totals[version_id]
        values = summed.columns() | {"changes": lines.changes({}, keyed[version_id], summed)}
        rows.append({"the_version": version_id} | {f"new_{c}": v for c, v in values.items()})
    session.connection().execute(_SET_VERSION, rows)
    v = StatementVersion
    session.execute(
        update(Statement)
        .where(Statement.id == v.statement_id, among(session, v.id, version_ids))
        .values({"versions": v.number} | {c: getattr(v, c) for c in _TOTALS})
        .execution_options(synchronize_session=False)
    )
