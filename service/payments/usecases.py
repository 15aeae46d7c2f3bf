"""Payment use cases besides recording: reversal, deductions on their own, unapplied credit
applied to open invoices."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from service import ledger
from service.context import Context
from service.errors import Conflict, Invalid, NotFound
from service.masterdata.queries import customer_by_code
from service.numbering import document_number
from service.payments import allocation, deductions, queries
from service.payments.models import CreditApplication, Deduction, Payment
from service.payments.reversal import take_back
from service.payments.schemas import (
    CreditApplyIn,
    CreditOut,
    DeductionIn,
    DeductionOut,
    DeductionRef,
    PaymentOut,
    ReverseIn,
)

ZERO = Decimal("0.00")


def _reverse_deduction(session: Session, ctx: Context, deduction: Deduction) -> set[int]:
    deduction.reversed_on = ctx.today
    return take_back(
        session,
        ctx,
        customer_id=deduction.customer_id,
        source_type="deduction",
        source_id=deduction.id,
        kind="deduction_reversal",
        amount=deduction.amount,
        reference=deduction.reference,
        day=ctx.today,
    )


def reverse(session: Session, ctx: Context, *, payment_no: str, data: ReverseIn) -> PaymentOut:
    """A wrongly recorded payment: its allocations and the deductions it brought are taken back
    and what it cleared reopens; its bank reference stays used (the transfer happened once)."""
    payment = queries.load(session, payment_no, for_update=True)
    ctx.fire(session, payment, "reverse", payload={"reason": data.reason}, if_match=True)
    payment.reversal_reason = data.reason
    reopened: set[int] = set()
    brought = session.scalars(
        select(Deduction)
        .where(Deduction.payment_id == payment.id, Deduction.reversed_on.is_(None))
        .order_by(Deduction.id)
    )
    for deduction in brought:
        reopened |= _reverse_deduction(session, ctx, deduction)
    reopened |= take_back(
        session,
        ctx,
        customer_id=payment.customer_id,
        source_type="payment",
        source_id=payment.id,
        kind="payment_reversal",
        amount=payment.amount,
        reference=payment.payment_no,
        day=ctx.today,
    )
    ctx.money_moved(session, reopened, payload={"reversed_payment": payment.payment_no})
    return queries.answer(session, ctx, payment.id)


def _deduction_answer(session: Session, ctx: Context, deduction: Deduction) -> DeductionOut:
    session.flush()
    session.expire_all()
    return queries.deduction(session, ctx, deduction_id=deduction.id)


def record_deduction(session: Session, ctx: Context, *, data: DeductionIn) -> DeductionOut:
    """A deduction the customer made, recorded on its own (without a payment)."""
    customer = customer_by_code(session, data.customer_code)
    if data.day > ctx.today:
        raise Invalid("payment.date_in_future", field="day", day=data.day)
    ctx = ctx.carried(session, data.day, field="day")
    ref = DeductionRef(kind=data.kind, id=data.id)
    sources = deductions.resolve(session, ctx, customer.id, [ref], field=None)
    invoices = allocation.open_invoices(session, ctx, customer.id)
    taken: dict[int, Decimal] = {}
    (deduction,) = deductions.book(
        session,
        ctx,
        customer_id=customer.id,
        sources=sources,
        day=data.day,
        invoices=invoices,
        taken=taken,
    )
    ctx.money_moved(session, set(taken), payload={"deduction": deduction.reference})
    return _deduction_answer(session, ctx, deduction)


def reverse_deduction(
    session: Session, ctx: Context, *, deduction_id: int, data: ReverseIn
) -> DeductionOut:
    """A deduction recorded on its own and wrongly: taken back; its source may be deducted
    again. One that came with a payment goes with the payment's reversal."""
    deduction = session.scalar(
        select(Deduction).where(Deduction.id == deduction_id).with_for_update()
    )
    if deduction is None:
        raise NotFound("deduction.not_found", field="deduction_id", deduction_id=deduction_id)
    if deduction.payment_id is not None:
        payment_no = session.scalar(
            select(Payment.payment_no).where(Payment.id == deduction.payment_id)
        )
        raise Conflict("deduction.with_payment", deduction_id=deduction_id, payment_no=payment_no)
    if deduction.reversed_on is not None:
        raise Conflict(
            "deduction.already_reversed", deduction_id=deduction_id, day=deduction.reversed_on
        )
    reopened = _reverse_deduction(session, ctx, deduction)
    ctx.money_moved(
        session,
        reopened,
        payload={"reversed_deduction": deduction.reference, "reason": data.reason},
    )
    return _deduction_answer(session, ctx, deduction)


def apply_credit(session: Session, ctx: Context, *, code: str, data: CreditApplyIn) -> CreditOut:
    """The customer's unapplied credit applied to its open invoices, oldest due first or as
    named; as much as asked (default all of it), as far as invoices are open."""
    customer = queries.customer(session, code)
    day = data.day or ctx.today
    if day > ctx.today:
        raise Invalid("payment.date_in_future", field="day", day=day)
    ctx = ctx.carried(session, data.day, field="day")
    invoices = allocation.open_invoices(session, ctx, customer.id)
    available = ledger.balance(session, customer.id, for_update=True).unapplied
    if available <= ZERO:
        raise Conflict("credit.none_available", customer_code=code)
    if data.amount is not None and data.amount > available:
        raise Conflict(
            "credit.exceeds_available",
            field="amount",
            amount=data.amount,
            available=available,
        )
    amount = data.amount if data.amount is not None else available
    plan = (
        allocation.as_remitted(invoices, data.invoices, amount, {}, field="invoices")
        if data.invoices
        else allocation.oldest_first(invoices, amount, {})
    )
    applied = sum(plan.values(), ZERO)
    if applied <= ZERO:
        raise Conflict("credit.nothing_open", customer_code=code, available=available)
    application = CreditApplication(
        application_no=document_number(session, "CA", ctx.day.year),
        customer_id=customer.id,
        amount=applied,
        day=day,
        note=data.note,
        recorded_by=ctx.actor.username,
    )
    session.add(application)
    session.flush()
    ledger.post(
        session,
        ledger.Posting(
            customer_id=customer.id,
            kind="credit_application",
            source_type="credit_application",
            source_id=application.id,
            amount=ZERO,
            day=day,
            reference=application.application_no,
            allocations=plan,
        ),
        actor=ctx.actor.username,
    )
    ctx.money_moved(session, set(plan), payload={"credit_application": application.application_no})
    return CreditOut(
        customer_code=code,
        applied=applied,
        unapplied=ledger.balance(session, customer.id).unapplied,
        allocations=[
            queries.allocation_out(a)
            for a in queries.applied_by(session, "credit_application", application.id)
        ],
    )
