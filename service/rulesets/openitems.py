"""The real open items a rule set decides on, with their facts, for a dry run.

`credit_release`: orders waiting for approval or on credit hold. `invoice_discrepancy`: open
invoice exceptions. Each item's facts are built as the live decision builds them.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload, selectinload

from service.discrepancies.facts import exception_facts
from service.discrepancies.models import InvoiceException
from service.masterdata.models import Customer
from service.orders.models import Order
from service.receivables import Exposure
from service.rulesets.credit import CREDIT_RELEASE, credit_facts

Item = tuple[int, dict[str, Any]]
CREDIT_STATES = ("draft", "on_credit_hold")


def credit_items(session: Session, today: date) -> list[Item]:
    """Orders in draft or on credit hold; one exposure query pair per customer."""
    orders = session.scalars(
        select(Order)
        .where(Order.state.in_(CREDIT_STATES))
        .options(joinedload(Order.customer), selectinload(Order.lines))
        .order_by(Order.id)
    )
    exposures: dict[int, Exposure] = {}
    return [(o.id, credit_facts(session, o, today, exposures=exposures)) for o in orders]


def exception_items(session: Session, _today: date) -> list[Item]:
    """Open invoice exceptions with their evidence and their customer."""
    exceptions = list(
        session.scalars(
            select(InvoiceException)
            .where(InvoiceException.state == "open")
            .options(selectinload(InvoiceException.evidence))
            .order_by(InvoiceException.id)
        )
    )
    ids = {exc.customer_id for exc in exceptions}
    customers = {c.id: c for c in session.scalars(select(Customer).where(Customer.id.in_(ids)))}
    return [(exc.id, exception_facts(exc, customers[exc.customer_id])) for exc in exceptions]


OPEN_ITEMS: dict[str, tuple[str, Callable[[Session, date], list[Item]]]] = {
    CREDIT_RELEASE: ("order", credit_items),
    "invoice_discrepancy": ("invoice_exception", exception_items),
}
"""Per rule-set name: the kind of item and where its open items come from."""
