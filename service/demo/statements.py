"""Demo data: a reconciliation statement drafted for the customer with the most invoices due."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from service.context import Context
from service.demo.masterdata import CUSTOMERS
from service.invoices.models import Invoice
from service.masterdata.models import Customer
from service.statements.schemas import StatementIn
from service.statements.usecases import draft_requested


def statements(session: Session, contexts: dict[str, Context]) -> None:
    """Finance drafts the statement a customer asked for, up to its latest due date (R21)."""
    finance = contexts["finance"]
    busiest = session.execute(
        select(Customer.code, func.max(Invoice.due_date))
        .join(Invoice, Invoice.customer_id == Customer.id)
        .where(
            Customer.code.in_(CUSTOMERS),
            Invoice.kind == "blue",
            Invoice.due_date.is_not(None),
            Invoice.statement_id.is_(None),
            Invoice.state.in_(finance.workflows.tagged(Invoice, "receivable")),
        )
        .group_by(Customer.code)
        .order_by(func.count().desc(), Customer.code)
        .limit(1)
    ).first()
    if busiest is None:
        return
    code, latest = busiest
    draft_requested(session, finance, data=StatementIn(customer_code=code, settlement_date=latest))
