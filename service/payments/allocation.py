"""Which open invoices money goes to: oldest due first, or as the customer's remittance says.

The open invoices are read with their rows held (in the order they are allocated, so two
allocations for one customer queue instead of crossing), through the partial index of what is
outstanding. Only invoices a payment may move are open to it: the states the invoice lifecycle
lets `pay` fire from (a disputed invoice waits for its resolution).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from service.context import Context
from service.errors import Conflict, Invalid
from service.invoices.models import Invoice
from service.payments.schemas import RemittanceLineIn

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class OpenInvoice:
    id: int
    invoice_no: str
    outstanding: Decimal
    due_date: date | None


def open_invoices(
    session: Session,
    ctx: Context,
    customer_id: int,
    *,
    statement_id: int | None = None,
    hold: bool = True,
) -> list[OpenInvoice]:
    """The customer's invoices still owed that a payment may reach, in allocation order:
    oldest due first (no due date yet last), then oldest receipt, then number; held unless
    only shown (`hold=False`)."""
    query = _open_query(
        ctx.workflows.flow(Invoice).sources_of("pay"),
        hold=hold,
        one_statement=statement_id is not None,
    )
    # Plain rows on the session's connection (what is pending flushed first, as the ORM would).
    session.flush()
    rows = session.connection().execute(query, {"customer": customer_id, "statement": statement_id})
    return [OpenInvoice(*row) for row in rows]


@cache
def _open_query(states: tuple[str, ...], *, hold: bool, one_statement: bool) -> Any:
    """The query of `open_invoices`, built once per variant (customer and statement bound)."""
    query = (
        select(Invoice.id, Invoice.invoice_no, Invoice.outstanding, Invoice.due_date)
        .where(
            Invoice.customer_id == bindparam("customer"),
            Invoice.outstanding != 0,
            Invoice.kind == "blue",
            Invoice.state.in_(states),
        )
        .order_by(
            Invoice.due_date.is_(None),
            Invoice.due_date,
            Invoice.term_start.is_(None),
            Invoice.term_start,
            Invoice.invoice_no,
        )
    )
    if hold:
        query = query.with_for_update()
    if one_statement:
        query = query.where(Invoice.statement_id == bindparam("statement"))
    return query


def left_on(invoice: OpenInvoice, taken: Mapping[int, Decimal]) -> Decimal:
    return invoice.outstanding - taken.get(invoice.id, ZERO)


def oldest_first(
    invoices: Sequence[OpenInvoice], amount: Decimal, taken: Mapping[int, Decimal]
) -> dict[int, Decimal]:
    """`amount` over `invoices` in their order, each up to what is left on it after `taken`."""
    plan: dict[int, Decimal] = {}
    rest = amount
    for invoice in invoices:
        if rest <= ZERO:
            break
        share = min(rest, left_on(invoice, taken))
        if share > ZERO:
            plan[invoice.id] = share
            rest -= share
    return plan


def add(taken: dict[int, Decimal], plan: Mapping[int, Decimal]) -> None:
    for invoice_id, amount in plan.items():
        taken[invoice_id] = taken.get(invoice_id, ZERO) + amount


def as_remitted(
    invoices: Sequence[OpenInvoice],
    lines: Sequence[RemittanceLineIn],
    amount: Decimal,
    taken: Mapping[int, Decimal],
    *,
    field: str,
) -> dict[int, Decimal]:
    """The remittance advice's lines, each on an open invoice of the customer and within what is
    left on it; together no more than `amount`."""
    by_no = {invoice.invoice_no: invoice for invoice in invoices}
    plan: dict[int, Decimal] = {}
    for index, line in enumerate(lines):
        where = f"{field}[{index}]"
        invoice = by_no.get(line.invoice_no)
        if invoice is None:
            raise Invalid(
                "payment.invoice_not_open", field=f"{where}.invoice_no", invoice_no=line.invoice_no
            )
        if invoice.id in plan:
            raise Invalid(
                "payment.invoice_named_twice",
                field=f"{where}.invoice_no",
                invoice_no=line.invoice_no,
            )
        left = left_on(invoice, taken)
        if line.amount > left:
            raise Conflict(
                "payment.exceeds_outstanding",
                field=f"{where}.amount",
                invoice_no=line.invoice_no,
                amount=line.amount,
                outstanding=left,
            )
        plan[invoice.id] = line.amount
    remitted = sum(plan.values(), ZERO)
    if remitted > amount:
        raise Invalid(
            "payment.remittance_exceeds_amount", field=field, remitted=remitted, amount=amount
        )
    return plan
