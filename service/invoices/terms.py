"""An invoice's payment term: counted from the customer's receipt date (R19) and stored.

A blue invoice keeps the receipt date its term counts from and the due date its customer's terms
give; a red invoice and a corrected invoice keep those of the invoice they take back or replace.
When the due date must move to a working day in a year the calendar does not know yet, it stays
empty until the calendar knows it (the due-date job fills it; admins get one task).
"""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from service import duedates
from service.invoices.models import Invoice
from service.masterdata import queries as masterdata
from service.workdays import CalendarGap


def due_date(session: Session, customer_id: int, received_on: date) -> date | None:
    """The due date for goods `customer_id` received on `received_on`, or None while the
    working-day calendar does not know the year it falls in."""
    terms = masterdata.payment_terms(session, customer_id, received_on)
    try:
        return duedates.due_date(terms, received_on)
    except CalendarGap:
        return None


def start_term(session: Session, invoice: Invoice, customer_id: int, received_on: date) -> None:
    """Date a new blue invoice from the day its customer received the goods."""
    invoice.term_start = received_on
    invoice.due_date = due_date(session, customer_id, received_on)
