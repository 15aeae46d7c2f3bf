"""Recording a payment received: booked once per bank reference, with the deductions the customer
made, allocated to its open invoices, the rest kept as its unapplied credit.

`record_payment` is the one path every payment takes (the API, the pages, and a bank-statement
import calling it line by line in its own transaction): it refuses what is wrong before it books
anything, so a caller may loop over many and keep going past a refusal.
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from service import ledger
from service.context import Context
from service.errors import Conflict, Invalid
from service.masterdata.models import Customer
from service.numbering import document_number
from service.payments import allocation, deductions
from service.payments.models import Payment
from service.payments.queries import answer
from service.payments.schemas import PaymentIn, PaymentOut
from service.statements.models import Statement

ZERO = Decimal("0.00")


def _bank_reference_free(session: Session, reference: str) -> None:
    used = session.scalar(select(Payment.payment_no).where(Payment.bank_reference == reference))
    if used is not None:
        raise Conflict(
            "payment.bank_reference_used",
            field="bank_reference",
            bank_reference=reference,
            payment_no=used,
        )


def _statement(session: Session, ctx: Context, customer_id: int, number: str) -> Statement:
    statement = session.scalar(select(Statement).where(Statement.statement_no == number))
    if statement is None or statement.customer_id != customer_id:
        raise Invalid("payment.statement_unknown", field="statement_no", statement_no=number)
    if statement.state not in deductions.paying_states(ctx.workflows):
        raise Conflict(
            "payment.statement_not_confirmed",
            field="statement_no",
            statement_no=number,
            state=statement.state,
        )
    return statement


def _customer_id(session: Session, code: str) -> int:
    """The paying customer's id, by its code (no row loaded: only its id is needed)."""
    found = session.scalar(select(Customer.id).where(Customer.code == code))
    if found is None:
        raise Invalid("customer.unknown", field="customer_code", customer_code=code)
    return found


def _plan(
    data: PaymentIn,
    invoices: list[allocation.OpenInvoice],
    taken: dict[int, Decimal],
    *,
    opening: bool = False,
) -> dict[int, Decimal]:
    """What the payment applies to which invoice, beyond what deductions `taken` (an opening
    payment only what it remits: the rest is the credit the old system held unapplied)."""
    if opening and not data.remittance:
        return {}
    if data.remittance:
        return allocation.as_remitted(
            invoices, data.remittance, data.amount, taken, field="remittance"
        )
    return allocation.oldest_first(invoices, data.amount, taken)


def record_payment(
    session: Session, ctx: Context, *, data: PaymentIn, opening: bool = False
) -> Payment:
    """Book the payment and its deductions and allocate them; the stored payment. An `opening`
    payment (imported at go-live: what the old system booked) is journalled as such and applies
    only what it remits."""
    customer_id = _customer_id(session, data.customer_code)
    if data.value_date > ctx.today:
        raise Invalid("payment.value_date_in_future", field="value_date", day=data.value_date)
    # The value date is the business date: the journal's, the number's year; not in a closed period.
    ctx = ctx.carried(session, data.value_date, field="value_date")
    _bank_reference_free(session, data.bank_reference)
    statement = (
        _statement(session, ctx, customer_id, data.statement_no) if data.statement_no else None
    )
    refs = list(data.deductions)
    if statement is not None:
        refs += [
            r
            for r in deductions.of_statement(session, statement)
            if not any(n.kind == r.kind and n.id == r.id for n in refs)
        ]
    sources = deductions.resolve(session, ctx, customer_id, refs, field="deductions")
    # The customer's open invoices are held first: its payments and credits queue here.
    invoices = allocation.open_invoices(
        session, ctx, customer_id, statement_id=statement.id if statement else None
    )
    taken: dict[int, Decimal] = {}
    # Without deductions what it applies is known before it is stored (and refused before).
    plan = None if sources else _plan(data, invoices, taken, opening=opening)
    payment = Payment(
        payment_no=document_number(session, "SK", ctx.day.year),
        customer_id=customer_id,
        amount=data.amount,
        value_date=data.value_date,
        payer=data.payer,
        bank_reference=data.bank_reference,
        statement_id=statement.id if statement else None,
        note=data.note,
        recorded_by=ctx.actor.username,
    )
    if plan is not None:
        payment.allocated = sum(plan.values(), ZERO)
        payment.unapplied = data.amount - payment.allocated
    try:
        ctx.create(
            session,
            payment,
            payload={
                "amount": data.amount,
                "bank_reference": data.bank_reference,
                "value_date": data.value_date,
            }
            | ({"opening": True} if opening else {}),
        )
    except IntegrityError:
        # Another request booked the same bank reference a moment ago: the database decided.
        raise Conflict(
            "payment.bank_reference_used",
            field="bank_reference",
            bank_reference=data.bank_reference,
            payment_no="-",
        ) from None
    booked = deductions.book(
        session,
        ctx,
        customer_id=customer_id,
        sources=sources,
        day=data.value_date,
        invoices=invoices,
        taken=taken,
        payment=payment,
    )
    if plan is None:
        plan = _plan(data, invoices, taken, opening=opening)
        payment.allocated = sum(plan.values(), ZERO)
        payment.unapplied = data.amount - payment.allocated
    allocation.add(taken, plan)
    ledger.post(
        session,
        ledger.Posting(
            customer_id=customer_id,
            kind="payment",
            source_type="payment",
            source_id=payment.id,
            amount=-data.amount,
            day=data.value_date,
            reference=payment.payment_no,
            allocations=plan,
        ),
        actor=ctx.actor.username,
    )
    ctx.money_moved(
        session,
        set(taken),
        payload={"payment": payment.payment_no, "deductions": [d.reference for d in booked]},
    )
    return payment


def record(session: Session, ctx: Context, *, data: PaymentIn) -> PaymentOut:
    """POST /payments."""
    payment = record_payment(session, ctx, data=data)
    return answer(session, ctx, payment.id)
