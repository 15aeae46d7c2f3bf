"""Benchmark seeding for the collection job (R30): customers and N open invoices, one in ten past
due, with their stored balances, set-based, on the schema `service.migrate.upgrade` made.

The master data is the statements benchmark's (bench/seed_statements.py: grades A/B/C, a credit
limit of 100,000,000.00 each). Invoices are issued blue invoices of 1,000.00-200,000.00 yuan:
one in ten (at random) fell due 1-120 days before the business day (some also older than their grade
allows), the others fall due 0-120 days after it; received 30-90 days before their due date.
Each customer's `ar_balances` row says the same as its invoices (seed_ageing's balances).
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from bench.seed_ageing import SeededAgeing, seed_open_invoices
from service.db import Database

TERMS = (30, 45, 60, 90)
VAT = Decimal("1.13")
CENT = Decimal("0.01")
ZERO = Decimal("0.00")
OVERDUE_EVERY = 10


def _invoices(
    count: int, customers: int, today: date, owed: dict[int, list[Decimal]]
) -> Iterator[dict[str, Any]]:
    rng = random.Random(20_261_206)
    now = datetime.now(UTC)
    for i in range(1, count + 1):
        customer = 1 + (i - 1) % customers
        if rng.randrange(OVERDUE_EVERY) == 0:
            due = today - timedelta(days=rng.randint(1, 120))
        else:
            due = today + timedelta(days=rng.randint(0, 120))
        start = due - timedelta(days=TERMS[customer % 4])
        total = Decimal(rng.randint(100_000, 20_000_000)) * CENT
        amount = (total / VAT).quantize(CENT)
        figures = owed.setdefault(customer, [ZERO, ZERO])
        figures[0] += total
        figures[1] += total
        yield {
            "id": i,
            "invoice_no": f"BCOL{i:010d}",
            "kind": "blue",
            "customer_id": customer,
            "order_id": customer,
            "state": "issued",
            "version": 3,
            "remark": f"BST-PO-{customer} BSTSO{customer:06d} BST-RK-{customer} DC1",
            "prices_include_tax": True,
            "amount": amount,
            "tax": total - amount,
            "total": total,
            "discount_total": ZERO,
            "outstanding": total,
            "sales_list": False,
            "fapiao_no": f"{i:020d}",
            "fapiao_date": start,
            "delivery_route": "branch",
            "delivery_address": "",
            "term_start": start,
            "due_date": due,
            "statement_id": None,
            "created_by": "bench-finance",
            "created_at": now,
            "updated_at": now,
        }


def seed_collection(db: Database, invoices: int, customers: int, *, today: date) -> SeededAgeing:
    """Master data for `customers`, `invoices` open invoices (10% past due), their balances."""
    return seed_open_invoices(db, invoices, customers, today=today, rows=_invoices)
