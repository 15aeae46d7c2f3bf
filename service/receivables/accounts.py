"""One customer's receivables: its open invoices aged, its unapplied credit and stored balances,
and its statement of account (the ledger's movements in a period between an opening and a
closing balance), read from what the receivables ledger stores (`service/ledger.py`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from service import ledger
from service.context import Context
from service.db import Money
from service.errors import Invalid
from service.invoices.models import Invoice
from service.ledger import LedgerEntry
from service.masterdata import queries as masterdata
from service.masterdata.models import Customer
from service.receivables.ageing import Basis, Buckets, ageing, configured
from service.receivables.schemas import BalanceOut, CustomerReceivablesOut, OpenInvoiceOut

ZERO = Decimal("0.00")
# The longest period one statement of account covers.
MAX_PERIOD_DAYS = 366


def open_invoices(
    session: Session, customer_id: int, buckets: Buckets, *, limit: int, offset: int
) -> list[OpenInvoiceOut]:
    """The customer's open invoices, oldest first by the ageing's date (undated ones last)."""
    dated = buckets.dated_on()
    rows = session.execute(
        select(
            Invoice.invoice_no,
            Invoice.fapiao_no,
            Invoice.term_start,
            Invoice.due_date,
            Invoice.total,
            Invoice.outstanding,
        )
        .where(Invoice.customer_id == customer_id, Invoice.outstanding != 0)
        .order_by(dated.is_(None), dated, Invoice.id)
        .limit(limit)
        .offset(offset)
    )
    found = []
    codes = buckets.codes
    for number, fapiao, start, due, total, outstanding in rows:
        days = buckets.days(due if buckets.basis == "due" else start)
        found.append(
            OpenInvoiceOut(
                invoice_no=number,
                fapiao_no=fapiao,
                term_start=start,
                due_date=due,
                days=days,
                bucket=codes[buckets.index(days)],
                total=total,
                outstanding=outstanding,
            )
        )
    return found


def receivables(
    session: Session,
    ctx: Context,
    *,
    code: str,
    basis: Basis = "due",
    as_of: date | None = None,
    limit: int = 500,
    offset: int = 0,
) -> CustomerReceivablesOut:
    """The customer's ageing, its open invoices (a page of them), unapplied credit and balances."""
    customer = masterdata.addressed_customer(session, code)
    buckets = configured(ctx, basis, as_of)
    count = session.scalar(
        select(func.count()).where(Invoice.customer_id == customer.id, Invoice.outstanding != 0)
    )
    stored = ledger.balance(session, customer.id)
    return CustomerReceivablesOut(
        customer_code=customer.code,
        customer_name=customer.name,
        ageing=ageing(session, buckets, customer=customer.code),
        invoices=open_invoices(session, customer.id, buckets, limit=limit, offset=offset),
        open_invoices=count or 0,
        unapplied=stored.unapplied,
        balance=BalanceOut.model_validate(stored),
    )


# --- The statement of account -------------------------------------------------------------


@dataclass(frozen=True)
class Movement:
    """One ledger entry as the statement of account lists it: what the customer owes more
    (debit) or less (credit), and the balance after it."""

    day: date
    kind: str
    reference: str  # the source document's number
    invoice_no: str | None  # the invoice it concerns, with its fapiao number
    fapiao_no: str | None
    debit: Decimal
    credit: Decimal
    balance: Decimal


@dataclass(frozen=True)
class Account:
    customer: Customer
    start: date
    end: date
    opening: Decimal
    movements: list[Movement]
    debits: Decimal
    credits: Decimal

    @property
    def closing(self) -> Decimal:
        return self.opening + self.debits - self.credits


def period(start: date | None, end: date | None, today: date) -> tuple[date, date]:
    """The period asked for; by default this month to today. Refused in words when it runs
    backwards or is longer than a year."""
    end = end or today
    start = start or end.replace(day=1)
    if start > end:
        raise Invalid("receivables.period_reversed", field="start", start=start, end=end)
    if (end - start) > timedelta(days=MAX_PERIOD_DAYS):
        raise Invalid("receivables.period_too_long", field="end", days=MAX_PERIOD_DAYS)
    return start, end


def account(
    session: Session,
    ctx: Context,
    *,
    code: str,
    start: date | None = None,
    end: date | None = None,
) -> Account:
    """The customer's balance before the period (what it owed less credit held), every entry of
    the period by business date with the balance after it, and the balance at its end."""
    start, end = period(start, end, ctx.today)
    customer = masterdata.addressed_customer(session, code)
    opening = session.scalar(
        select(func.coalesce(func.sum(LedgerEntry.amount, type_=Money), ZERO)).where(
            LedgerEntry.customer_id == customer.id, LedgerEntry.business_date < start
        )
    )
    rows = session.execute(
        select(
            LedgerEntry.business_date,
            LedgerEntry.kind,
            LedgerEntry.reference,
            Invoice.invoice_no,
            Invoice.fapiao_no,
            LedgerEntry.amount,
        )
        .outerjoin(Invoice, Invoice.id == LedgerEntry.invoice_id)
        .where(
            LedgerEntry.customer_id == customer.id,
            LedgerEntry.business_date.between(start, end),
            # An application of credit held moves it onto invoices: the balance stays.
            LedgerEntry.amount != 0,
        )
        .order_by(LedgerEntry.business_date, LedgerEntry.id)
    )
    balance = Decimal(opening or ZERO)
    movements = []
    for day, kind, reference, invoice_no, fapiao_no, amount in rows:
        balance += amount
        movements.append(
            Movement(
                day=day,
                kind=kind,
                reference=reference,
                invoice_no=invoice_no,
                fapiao_no=fapiao_no,
                debit=max(amount, ZERO),
                credit=max(-amount, ZERO),
                balance=balance,
            )
        )
    return Account(
        customer=customer,
        start=start,
        end=end,
        opening=Decimal(opening or ZERO),
        movements=movements,
        debits=sum((m.debit for m in movements), ZERO),
        credits=sum((m.credit for m in movements), ZERO),
    )
