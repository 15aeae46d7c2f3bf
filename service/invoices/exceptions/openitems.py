"""The open invoice exceptions the invoice_exception rule set decides, for dry runs."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from service.invoices.exceptions.facts import exception_facts
from service.invoices.exceptions.models import InvoiceException
from service.masterdata.models import Customer
from service.plugins import OpenItem
from service.settings import Settings
from service.workflow import Workflows


def open_exceptions(
    session: Session, workflows: Workflows, _today: date, _settings: Settings
) -> list[OpenItem]:
    """Open invoice exceptions with their evidence and their customer's facts."""
    exceptions = list(
        session.scalars(
            select(InvoiceException)
            .where(InvoiceException.state.in_(workflows.tagged(InvoiceException, "open")))
            .options(selectinload(InvoiceException.evidence))
            .order_by(InvoiceException.id)
        )
    )
    ids = {exc.customer_id for exc in exceptions}
    customers = {c.id: c for c in session.scalars(select(Customer).where(Customer.id.in_(ids)))}
    return [(exc.id, exception_facts(exc, customers[exc.customer_id])) for exc in exceptions]
