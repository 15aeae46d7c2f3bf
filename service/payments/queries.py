"""Reading payments, deductions and customers' unapplied credit: what the API and pages show.

Other features may read `payments_of` and `credit_of` (a customer's payments and its stored
outstanding and unapplied credit).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from service import journal, ledger
from service.context import Context
from service.errors import NotFound
from service.ledger import LedgerEntry
from service.masterdata.models import Customer
from service.masterdata.queries import addressed_customer, customer_id
from service.payments.models import Deduction, Payment
from service.payments.schemas import (
    CustomerCreditOut,
    DeductionOut,
    PaymentOut,
    PaymentSummary,
)
from service.payments.schemas import bank_reference as normalised
from service.schemas import AllocationOut, EventOut
from service.statements.models import Statement


def load(session: Session, payment_no: str, *, for_update: bool = False) -> Payment:
    query = select(Payment).where(Payment.payment_no == payment_no)
    if for_update:
        query = query.with_for_update().execution_options(populate_existing=True)
    found = session.scalar(query)
    if found is None:
        raise NotFound("payment.not_found", field="payment_no", payment_no=payment_no)
    return found


def customer(session: Session, code: str) -> Customer:
    """The customer a path names (404 when unknown)."""
    return addressed_customer(session, code)


def _allocations(session: Session, source_type: str, ids: Sequence[int]) -> list[ledger.Applied]:
    return ledger.applied(
        session, LedgerEntry.source_type == source_type, LedgerEntry.source_id.in_(ids)
    )


def allocation_out(applied: ledger.Applied) -> AllocationOut:
    return AllocationOut(
        invoice_no=applied.invoice_no,
        kind=applied.kind,
        reference=applied.reference,
        amount=applied.amount,
        day=applied.day,
    )


def deductions_out(
    session: Session, deductions: Sequence[Deduction], code: str, payment_no: str | None
) -> list[DeductionOut]:
    applied = _allocations(session, "deduction", [d.id for d in deductions])
    entries = dict(
        session.execute(
            select(LedgerEntry.id, LedgerEntry.source_id).where(
                LedgerEntry.id.in_({a.entry_id for a in applied})
            )
        ).all()
    )
    return [
        DeductionOut(
            id=d.id,
            customer_code=code,
            kind=d.source_type,
            source_id=d.source_id,
            reference=d.reference,
            amount=d.amount,
            day=d.day,
            payment_no=payment_no,
            reversed_on=d.reversed_on,
            allocations=[allocation_out(a) for a in applied if entries[a.entry_id] == d.id],
        )
        for d in deductions
    ]


def _summary(payment: Payment, code: str) -> dict[str, object]:
    fields = (n for n in PaymentSummary.model_fields if n != "customer_code")
    return {name: getattr(payment, name) for name in fields} | {"customer_code": code}


def payment_out(session: Session, ctx: Context, payment: Payment) -> PaymentOut:
    code = session.scalar(select(Customer.code).where(Customer.id == payment.customer_id))
    statement_no = (
        session.scalar(select(Statement.statement_no).where(Statement.id == payment.statement_id))
        if payment.statement_id is not None
        else None
    )
    deductions = list(
        session.scalars(
            select(Deduction).where(Deduction.payment_id == payment.id).order_by(Deduction.id)
        )
    )
    return PaymentOut.model_validate(
        _summary(payment, code or "")
        | {
            "version": payment.version,
            "statement_no": statement_no,
            "note": payment.note,
            "reversal_reason": payment.reversal_reason,
            "deductions": deductions_out(session, deductions, code or "", payment.payment_no),
            "allocations": [
                allocation_out(a) for a in _allocations(session, "payment", [payment.id])
            ],
            "recorded_by": payment.recorded_by,
            "created_at": payment.created_at,
            "allowed_triggers": ctx.workflows.flow(Payment).allowed_triggers(payment.state),
        }
    )


def answer(session: Session, ctx: Context, payment_id: int) -> PaymentOut:
    """The payment as stored now, after a change."""
    session.flush()
    session.expire_all()
    payment = session.get(Payment, payment_id)
    assert payment is not None
    return payment_out(session, ctx, payment)


def get(session: Session, ctx: Context, *, payment_no: str) -> PaymentOut:
    return payment_out(session, ctx, load(session, payment_no))


def history(session: Session, _ctx: Context, *, payment_no: str) -> list[EventOut]:
    payment = load(session, payment_no)
    return [EventOut.model_validate(e) for e in journal.history(session, "payment", payment.id)]


def search(
    session: Session,
    _ctx: Context,
    *,
    customer_code: str | None = None,
    state: str | None = None,
    value_from: date | None = None,
    value_to: date | None = None,
    bank_reference: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[PaymentSummary]:
    """Payments, latest value date first."""
    query = select(Payment, Customer.code).join(Customer, Customer.id == Payment.customer_id)
    if customer_code is not None:
        query = query.where(Payment.customer_id == customer_id(customer_code))
    if state is not None:
        query = query.where(Payment.state == state)
    if value_from is not None:
        query = query.where(Payment.value_date >= value_from)
    if value_to is not None:
        query = query.where(Payment.value_date <= value_to)
    if bank_reference is not None:
        query = query.where(Payment.bank_reference == normalised(bank_reference))
    query = query.order_by(Payment.value_date.desc(), Payment.id.desc()).limit(limit).offset(offset)
    return [
        PaymentSummary.model_validate(_summary(payment, code))
        for payment, code in session.execute(query)
    ]


def payments_of(
    session: Session, ctx: Context, *, code: str, limit: int = 100, offset: int = 0
) -> list[PaymentSummary]:
    customer(session, code)
    return search(session, ctx, customer_code=code, limit=limit, offset=offset)


def credit_of(session: Session, _ctx: Context, *, code: str) -> CustomerCreditOut:
    """What the customer owes on its invoices and the credit held for it, as stored."""
    found = customer(session, code)
    balance = ledger.balance(session, found.id)
    return CustomerCreditOut(
        customer_code=found.code, outstanding=balance.outstanding, unapplied=balance.unapplied
    )


def _deductions_query() -> Any:
    return (
        select(Deduction, Customer.code, Payment.payment_no)
        .join(Customer, Customer.id == Deduction.customer_id)
        .outerjoin(Payment, Payment.id == Deduction.payment_id)
    )


def deductions(
    session: Session,
    _ctx: Context,
    *,
    customer_code: str | None = None,
    standing: bool | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[DeductionOut]:
    """Deductions, newest first (`standing`: only those not reversed, or only reversed)."""
    query = _deductions_query()
    if customer_code is not None:
        query = query.where(Deduction.customer_id == customer_id(customer_code))
    if standing is not None:
        query = query.where(
            Deduction.reversed_on.is_(None) if standing else Deduction.reversed_on.is_not(None)
        )
    rows = session.execute(query.order_by(Deduction.id.desc()).limit(limit).offset(offset)).all()
    return [deductions_out(session, [d], code, payment_no)[0] for d, code, payment_no in rows]


def deduction(session: Session, _ctx: Context, *, deduction_id: int) -> DeductionOut:
    row = session.execute(_deductions_query().where(Deduction.id == deduction_id)).first()
    if row is None:
        raise NotFound("deduction.not_found", field="deduction_id", deduction_id=deduction_id)
    found, code, payment_no = row
    return deductions_out(session, [found], code, payment_no)[0]


def applied_by(session: Session, source_type: str, source_id: int) -> list[ledger.Applied]:
    """What a payment, deduction or credit application applied (its reversal included)."""
    return ledger.applied(
        session,
        and_(LedgerEntry.source_type == source_type, LedgerEntry.source_id == source_id),
    )
