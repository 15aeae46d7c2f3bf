"""The returns the return_credit rule set decides, for dry runs of candidate rule files."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from service.invoices.models import Invoice
from service.plugins import OpenItem
from service.returns.facts import credit_facts
from service.returns.models import Return
from service.settings import Settings
from service.workflow import Workflows


def awaiting_credit(
    session: Session, workflows: Workflows, _today: date, _settings: Settings
) -> list[OpenItem]:
    """Returns whose goods are back and whose credit is not booked, with their facts."""
    rows = session.execute(
        select(Return, Invoice.use_confirmed_on)
        .join(Invoice, Invoice.id == Return.invoice_id)
        .where(Return.state.in_(workflows.tagged(Return, "awaiting_credit")))
        .options(joinedload(Return.customer))
        .order_by(Return.id)
    ).all()
    return [(ret.id, credit_facts(ret, ret.customer, used is not None)) for ret, used in rows]
