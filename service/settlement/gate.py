"""The settlement gate as one set-based check (R23, R27-R29).

For a set of invoices (one, or every invoice of a statement's current version), a day and
optionally the power of attorney of the person collecting, it finds every condition that blocks
each invoice, in a fixed number of queries whatever the number of invoices: the invoices, their
statements, customers, contracts, powers of attorney, open invoice exceptions, open defective or
slow-moving returns and open statement disputes, each read once for the whole set.

Which states count as signed, settled or still on their way is read from the lifecycles: the
sources of the `settle` trigger may be settled; what `settle` leads to (and on, to paid) has
passed the gate; what can still reach a source is on its way.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, and_, select
from sqlalchemy.orm import Session

from service.invoices.models import Invoice
from service.masterdata.models import Customer
from service.settlement import blockers as b
from service.settlement.blockers import Blocker
from service.settlement.disputes import OnStatement, invoice_blockers, statement_blockers
from service.settlement.parties import Attorney, customer_blockers
from service.statements.models import Statement, StatementVersion
from service.workflow import Workflows
from workflows import Flow

SETTLE = "settle"
# The lifecycle groups of the gate (YAML tags): on the way to it, and past it.
BEFORE = "before_settlement"
PAST = "past_settlement"


def settleable_states(flow: Flow) -> frozenset[str]:
    """The states `settle` leaves from (an invoice: signed, resolved)."""
    return frozenset(flow.sources_of(SETTLE))


def settled_states(flow: Flow) -> frozenset[str]:
    """The states past the gate (settled, then partly paid or paid: the YAML tag
    `past_settlement`), not voided."""
    return frozenset(flow.tagged(PAST))


def pending_states(flow: Flow) -> frozenset[str]:
    """The states still on their way to the gate (the YAML tag `before_settlement`)."""
    return frozenset(flow.tagged(BEFORE))


@dataclass
class InvoiceCheck:
    """One invoice at the gate: what blocks it (its own conditions, its statement's and its
    customer's); `settled` when it has passed the gate already, `waiting` while it is still on
    its way there (not settled, voided nor thrown away)."""

    id: int
    invoice_no: str
    kind: str
    state: str
    version: int
    total: Decimal
    customer_id: int
    order_id: int
    statement_id: int | None
    statement_no: str | None
    settled: bool = False
    waiting: bool = False
    blockers: list[Blocker] = field(default_factory=list)

    @property
    def settleable(self) -> bool:
        return not self.blockers


@dataclass
class Gate:
    """The answer for a set of invoices on a day: each invoice with its blockers, the
    blockers every invoice of a customer or of a statement shares, and per customer the power
    of attorney of the person collecting (the one named, or the valid one found)."""

    day: date
    invoices: list[InvoiceCheck]
    of_customer: dict[int, list[Blocker]]
    of_statement: dict[int, list[Blocker]]
    attorneys: dict[int, Attorney | None]

    def common(self, customer_id: int, statement_id: int | None) -> list[Blocker]:
        """What blocks every invoice of the customer on that statement."""
        shared = self.of_statement.get(statement_id, []) if statement_id is not None else []
        return [*self.of_customer.get(customer_id, []), *shared]


def check(
    session: Session,
    workflows: Workflows,
    *,
    invoice_ids: Select[int] | Sequence[int],
    day: date,
    statement_ids: Sequence[int] = (),
    attorney_id: int | None = None,
    attorney_field: str = "attorney",
    tz: ZoneInfo,
) -> Gate:
    """Every condition that blocks each of `invoice_ids` (ids, or a subquery selecting them)
    on `day`, and those of `statement_ids` even when they list no invoice."""
    rows = session.execute(
        select(
            Invoice.id,
            Invoice.invoice_no,
            Invoice.kind,
            Invoice.state,
            Invoice.version,
            Invoice.total,
            Invoice.customer_id,
            Invoice.order_id,
            Invoice.statement_id,
            Invoice.due_date,
            Invoice.sent_on,
            Invoice.signed_on,
        )
        .where(Invoice.id.in_(invoice_ids))
        .order_by(Invoice.id)
    ).all()
    statements = _statements(session, {*statement_ids, *(r.statement_id for r in rows)})
    customers = {
        c.id: c
        for c in session.scalars(
            select(Customer).where(
                Customer.id.in_(
                    {r.customer_id for r in rows} | {s.customer_id for s in statements.values()}
                )
            )
        )
    }
    parties = customer_blockers(session, customers, day, attorney_id, attorney_field, tz)
    listed = statement_blockers(session, workflows, statements)
    gate = Gate(
        day=day,
        invoices=[],
        of_customer=parties.blockers,
        of_statement={
            s.id: [*_statement_state(workflows, s), *listed.blockers[s.id]]
            for s in statements.values()
        },
        attorneys=parties.attorneys,
    )
    flow = workflows.flow(Invoice)
    own = invoice_blockers(session, workflows, invoice_ids, {r.id: r.invoice_no for r in rows})
    for row in rows:
        on = statements.get(row.statement_id) if row.statement_id is not None else None
        found = InvoiceCheck(
            id=row.id,
            invoice_no=row.invoice_no,
            kind=row.kind,
            state=row.state,
            version=row.version,
            total=row.total,
            customer_id=row.customer_id,
            order_id=row.order_id,
            statement_id=row.statement_id,
            statement_no=on.statement_no if on else None,
            settled=row.state in settled_states(flow),
            waiting=row.state in pending_states(flow),
        )
        # A return its statement lists is named once, as the statement's.
        named = listed.returns.get(row.statement_id, set()) if on else set()
        found.blockers = [
            *_invoice_state(flow, row),
            *([] if on else [_not_on_statement(row)]),
            *(x for x in own.get(row.id, []) if x.facts.get("return_id") not in named),
            *gate.common(row.customer_id, row.statement_id),
        ]
        gate.invoices.append(found)
    return gate


def _statements(session: Session, ids: set[int]) -> dict[int, OnStatement]:
    found = session.execute(
        select(
            Statement.id,
            Statement.statement_no,
            Statement.state,
            Statement.customer_id,
            StatementVersion.id,
        )
        .outerjoin(
            StatementVersion,
            and_(
                StatementVersion.statement_id == Statement.id,
                StatementVersion.number == Statement.versions,
            ),
        )
        .where(Statement.id.in_(ids))
    )
    return {row[0]: OnStatement(*row) for row in found}


def _statement_state(workflows: Workflows, statement: OnStatement) -> list[Blocker]:
    """R22, R23: only a statement confirmed by both sides is settled."""
    flow = workflows.flow(Statement)
    if statement.state in settleable_states(flow) | settled_states(flow):
        return []
    facts = {"statement_no": statement.statement_no, "statement_state": statement.state}
    return [Blocker(b.STATEMENT_NOT_CONFIRMED, facts)]


def _not_on_statement(row: Any) -> Blocker:
    facts = {"invoice_id": row.id, "invoice_no": row.invoice_no, "due_date": row.due_date}
    return Blocker(b.NOT_ON_STATEMENT, facts)


def _invoice_state(flow: Flow, row: Any) -> list[Blocker]:
    """R23: a blue invoice delivered to and signed by the customer, not disputed, not settled."""
    facts = {"invoice_id": row.id, "invoice_no": row.invoice_no, "invoice_state": row.state}
    if row.kind != "blue":
        return [Blocker(b.RED_INVOICE, facts)]
    if row.state in settled_states(flow):
        return [Blocker(b.ALREADY_SETTLED, facts)]
    if row.state in settleable_states(flow):
        return [] if row.signed_on else [Blocker(b.SIGNATURE_MISSING, facts)]
    if flow.allows(row.state, "resolve"):
        return [Blocker(b.DISPUTED, facts)]
    if row.state in pending_states(flow):
        return [Blocker(b.NOT_SIGNED, facts | {"sent_on": row.sent_on})]
    return [Blocker(b.GONE, facts)]
