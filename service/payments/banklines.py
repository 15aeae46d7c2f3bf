"""Bank statement lines matched to payments: by the import when nothing is in doubt, or by a
person from the waiting queue; ignored (not a customer payment) and reopened.

Every payment is booked by `recording.record_payment`, inside a SAVEPOINT of its own when the
import matches, so a refusal leaves the line waiting with the refusal's code and the import
carries on. A line whose bank reference is already a payment (recorded by hand before) is
matched to that payment and nothing is booked again. A matched line stays matched to its
payment, also after that payment is reversed: the person books a corrected payment by hand.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from service.context import Context
from service.errors import DomainError, NotFound
from service.masterdata.models import Customer
from service.payments import bankmatch, bankqueries
from service.payments.bankschemas import BankIgnoreIn, BankLineOut, BankMatchIn
from service.payments.models import BankLine, Payment
from service.payments.recording import record_payment
from service.payments.schemas import PaymentIn
from workflows import WorkflowError


def load(session: Session, line_id: int, *, for_update: bool = False) -> BankLine:
    query = select(BankLine).where(BankLine.id == line_id)
    if for_update:
        query = query.with_for_update().execution_options(populate_existing=True)
    found = session.scalar(query)
    if found is None:
        raise NotFound("bank.line_not_found", field="line_id", line_id=line_id)
    return found


def _note(line: BankLine) -> str:
    return f"bank statement import {line.import_id}, line {line.line_no}"


def _matched(
    session: Session, ctx: Context, line: BankLine, payment: Payment, how: str, *, if_match: bool
) -> None:
    ctx.fire(
        session,
        line,
        "match",
        payload={"payment_no": payment.payment_no, "how": how},
        if_match=if_match,
    )
    line.payment_id = payment.id
    line.customer_id = payment.customer_id
    line.waiting_reason = line.waiting_params = None


def _waits(line: BankLine, reason: str, params: dict[str, Any] | None = None) -> None:
    line.waiting_reason = reason
    line.waiting_params = params


def auto_match(session: Session, ctx: Context, line: BankLine) -> tuple[str, str | None]:
    """Match a new line if nothing is in doubt; its outcome and the payment's number."""
    existing = session.scalar(select(Payment).where(Payment.bank_reference == line.bank_reference))
    if existing is not None:
        _matched(session, ctx, line, existing, "recorded_before", if_match=False)
        return "matched_existing", existing.payment_no
    found = bankmatch.find(session, ctx, payer=line.payer, text=line.remittance_text)
    decision = bankmatch.decide(found, line.amount)
    line.customer_id = decision.customer_id
    if decision.reason is not None:
        _waits(line, decision.reason)
        return "waiting", None
    code = session.scalar(select(Customer.code).where(Customer.id == decision.customer_id))
    try:
        with session.begin_nested():
            data = PaymentIn.model_validate(
                {
                    "customer_code": code,
                    "amount": line.amount,
                    "value_date": line.value_date,
                    "payer": line.payer,
                    "bank_reference": line.bank_reference,
                    "statement_no": decision.statement_no,
                    "remittance": [
                        {"invoice_no": no, "amount": amount} for no, amount in decision.remittance
                    ],
                    "note": _note(line),
                }
            )
            payment = record_payment(session, ctx, data=data)
            _matched(session, ctx, line, payment, "import", if_match=False)
    except (DomainError, WorkflowError, ValidationError) as refused:
        code = getattr(refused, "code", "input.invalid")
        _waits(line, "bank.waiting.refused", {"refusal": code, "detail": str(refused)[:500]})
        return "waiting", None
    return "booked", payment.payment_no


def _recorded_before(session: Session, line: BankLine, customer_code: str) -> Payment | None:
    """The payment recorded by hand with the line's bank reference since it was imported, when
    it is the named customer's (for another customer `record_payment` refuses the reference)."""
    return session.scalar(
        select(Payment)
        .join(Customer, Customer.id == Payment.customer_id)
        .where(Payment.bank_reference == line.bank_reference, Customer.code == customer_code)
    )


def match(session: Session, ctx: Context, *, line_id: int, data: BankMatchIn) -> BankLineOut:
    """A person books the payment of a waiting line (If-Match): the line's amount, value date,
    payer and bank reference, for the customer and the statement or invoices they name; or, when
    that customer's payment with the line's bank reference was recorded by hand meanwhile, the
    line is matched to it and nothing is booked again."""
    line = load(session, line_id, for_update=True)
    body = data.model_dump() | {
        "amount": line.amount,
        "value_date": line.value_date,
        "payer": line.payer,
        "bank_reference": line.bank_reference,
        "note": data.note or _note(line),
    }
    # The state and version first (a second match is refused by the lifecycle, not by the
    # payment's bank reference); a refused payment then undoes the whole request.
    ctx.fire(
        session,
        line,
        "match",
        payload={"customer_code": data.customer_code, "statement_no": data.statement_no},
        if_match=True,
    )
    payment = _recorded_before(session, line, data.customer_code) or record_payment(
        session, ctx, data=PaymentIn.model_validate(body)
    )
    line.payment_id = payment.id
    line.customer_id = payment.customer_id
    line.waiting_reason = line.waiting_params = None
    return bankqueries.answer(session, ctx, line.id)


def ignore(session: Session, ctx: Context, *, line_id: int, data: BankIgnoreIn) -> BankLineOut:
    """Not a customer payment (a refund, an internal transfer...): out of the queue, with why."""
    line = load(session, line_id, for_update=True)
    ctx.fire(session, line, "ignore", payload={"reason": data.reason}, if_match=True)
    line.ignore_reason = data.reason
    return bankqueries.answer(session, ctx, line.id)


def reopen(session: Session, ctx: Context, *, line_id: int) -> BankLineOut:
    """An ignored line back in the queue."""
    line = load(session, line_id, for_update=True)
    ctx.fire(session, line, "reopen", payload={"reason": line.ignore_reason}, if_match=True)
    line.ignore_reason = None
    return bankqueries.answer(session, ctx, line.id)
