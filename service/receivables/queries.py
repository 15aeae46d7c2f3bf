"""A customer's exposure: what it owes or has committed to, and what is overdue (R19, R30).

What is owed is read from the receivables ledger as stored (`service/ledger.py`): each invoice's
outstanding amount and the customer's unapplied credit, kept by the transactions that issue
invoices, credit returns and record payments. The payment term starts on the customer's receipt
date (R19): an invoice is overdue once its stored due date has passed while something is still
outstanding on it; an invoice whose due date waits for the working-day calendar is not overdue
yet. Which orders are committed but not yet invoiced is read from their lifecycle's tags.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from service import ledger
from service.db import Money
from service.invoices.models import Invoice
from service.masterdata.models import Customer
from service.orders.models import Order, OrderLine
from service.workflow import Workflows

# The lifecycle tags this query reads.
TAGS = {"order": ("committed",)}
ZERO = Decimal("0.00")


@dataclass(frozen=True)
class Exposure:
    """Open receivables (what is owed less unapplied credit, plus approved orders not yet
    invoiced) and overdue."""

    open_invoices: Decimal
    uninvoiced_orders: Decimal
    overdue_amount: Decimal
    max_days_overdue: int

    @property
    def open_receivables(self) -> Decimal:
        return self.open_invoices + self.uninvoiced_orders


def exposure(session: Session, workflows: Workflows, customer: Customer, today: date) -> Exposure:
    """Set-based: the stored balance, one aggregate over the customer's open invoices (the
    partial index of what is outstanding) and one over its committed orders."""
    owed = ledger.balance(session, customer.id)
    overdue, oldest = session.execute(
        select(
            func.coalesce(func.sum(Invoice.outstanding, type_=Money), ZERO),
            func.min(Invoice.due_date),
        ).where(
            Invoice.customer_id == customer.id,
            Invoice.outstanding != 0,
            Invoice.due_date < today,
        )
    ).one()
    uninvoiced = session.scalar(
        select(
            func.coalesce(func.sum(OrderLine.unit_price * OrderLine.quantity, type_=Money), ZERO)
        )
        .join(Order, Order.id == OrderLine.order_id)
        .where(
            Order.customer_id == customer.id, Order.state.in_(workflows.tagged(Order, "committed"))
        )
    )
    days = (today - oldest).days if oldest is not None else 0
    return Exposure(
        open_invoices=owed.outstanding - owed.unapplied,
        uninvoiced_orders=Decimal(uninvoiced or ZERO),
        overdue_amount=Decimal(overdue),
        max_days_overdue=days,
    )
