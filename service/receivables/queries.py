"""A customer's exposure: what it owes or has committed to, and what is overdue (R19, R30).

Payments arrive with the settlement capability; until then every issued invoice is open. The
payment term starts on the customer's receipt date (R19): an invoice is overdue once its stored
due date (its customer's terms as they were on that receipt date) has passed; a red invoice falls
due with the blue one it takes back (its dates are copied), and an invoice whose due date waits
for the working-day calendar is not overdue yet. Which invoices are still receivable and
which orders are committed but not yet invoiced is read from their lifecycles' tags.

Returns credited by the customer's blue invoice (R24 b) reduce the open invoices: that credit is
no invoice of ours. Red invoices (a) and deductions on the next invoice (c) are invoices already;
a red invoice counts while the blue invoice it takes back from is still owed (a blue invoice
reversed in full is voided, and then neither counts).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import Session, aliased

from service.db import Money
from service.invoices.models import Invoice
from service.masterdata.models import Customer
from service.orders.models import Order, OrderLine
from service.returns.models import Return
from service.workflow import Workflows

# The lifecycle tags this query reads.
TAGS = {"invoice": ("receivable",), "order": ("committed",), "return": ("credited",)}
ZERO = Decimal("0.00")
# The credit method that books no invoice of ours.
CUSTOMER_BLUE_INVOICE = "customer_blue_invoice"


@dataclass(frozen=True)
class Exposure:
    """Open receivables (open invoices plus approved orders not yet invoiced) and overdue."""

    open_invoices: Decimal
    uninvoiced_orders: Decimal
    overdue_amount: Decimal
    max_days_overdue: int

    @property
    def open_receivables(self) -> Decimal:
        return self.open_invoices + self.uninvoiced_orders


def exposure(session: Session, workflows: Workflows, customer: Customer, today: date) -> Exposure:
    """Set-based: three aggregate queries, whatever the number of invoices, orders, returns."""
    receivable = workflows.tagged(Invoice, "receivable")
    Original = aliased(Invoice)
    invoices = session.execute(
        select(
            func.coalesce(func.sum(Invoice.total, type_=Money), ZERO),
            func.coalesce(
                func.sum(
                    case((Invoice.due_date < today, Invoice.total), else_=ZERO),
                    type_=Money,
                ),
                ZERO,
            ),
            func.min(case((Invoice.due_date < today, Invoice.due_date))),
        )
        .outerjoin(Original, Original.id == Invoice.original_id)
        .where(
            Invoice.customer_id == customer.id,
            Invoice.state.in_(receivable),
            # A red invoice takes back part of a blue one still owed; once the blue one is
            # voided (reversed in full, or reissued) neither counts: never twice.
            or_(Invoice.kind != "red", Original.state.in_(receivable)),
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
    returned = session.scalar(
        select(func.coalesce(func.sum(Return.total, type_=Money), ZERO)).where(
            Return.customer_id == customer.id,
            Return.credit_method == CUSTOMER_BLUE_INVOICE,
            Return.state.in_(workflows.tagged(Return, "credited")),
        )
    )
    oldest: date | None = invoices[2]
    days = (today - oldest).days if oldest is not None else 0
    return Exposure(
        open_invoices=Decimal(invoices[0]) - Decimal(returned or ZERO),
        uninvoiced_orders=Decimal(uninvoiced or ZERO),
        overdue_amount=Decimal(invoices[1]),
        max_days_overdue=days,
    )
