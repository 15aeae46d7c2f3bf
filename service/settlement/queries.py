"""Reading the settlement gate: may an invoice, or a statement's invoices, be settled on a day,
and if not, every condition that blocks (in words, with the facts); the settlements made.

Other features (collection, payments) read the gate through here: `check` answers for any set
of invoices in a fixed number of queries (service/settlement/gate.py), and `settled` which
settlement settled which invoice.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from service.context import Context
from service.errors import NotFound
from service.invoices.models import Invoice
from service.masterdata.models import Customer
from service.settlement.blockers import Blocker
from service.settlement.gate import Gate, InvoiceCheck, check, settled_states
from service.settlement.models import SettledInvoice, Settlement
from service.settlement.parties import Attorney
from service.settlement.schemas import (
    AttorneyRef,
    BlockerOut,
    InvoiceCheckOut,
    InvoiceSettlementOut,
    SettlementOut,
    StatementSettlementOut,
)
from service.statements import queries as statements
from service.statements.models import Statement, StatementLine, StatementVersion

__all__ = ["Blocker", "Gate", "InvoiceCheck", "check", "settled", "settled_states"]
ZERO = Decimal("0.00")


def statement_invoices(statement: Statement) -> Select[int]:
    """The invoices of the statement's current version, as a subquery of their ids."""
    return (
        select(StatementLine.source_id)
        .join(StatementVersion, StatementVersion.id == StatementLine.version_id)
        .where(
            StatementVersion.statement_id == statement.id,
            StatementVersion.number == statement.versions,
            StatementLine.kind == "invoice",
        )
    )


def settled(session: Session, invoice_ids: Sequence[int]) -> dict[int, str]:
    """Which settlement settled each of these invoices (by invoice id)."""
    rows = session.execute(
        select(SettledInvoice.invoice_id, Settlement.settlement_no)
        .join(Settlement, Settlement.id == SettledInvoice.settlement_id)
        .where(SettledInvoice.invoice_id.in_(invoice_ids))
    )
    return dict(rows.all())


def _attorney(found: Attorney | None) -> AttorneyRef | None:
    if found is None:
        return None
    return AttorneyRef(
        id=found.id,
        attorney_name=found.name,
        valid_from=found.valid_from,
        valid_to=found.valid_to,
        contract_no=found.contract_no,
    )


def _shown(blockers: Sequence[Blocker], locale: str) -> list[BlockerOut]:
    return [BlockerOut.model_validate(x.shown(locale)) for x in blockers]


def _invoice_out(
    found: InvoiceCheck, settlements: dict[int, str], locale: str
) -> dict[str, object]:
    return {
        "invoice_id": found.id,
        "invoice_no": found.invoice_no,
        "kind": found.kind,
        "state": found.state,
        "total": found.total,
        "statement_no": found.statement_no,
        "settleable": found.settleable,
        "settled": found.settled,
        "settlement_no": settlements.get(found.id),
        "blockers": _shown(found.blockers, locale),
    }


def invoice(
    session: Session,
    ctx: Context,
    *,
    invoice_id: int,
    on: date | None = None,
    attorney: int | None = None,
    locale: str = "en",
) -> InvoiceSettlementOut:
    """May this invoice be settled on `on` (default today), collected under `attorney`
    (default the customer's valid power of attorney for collecting)?"""
    customer = session.execute(
        select(Customer.id, Customer.code)
        .join(Invoice, Invoice.customer_id == Customer.id)
        .where(Invoice.id == invoice_id)
    ).one_or_none()
    if customer is None:
        raise NotFound("settlement.invoice_not_found", field="invoice_id", invoice_id=invoice_id)
    day = on or ctx.today
    gate = check(
        session,
        ctx.workflows,
        invoice_ids=[invoice_id],
        day=day,
        attorney_id=attorney,
        tz=ctx.settings.tz,
    )
    [found] = gate.invoices
    return InvoiceSettlementOut.model_validate(
        _invoice_out(found, settled(session, [invoice_id]), locale)
        | {
            "customer_code": customer.code,
            "day": day,
            "attorney": _attorney(gate.attorneys.get(customer.id)),
        }
    )


def statement(
    session: Session,
    ctx: Context,
    *,
    statement_no: str,
    on: date | None = None,
    attorney: int | None = None,
    locale: str = "en",
) -> StatementSettlementOut:
    """May the statement's invoices be settled on `on`: each invoice with what blocks it."""
    found = statements.load(session, statement_no)
    return statement_out(session, ctx, found, check_of(session, ctx, found, on, attorney), locale)


def check_of(
    session: Session,
    ctx: Context,
    found: Statement,
    on: date | None,
    attorney: int | None,
    *,
    attorney_field: str = "attorney",
) -> Gate:
    """The gate for every invoice of the statement's current version."""
    return check(
        session,
        ctx.workflows,
        invoice_ids=statement_invoices(found),
        statement_ids=[found.id],
        day=on or ctx.today,
        attorney_id=attorney,
        attorney_field=attorney_field,
        tz=ctx.settings.tz,
    )


def blocking(gate: Gate, found: Statement) -> list[tuple[str | None, Blocker]]:
    """What stops the statement's settlement, all or nothing: its own and its customer's
    conditions, and those of every invoice on it still waiting (by invoice number); a voided
    invoice owes nothing and is not settled."""
    shared = gate.common(found.customer_id, found.id)
    own = [
        (invoice.invoice_no, blocker)
        for invoice in gate.invoices
        if invoice.waiting
        for blocker in invoice.blockers
        if blocker not in shared
    ]
    return [*((None, x) for x in shared), *own]


def statement_out(
    session: Session, ctx: Context, found: Statement, gate: Gate, locale: str
) -> StatementSettlementOut:
    customer = session.get_one(Customer, found.customer_id)
    settlements = settled(session, [i.id for i in gate.invoices])
    open_ = [i for i in gate.invoices if i.waiting]
    done = found.state in settled_states(ctx.workflows.flow(Statement))
    return StatementSettlementOut(
        statement_no=found.statement_no,
        state=found.state,
        customer_code=customer.code,
        settlement_date=found.settlement_date,
        day=gate.day,
        attorney=_attorney(gate.attorneys.get(found.customer_id)),
        settleable=not done and not blocking(gate, found),
        blockers=_shown(gate.common(found.customer_id, found.id), locale),
        invoices=[
            InvoiceCheckOut.model_validate(_invoice_out(i, settlements, locale))
            for i in gate.invoices
        ],
        amount=sum((i.total for i in open_), ZERO),
        settlements=settlements_of(session, found),
    )


def settlements_of(session: Session, found: Statement) -> list[SettlementOut]:
    """The settlements made of the statement's invoices, oldest first."""
    made = session.scalars(
        select(Settlement).where(Settlement.statement_id == found.id).order_by(Settlement.id)
    ).all()
    invoices: dict[int, list[str]] = {}
    for settlement_id, invoice_no in session.execute(
        select(SettledInvoice.settlement_id, Invoice.invoice_no)
        .join(Invoice, Invoice.id == SettledInvoice.invoice_id)
        .where(SettledInvoice.settlement_id.in_([s.id for s in made]))
        .order_by(Invoice.id)
    ):
        invoices.setdefault(settlement_id, []).append(invoice_no)
    customer = session.get_one(Customer, found.customer_id)
    return [
        SettlementOut(
            settlement_no=s.settlement_no,
            statement_no=found.statement_no,
            customer_code=customer.code,
            day=s.day,
            attorney_id=s.attorney_id,
            attorney_name=s.attorney_name,
            note=s.note,
            invoices=invoices.get(s.id, []),
            amount=s.amount,
            settled_by=s.settled_by,
            settled_at=s.settled_at,
        )
        for s in made
    ]
