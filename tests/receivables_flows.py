"""Steps for the receivables tests: issued invoices dated as a test needs, the ageing read back,
the stored balances."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import bindparam, delete, select, update

from service import ledger
from service.db import Money
from service.invoices.models import Invoice
from service.ledger import Balance
from service.masterdata.models import Customer
from tests.flows import Flows


def dated_invoices(flows: Flows, *dates: Mapping[str, date | None]) -> list[dict[str, Any]]:
    """Issued blue invoices, one per entry of `dates`, whose stored due date (`due`) and
    receipt date (`received`) are then set as given (R19 stores them from the terms; the ageing
    relies only on the stored columns). All are issued first: an invoice overdue already would
    hold the next order for credit."""
    made = [flows.issued_invoice(flows.receipted_order()["id"]) for _ in dates]
    with flows.backend.db.write() as session:
        for invoice, wanted in zip(made, dates, strict=True):
            values = {COLUMNS[k]: v for k, v in wanted.items()}
            if values:
                session.execute(update(Invoice).where(Invoice.id == invoice["id"]).values(**values))
    return made


COLUMNS = {"due": "due_date", "received": "term_start"}


def ageing(flows: Flows, **params: Any) -> dict[str, Any]:
    answer = flows.finance.get(
        "/receivables/ageing", params={"customer": flows.world.customer, **params}
    )
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def row(flows: Flows, **params: Any) -> dict[str, Any]:
    """The world customer's row of the ageing."""
    [found] = ageing(flows, **params)["customers"]
    return dict(found)


def receivables(flows: Flows, **params: Any) -> dict[str, Any]:
    answer = flows.sales.get(f"/customers/{flows.world.customer}/receivables", params=params)
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def _customer_id(flows: Flows, code: str | None = None) -> int:
    with flows.backend.db.read() as session:
        found = session.scalar(
            select(Customer.id).where(Customer.code == (code or flows.world.customer))
        )
    assert found is not None
    return found


FIGURES = (*ledger.FIGURES, "outstanding", "unapplied")


def stored_balance(flows: Flows, code: str | None = None) -> dict[str, Decimal]:
    """The customer's stored balances by name."""
    with flows.backend.db.read() as session:
        found = ledger.balance(session, _customer_id(flows, code))
        return {name: getattr(found, name) for name in FIGURES}


@contextmanager
def credit_held(flows: Flows, amount: Decimal, code: str | None = None) -> Iterator[None]:
    """The customer's balance holds `amount` of unapplied credit, as an overpayment leaves it
    (paid and unapplied raised together, so the identity holds), until the block ends. A
    customer without a balance row yet gets one for the while."""
    customer_id = _customer_id(flows, code)
    with flows.backend.db.write() as session:
        made = session.get(Balance, customer_id) is None
        if made:
            session.add(ledger.balance(session, customer_id))
    change = (
        update(Balance)
        .where(Balance.customer_id == customer_id)
        .values(
            paid=Balance.paid + bindparam("d", type_=Money),
            unapplied=Balance.unapplied + bindparam("d", type_=Money),
        )
    )
    with flows.backend.db.write() as session:
        session.execute(change, {"d": amount})
    try:
        yield
    finally:
        with flows.backend.db.write() as session:
            session.execute(change, {"d": -amount})
            if made:
                session.execute(delete(Balance).where(Balance.customer_id == customer_id))
