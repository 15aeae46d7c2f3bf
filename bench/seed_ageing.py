"""Benchmark seeding for the receivables ageing: customers and N open invoices with their stored
balances, set-based (executemany in chunks) on the schema `service.migrate.upgrade` made.

The master data (customers with grades, a DC, a contract, an order, a shipment and a receipt
each) is the statements benchmark's (bench/seed_statements.py). The invoices are issued blue
invoices of 1,000.00-200,000.00 yuan received over the 400 days before the business day, due 30,
45, 60 or 90 days later (the customer's term), so that every bucket of the ageing holds some;
one in 250 has no due date yet (its year waits for the calendar); one in seven is partly paid
(30% of it). Each customer's `ar_balances` row says the same as its invoices (invoiced, paid,
outstanding) and every tenth customer holds 5,000.00 of unapplied credit.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import insert

from bench.seed_statements import chunked, core_table, reset_sequence, seed_master
from service.db import Base, Database
from service.invoices.models import Invoice
from service.ledger import Balance
from service.masterdata.models import Contract, Customer, Item, Warehouse
from service.orders.models import Order
from service.receipts.models import Receipt
from service.shipments.models import Shipment

SPREAD_DAYS = 400
TERMS = (30, 45, 60, 90)
VAT = Decimal("1.13")
CENT = Decimal("0.01")
ZERO = Decimal("0.00")
CREDIT = Decimal("5000.00")


@dataclass(frozen=True)
class SeededAgeing:
    customers: int
    invoices: int
    outstanding: Decimal


def _invoices(
    count: int, customers: int, today: date, owed: dict[int, list[Decimal]]
) -> Iterator[dict[str, Any]]:
    """The invoices; `owed` gathers each customer's invoiced and outstanding as they are made."""
    rng = random.Random(20_261_231)
    now = datetime.now(UTC)
    for i in range(1, count + 1):
        customer = 1 + (i - 1) % customers
        start = today - timedelta(days=rng.randint(0, SPREAD_DAYS))
        total = Decimal(rng.randint(100_000, 20_000_000)) * CENT
        amount = (total / VAT).quantize(CENT)
        outstanding = total - (total * Decimal("0.3")).quantize(CENT) if i % 7 == 0 else total
        figures = owed.setdefault(customer, [ZERO, ZERO])
        figures[0] += total
        figures[1] += outstanding
        yield {
            "id": i,
            "invoice_no": f"BAGI{i:010d}",
            "kind": "blue",
            "customer_id": customer,
            "order_id": customer,
            "state": "sent" if i % 10 == 0 else "issued",
            "version": 3,
            "remark": f"BST-PO-{customer} BSTSO{customer:06d} BST-RK-{customer} DC1",
            "prices_include_tax": True,
            "amount": amount,
            "tax": total - amount,
            "total": total,
            "discount_total": ZERO,
            "outstanding": outstanding,
            "sales_list": False,
            "fapiao_no": f"{i:020d}",
            "fapiao_date": start,
            "delivery_route": "branch",
            "delivery_address": "",
            "term_start": start,
            "due_date": None if i % 250 == 0 else start + timedelta(days=TERMS[customer % 4]),
            "statement_id": None,
            "created_by": "bench-finance",
            "created_at": now,
            "updated_at": now,
        }


def balance_rows(owed: dict[int, list[Decimal]]) -> list[dict[str, Any]]:
    now = datetime.now(UTC)
    rows = []
    for customer, (invoiced, outstanding) in sorted(owed.items()):
        credit = CREDIT if customer % 10 == 0 else ZERO
        rows.append(
            {
                "customer_id": customer,
                "invoiced": invoiced,
                "red_invoiced": ZERO,
                "credited": ZERO,
                # What was paid on the invoices, and the credit an overpayment left.
                "paid": invoiced - outstanding + credit,
                "deducted": ZERO,
                "outstanding": outstanding,
                "unapplied": credit,
                "updated_at": now,
            }
        )
    return rows


InvoiceRows = Callable[[int, int, date, dict[int, list[Decimal]]], Iterator[dict[str, Any]]]


def seed_open_invoices(
    db: Database, invoices: int, customers: int, *, today: date, rows: InvoiceRows
) -> SeededAgeing:
    """Master data for `customers`, the open invoices `rows` makes, their balances; statistics."""
    owed: dict[int, list[Decimal]] = {}
    with db.engine.begin() as conn:
        seed_master(conn, customers, today)
        for chunk in chunked(rows(invoices, customers, today, owed)):
            conn.execute(insert(core_table(Invoice)), chunk)
        conn.execute(insert(core_table(Balance)), balance_rows(owed))
        if conn.dialect.name == "postgresql":
            seeded: list[type[Base]] = [Item, Customer, Warehouse, Contract, Order, Shipment]
            seeded += [Receipt, Invoice]
            for model in seeded:
                reset_sequence(conn, core_table(model).name)
    with db.engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("VACUUM ANALYZE")
        else:
            conn.exec_driver_sql("ANALYZE")
            conn.commit()
    return SeededAgeing(customers, invoices, sum((o[1] for o in owed.values()), ZERO))


def seed_ageing(db: Database, invoices: int, customers: int, *, today: date) -> SeededAgeing:
    """Master data for `customers`, `invoices` open invoices, their balances; statistics."""
    return seed_open_invoices(db, invoices, customers, today=today, rows=_invoices)
