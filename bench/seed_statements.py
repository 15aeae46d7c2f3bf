"""Benchmark seeding for the statements' daily scan: customers with terms and N open invoices.

Everything is inserted set-based (executemany in chunks) on the schema `service.migrate.upgrade`
made. Each customer has a DC, a contract, one shipped order and its receipt (the invoices' foreign
keys need no more) and payment terms from a mix: receipt + 30/45/60/90 days, or a monthly
settlement day (1-28) at least 15/30 days after the receipt. Grades A/B/C and agreed lead days
3-5 mix the reconciliation_timing rules' answers (R20).

The invoices are issued blue invoices (a few sent), 1,000.00-200,000.00 yuan each, with 13% VAT;
their term starts spread over the 180 days before the business day and the due dates are those
the customer's terms give (service/duedates.py, as R19 stores them). A go-live is not a fresh
start: what yesterday's run would have drafted (every settlement date whose statement is due
at R20's fewest working days ahead before today) is on one confirmed opening statement per
customer; the rest is open, on no statement, as the daily scan finds it.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from functools import cache
from typing import Any

from sqlalchemy import Table, insert
from sqlalchemy.engine import Connection

from service.db import Base, Database
from service.duedates import Terms, due_date
from service.invoices.models import Invoice
from service.masterdata.models import Contract, Customer, Item, Warehouse
from service.orders.models import Order
from service.receipts.models import Receipt
from service.shipments.models import Shipment
from service.statements.models import Statement
from service.statements.timing import FEWEST, working_days_before

CHUNK = 20_000
SPREAD_DAYS = 180
RECEIPT_DAYS = (30, 45, 60, 90)
MONTHLY_DAYS = (15, 30)
GRADES = ("A", "B", "B", "C", "C")
VAT = Decimal("1.13")
CENT = Decimal("0.01")
OPENING = "go-live opening statement: reconciled before the system"


@dataclass(frozen=True)
class SeededWorld:
    customers: int
    invoices: int
    open_invoices: int
    claimed_through: date  # due dates up to this one are on the opening statements


def core_table(model: type[Base]) -> Table:
    table = model.__table__
    assert isinstance(table, Table)
    return table


def terms_of(n: int) -> Terms:
    """Customer n's terms: every other customer a monthly settlement day."""
    if n % 2:
        return Terms("monthly_day", MONTHLY_DAYS[n // 2 % 2], 1 + (n * 7) % 28)
    return Terms("receipt", RECEIPT_DAYS[n // 2 % len(RECEIPT_DAYS)])


def claimed_through(today: date) -> date:
    """The last settlement date yesterday's run drafted at R20's fewest working days ahead."""
    day = today
    while working_days_before(day + timedelta(days=1), FEWEST) < today:
        day += timedelta(days=1)
    return day


def chunked(rows: Iterator[dict[str, Any]], size: int = CHUNK) -> Iterator[list[dict[str, Any]]]:
    while chunk := list(itertools.islice(rows, size)):
        yield chunk


def seed_master(conn: Connection, customers: int, today: date) -> None:
    now = datetime.now(UTC)
    conn.execute(
        insert(core_table(Item)),
        [{"id": 1, "code": "BS-1", "name": "bench model", "unit": "台", "tax_rate": "0.13"}],
    )
    rows: dict[type[Base], list[dict[str, Any]]] = {
        m: [] for m in (Customer, Warehouse, Contract, Order, Shipment, Receipt)
    }
    for n in range(1, customers + 1):
        terms = terms_of(n)
        rows[Customer].append(
            {
                "id": n,
                "code": f"BST-{n:05d}",
                "name": f"bench statements customer {n}",
                "tax_no": "",
                "branch": "",
                "grade": GRADES[n % len(GRADES)],
                "credit_limit": Decimal("100000000.00"),
                "payment_term_days": terms.days,
                "settlement_kind": "monthly_day" if terms.day_of_month else "term_from_receipt",
                "settlement_day": terms.day_of_month,
                "reconciliation_lead_days": 3 + n % 3,
                "invoice_delivery": "branch",
                "settlement_centre_address": None,
                "discount_mode": "on_invoice",
                "return_credit_methods": [],
                "state": "active",
                "version": 1,
                "created_at": now,
            }
        )
        rows[Warehouse].append(
            {"id": n, "customer_id": n, "code": "DC1", "name": "main DC", "address": ""}
        )
        rows[Contract].append(
            {
                "id": n,
                "customer_id": n,
                "contract_no": f"BST-HT-{n}",
                "valid_from": today - timedelta(days=400),
                "valid_to": today + timedelta(days=300),
                "discount_rate": Decimal("0"),
                "rebate_terms": "",
                "prices_include_tax": True,
                "state": "in_force",
                "version": 1,
            }
        )
        rows[Order].append(
            {
                "id": n,
                "customer_id": n,
                "warehouse_id": n,
                "contract_id": n,
                "customer_po_no": f"BST-PO-{n}",
                "discount_order_no": None,
                "company_order_no": f"BSTSO{n:06d}",
                "order_date": today - timedelta(days=SPREAD_DAYS + 10),
                "state": "invoiced",
                "version": 4,
                "note": "",
                "created_by": "bench-sales",
                "created_at": now,
                "updated_at": now,
            }
        )
        rows[Shipment].append(
            {
                "id": n,
                "order_id": n,
                "shipment_no": f"BSTSH{n:06d}",
                "warehouse_kind": "external",
                "source_warehouse": "bench warehouse",
                "carrier": "bench carrier",
                "waybill_no": None,
                "shipped_on": today - timedelta(days=SPREAD_DAYS + 5),
                "created_by": "bench-logistics",
                "created_at": now,
            }
        )
        rows[Receipt].append(
            {
                "id": n,
                "order_id": n,
                "shipment_id": n,
                "customer_id": n,
                "receipt_no": f"BST-RK-{n}",
                "receipt_date": today - timedelta(days=SPREAD_DAYS + 1),
                "note": "",
                "posted_by": "bench-logistics",
                "posted_at": now,
            }
        )
    for model, values in rows.items():
        conn.execute(insert(core_table(model)), values)


def _invoices(
    count: int, customers: int, today: date, through: date, totals: dict[int, Decimal]
) -> Iterator[dict[str, Any]]:
    rng = random.Random(20_260_611)
    now = datetime.now(UTC)
    due = cache(lambda n, start: due_date(terms_of(n), start))
    for i in range(1, count + 1):
        customer = 1 + (i - 1) % customers
        start = today - timedelta(days=rng.randint(1, SPREAD_DAYS))
        day = due(customer, start)
        total = Decimal(rng.randint(100_000, 20_000_000)) * CENT
        amount = (total / VAT).quantize(CENT)
        claimed = day <= through
        if claimed:
            totals[customer] = totals.get(customer, Decimal("0.00")) + total
        yield {
            "id": i,
            "invoice_no": f"BSTI{i:010d}",
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
            "discount_total": Decimal("0.00"),
            "sales_list": False,
            "fapiao_no": f"{i:020d}",
            "fapiao_date": start,
            "delivery_route": "branch",
            "delivery_address": "",
            "term_start": start,
            "due_date": day,
            "statement_id": customer if claimed else None,
            "created_by": "bench-finance",
            "created_at": now,
            "updated_at": now,
        }


def _opening(conn: Connection, customers: int, through: date, totals: dict[int, Decimal]) -> None:
    now = datetime.now(UTC)
    zero = Decimal("0.00")
    conn.execute(
        insert(core_table(Statement)),
        [
            {
                "id": n,
                "statement_no": f"BSTGL{n:06d}",
                "customer_id": n,
                "settlement_date": through,
                "kind": "requested",
                "state": "confirmed",
                "version": 4,
                "versions": 0,
                "lead_working_days": None,
                "draft_day": None,
                "decision": {"explanation": OPENING},
                "goods_total": totals.get(n, zero),
                "credits_total": zero,
                "adjustments_total": zero,
                "amount_due": totals.get(n, zero),
                "confirmed_on": through,
                "confirmed_by": "bench-finance",
                "created_by": "bench-finance",
                "created_at": now,
                "updated_at": now,
            }
            for n in range(1, customers + 1)
        ],
    )


def seed_statements(db: Database, invoices: int, customers: int, *, today: date) -> SeededWorld:
    """Master data for `customers`, `invoices` issued blue invoices, the opening statements;
    then fresh planner statistics."""
    through = claimed_through(today)
    totals: dict[int, Decimal] = {}
    with db.engine.begin() as conn:
        seed_master(conn, customers, today)
        for chunk in chunked(_invoices(invoices, customers, today, through, totals)):
            conn.execute(insert(core_table(Invoice)), chunk)
        _opening(conn, customers, through, totals)
        if conn.dialect.name == "postgresql":
            seeded: list[type[Base]] = [Item, Customer, Warehouse, Contract, Order, Shipment]
            seeded += [Receipt, Invoice, Statement]
            for model in seeded:
                reset_sequence(conn, core_table(model).name)
    with db.engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("VACUUM ANALYZE")
        else:
            conn.exec_driver_sql("ANALYZE")
            conn.commit()
    with db.engine.connect() as conn:
        found = conn.exec_driver_sql("SELECT count(*) FROM invoices WHERE statement_id IS NULL")
        open_count = int(found.scalar() or 0)
    return SeededWorld(customers, invoices, open_count, through)


def reset_sequence(conn: Connection, table: str) -> None:
    conn.exec_driver_sql(
        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
        f"(SELECT coalesce(max(id), 0) + 1 FROM {table}), false)"
    )
