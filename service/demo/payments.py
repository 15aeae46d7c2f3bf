"""Demo payments (R23 money side): a customer's statement paid in two payments, the first in
part before the statement was confirmed, the second clearing it with the statement's discount
offsets deducted; and a payment from a customer whose only invoice is disputed, kept as its
unapplied credit until the dispute is resolved."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from service import evidence
from service.context import Context
from service.demo.documents import png
from service.demo.masterdata import CUSTOMERS
from service.masterdata.models import Customer
from service.payments.recording import record_payment
from service.payments.schemas import PaymentIn
from service.statements.models import Statement
from service.statements.schemas import ConfirmIn, SendIn
from service.statements.usecases import confirm, send

MAX_BYTES = 10 * 1024 * 1024
PART = Decimal("10000.00")


def _paid(
    ctx: Context,
    session: Session,
    customer: str,
    amount: Decimal,
    days_ago: int,
    n: int,
    **more: str,
) -> None:
    record_payment(
        session,
        ctx,
        data=PaymentIn(
            customer_code=customer,
            amount=amount,
            value_date=ctx.today - timedelta(days=days_ago),
            payer=more.pop("payer"),
            bank_reference=f"DEMO-CMB-2026-{n:04d}",
            **more,
        ),
    )


def payments(session: Session, contexts: dict[str, Context]) -> None:
    """Finance records the payments; sales sends the statement, finance confirms it."""
    finance, sales = contexts["finance"], contexts["sales"]
    found = session.execute(
        select(Statement, Customer.code)
        .join(Customer, Customer.id == Statement.customer_id)
        .where(Customer.code.in_(CUSTOMERS))
        .order_by(Statement.id)
        .limit(1)
    ).first()
    if found is None:  # pragma: no cover - the demo's statements make one
        return
    statement, code = found
    # Paid in part while the statement was still a draft: its invoice is partly paid.
    _paid(finance, session, code, PART, 3, 1, payer="北京家电城 Beijing Appliance Mall")
    send(
        session,
        sales,
        statement_no=statement.statement_no,
        data=SendIn(sent_on=finance.today - timedelta(days=2), to="张会计 Zhang", channel="email"),
    )
    signed = evidence.store(
        session,
        uploaded_by=finance.actor.username,
        filename="对账单回执 signed statement.png",
        content_type="image/png",
        content=png(0x52),
        max_bytes=MAX_BYTES,
    )
    session.flush()
    confirmed = confirm(
        session,
        finance,
        statement_no=statement.statement_no,
        data=ConfirmIn(
            confirmed_on=finance.today - timedelta(days=1),
            customer_signatory="张会计 Zhang",
            evidence_id=signed.id,
        ),
    )
    # The rest of the statement, its discount offsets deducted: the statement is paid.
    _paid(
        finance,
        session,
        code,
        confirmed.totals.amount_due - PART,
        0,
        2,
        payer="北京家电城 Beijing Appliance Mall",
        statement_no=statement.statement_no,
    )
    # Paid before its disputed invoice is resolved: kept as credit, to apply later.
    _paid(
        finance, session, "HDQ", Decimal("50000.00"), 1, 3, payer="华东电器 East China Appliances"
    )
