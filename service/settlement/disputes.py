"""R29 at the settlement gate: what is still disputed about an invoice or its statement, read
for every invoice at once. Open invoice exceptions, open returns of defective or slow-moving
goods (the invoice's own, and those its statement lists as still to be dealt with, R21) and
open disputes of statement lines."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, and_, select
from sqlalchemy.orm import Session

from service.invoices import queries as invoices
from service.invoices.models import Invoice
from service.returns.models import Return
from service.settlement import blockers as b
from service.settlement.blockers import Blocker
from service.statements.models import Statement, StatementDispute, StatementLine
from service.workflow import Workflows

# R29: the goods whose disputes are settled with the customer before the settlement date.
R29_REASONS = ("defective", "slow_moving")


@dataclass(frozen=True)
class OnStatement:
    """A statement as the gate reads it, with its current version."""

    id: int
    statement_no: str
    state: str
    customer_id: int
    version_id: int | None


@dataclass
class OfStatements:
    """Per statement: what blocks all its invoices, and the returns it lists (so that an
    invoice's own return is not named twice)."""

    blockers: dict[int, list[Blocker]]
    returns: dict[int, set[int]]


def statement_blockers(
    session: Session, workflows: Workflows, statements: dict[int, OnStatement]
) -> OfStatements:
    """What blocks every invoice of a statement (R29): the open defective or slow-moving
    returns its current version lists, and its disputed lines other than invoices."""
    found = OfStatements(blockers={s: [] for s in statements}, returns={})
    versions = {s.version_id: s for s in statements.values() if s.version_id is not None}
    if versions:
        rows = session.execute(
            _open_returns()
            .add_columns(StatementLine.version_id)
            .join(
                StatementLine,
                and_(StatementLine.kind == "open_return", StatementLine.source_id == Return.id),
            )
            .join(Invoice, Invoice.id == Return.invoice_id)
            .where(
                StatementLine.version_id.in_(versions),
                Return.state.in_(workflows.tagged(Return, "open")),
            )
        )
        for row in rows:
            st = versions[row.version_id]
            found.returns.setdefault(st.id, set()).add(row.id)
            facts = _return_facts(row) | {"statement_no": st.statement_no}
            found.blockers[st.id].append(Blocker(b.STATEMENT_RETURN_OPEN, facts))
    disputes = session.execute(
        select(
            StatementDispute.id,
            StatementDispute.statement_id,
            StatementDispute.reason,
            StatementLine.kind,
            StatementLine.reference,
        )
        .join(StatementLine, StatementLine.id == StatementDispute.line_id)
        .where(
            StatementDispute.statement_id.in_(statements),
            StatementDispute.state.in_(workflows.tagged(StatementDispute, "open")),
            StatementLine.kind != "invoice",
        )
        .order_by(StatementDispute.id)
    )
    for row in disputes:
        st = statements[row.statement_id]
        facts = {
            "dispute_id": row.id,
            "statement_no": st.statement_no,
            "reference": row.reference,
            "reason": row.reason,
        }
        found.blockers[st.id].append(Blocker(b.STATEMENT_LINE_DISPUTED, facts))
    return found


def _open_returns() -> Select[*tuple[Any, ...]]:
    return select(
        Return.id,
        Return.return_no,
        Return.reason,
        Return.state,
        Return.invoice_id,
        Invoice.invoice_no,
    ).where(Return.reason.in_(R29_REASONS))


def _return_facts(row: Any) -> dict[str, Any]:
    return {
        "return_id": row.id,
        "return_no": row.return_no,
        "return_reason": row.reason,
        "return_state": row.state,
        "invoice_id": row.invoice_id,
        "invoice_no": row.invoice_no,
    }


def invoice_blockers(
    session: Session,
    workflows: Workflows,
    invoice_ids: Select[int] | Sequence[int],
    numbers: dict[int, str],
) -> dict[int, list[Blocker]]:
    """R29 for each invoice: its open invoice exceptions, its open defective or slow-moving
    returns and the open disputes of its statement lines; one query each for all invoices."""
    found: dict[int, list[Blocker]] = {}
    for open_exception in invoices.open_exceptions_of(session, workflows, invoice_ids):
        facts = {
            "invoice_id": open_exception.invoice_id,
            "invoice_no": numbers[open_exception.invoice_id],
            "exception_id": open_exception.exception_id,
            "exception_kind": open_exception.kind,
        }
        found.setdefault(open_exception.invoice_id, []).append(Blocker(b.EXCEPTION_OPEN, facts))
    returns = session.execute(
        _open_returns()
        .join(Invoice, Invoice.id == Return.invoice_id)
        .where(
            Return.invoice_id.in_(invoice_ids),
            Return.state.in_(workflows.tagged(Return, "open")),
        )
        .order_by(Return.id)
    )
    for row in returns:
        found.setdefault(row.invoice_id, []).append(Blocker(b.RETURN_OPEN, _return_facts(row)))
    disputes = session.execute(
        select(
            StatementDispute.id,
            StatementDispute.reason,
            StatementLine.source_id,
            Statement.statement_no,
        )
        .join(StatementLine, StatementLine.id == StatementDispute.line_id)
        .join(Statement, Statement.id == StatementDispute.statement_id)
        .where(
            StatementLine.kind == "invoice",
            StatementLine.source_id.in_(invoice_ids),
            StatementDispute.state.in_(workflows.tagged(StatementDispute, "open")),
        )
        .order_by(StatementDispute.id)
    )
    for row in disputes:
        facts = {
            "invoice_id": row.source_id,
            "invoice_no": numbers[row.source_id],
            "dispute_id": row.id,
            "statement_no": row.statement_no,
            "reason": row.reason,
        }
        found.setdefault(row.source_id, []).append(Blocker(b.LINE_DISPUTED, facts))
    return found
