"""Deductions the customer made instead of paying: discounts offset by receipt (收据冲账, R12)
and statement adjustments (rebates, price reductions, margin support, fees) confirmed on a
statement. Each source is deducted once while its deduction stands (a unique index decides,
also between two requests at the same moment); a reversed deduction frees its source.

A deduction is applied like money: first to the invoice it belongs to (a discount's invoice)
while that is open, then oldest due first; what no open invoice takes is unapplied credit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from service import ledger
from service.context import Context
from service.errors import Conflict, Invalid
from service.invoices.models import DiscountCredit, Invoice
from service.payments import allocation
from service.payments.allocation import OpenInvoice
from service.payments.models import Deduction, Payment
from service.payments.schemas import DeductionRef
from service.statements.models import (
    Statement,
    StatementAdjustment,
    StatementEntry,
    StatementLine,
    StatementVersion,
)
from service.workflow import Workflows

ZERO = Decimal("0.00")
# How a statement line and a statement entry name the two kinds of source.
ON_STATEMENT = {"discount_offset": "discount_credit", "adjustment": "statement_adjustment"}
ENTRY_OF = {v: k for k, v in ON_STATEMENT.items()}
# The discounts a customer deducts itself (R12 outside the invoice, offset by receipts).
RECEIPT_OFFSET = "receipt_offset"


@dataclass(frozen=True)
class Source:
    kind: str
    id: int
    amount: Decimal
    reference: str
    invoice_id: int | None


def paying_states(workflows: Workflows) -> tuple[str, ...]:
    """A statement's states from confirmed on: those payments move it from or to."""
    flow = workflows.flow(Statement)
    return tuple(dict.fromkeys(flow.sources_of("pay") + flow.sources_of("reopen_confirmed")))


def of_statement(session: Session, statement: Statement) -> list[DeductionRef]:
    """The discount offsets and adjustments its current version counts."""
    rows = session.execute(
        select(StatementLine.kind, StatementLine.source_id)
        .join(StatementVersion, StatementVersion.id == StatementLine.version_id)
        .where(
            StatementVersion.statement_id == statement.id,
            StatementVersion.number == statement.versions,
            StatementLine.kind.in_(ON_STATEMENT),
            StatementLine.counted.is_(True),
        )
        .order_by(StatementLine.id)
    )
    return [
        DeductionRef.model_validate({"kind": ON_STATEMENT[kind], "id": source_id})
        for kind, source_id in rows
    ]


def _discount(session: Session, customer_id: int, ref: DeductionRef, field: str) -> Source:
    found = session.execute(
        select(DiscountCredit, Invoice.invoice_no)
        .join(Invoice, Invoice.id == DiscountCredit.invoice_id)
        .where(DiscountCredit.id == ref.id, DiscountCredit.customer_id == customer_id)
    ).first()
    if found is None or found[0].state != "pending":
        raise Invalid("payment.deduction_unknown", field=field, kind=ref.kind, id=ref.id)
    credit, invoice_no = found
    if credit.mode != RECEIPT_OFFSET:
        raise Conflict(
            "payment.discount_not_offset_by_receipt", field=field, id=ref.id, mode=credit.mode
        )
    return Source(ref.kind, credit.id, credit.amount, invoice_no, credit.invoice_id)


def _adjustment(
    session: Session, ctx: Context, customer_id: int, ref: DeductionRef, field: str
) -> Source:
    found = session.execute(
        select(StatementAdjustment, Statement.statement_no, Statement.state)
        .outerjoin(
            StatementEntry,
            (StatementEntry.source_type == ENTRY_OF[ref.kind])
            & (StatementEntry.source_id == StatementAdjustment.id),
        )
        .outerjoin(Statement, Statement.id == StatementEntry.statement_id)
        .where(StatementAdjustment.id == ref.id, StatementAdjustment.customer_id == customer_id)
    ).first()
    if found is None or found[0].state not in ctx.workflows.tagged(StatementAdjustment, "open"):
        raise Invalid("payment.deduction_unknown", field=field, kind=ref.kind, id=ref.id)
    adjustment, statement_no, state = found
    if state not in paying_states(ctx.workflows):
        raise Conflict(
            "payment.adjustment_not_confirmed",
            field=field,
            id=ref.id,
            statement_no=statement_no or "-",
        )
    return Source(ref.kind, adjustment.id, adjustment.amount, adjustment.document_no, None)


def resolve(
    session: Session,
    ctx: Context,
    customer_id: int,
    refs: Sequence[DeductionRef],
    *,
    field: str | None,
) -> list[Source]:
    """The sources named, each the customer's, deductible and not deducted yet (`field`: the
    list they come in; None: one source, named by `id`)."""
    sources: list[Source] = []
    for index, ref in enumerate(refs):
        where = f"{field}[{index}]" if field is not None else "id"
        if any(s.kind == ref.kind and s.id == ref.id for s in sources):
            raise Invalid("payment.deduction_named_twice", field=where, kind=ref.kind, id=ref.id)
        if ref.kind == "discount_credit":
            source = _discount(session, customer_id, ref, where)
        else:
            source = _adjustment(session, ctx, customer_id, ref, where)
        booked = session.scalar(
            select(Deduction.id).where(
                Deduction.source_type == ref.kind,
                Deduction.source_id == ref.id,
                Deduction.reversed_on.is_(None),
            )
        )
        if booked is not None:
            raise Conflict(
                "payment.deduction_already_booked",
                field=where,
                kind=ref.kind,
                id=ref.id,
                deduction_id=booked,
            )
        sources.append(source)
    return sources


def spread(
    source: Source, invoices: Sequence[OpenInvoice], taken: dict[int, Decimal]
) -> dict[int, Decimal]:
    """Where a deduction goes: its own invoice while that is open, then oldest due first;
    `taken` grows by it."""
    own = [i for i in invoices if i.id == source.invoice_id]
    plan = allocation.oldest_first(own, source.amount, taken)
    allocation.add(taken, plan)
    more = allocation.oldest_first(invoices, source.amount - sum(plan.values(), ZERO), taken)
    allocation.add(taken, more)
    for invoice_id, amount in more.items():
        plan[invoice_id] = plan.get(invoice_id, ZERO) + amount
    return plan


def book(
    session: Session,
    ctx: Context,
    *,
    customer_id: int,
    sources: Sequence[Source],
    day: date,
    invoices: Sequence[OpenInvoice],
    taken: dict[int, Decimal],
    payment: Payment | None = None,
) -> list[Deduction]:
    """Record each deduction and post it: to its own invoice while open, then oldest due first;
    `taken` grows by what each applied."""
    booked = []
    for source in sources:
        deduction = Deduction(
            customer_id=customer_id,
            payment_id=payment.id if payment is not None else None,
            source_type=source.kind,
            source_id=source.id,
            reference=source.reference,
            amount=source.amount,
            day=day,
            recorded_by=ctx.actor.username,
        )
        session.add(deduction)
        try:
            session.flush()
        except IntegrityError:
            raise Conflict(
                "payment.deduction_already_booked",
                field="deductions",
                kind=source.kind,
                id=source.id,
                deduction_id=0,
            ) from None
        plan = spread(source, invoices, taken)
        ledger.post(
            session,
            ledger.Posting(
                customer_id=customer_id,
                kind="deduction",
                source_type="deduction",
                source_id=deduction.id,
                amount=-source.amount,
                day=day,
                reference=source.reference,
                allocations=plan,
            ),
            actor=ctx.actor.username,
        )
        booked.append(deduction)
    return booked
