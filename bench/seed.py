"""Benchmark seeding: N shipped orders with their master data, inserted set-based.

Master data, the user and its token go through the use cases (a handful of rows). The orders,
their lines, shipments, shipment lines and the journal rows of create/approve/ship are inserted
with executemany on the schema that `service.migrate.upgrade` made, with the values the use cases
would store (contract prices, company order and shipment numbers, version 3 after create,
approve and ship), so that posting a receipt on them works as on orders made through the API.
Shipments are from an external warehouse.
"""

from __future__ import annotations

import hashlib
import itertools
import struct
import zlib
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Table, func, insert, select
from sqlalchemy.engine import Connection

from service import bootstrap
from service.auth import tokens
from service.db import Base, Database
from service.evidence import Attachment
from service.journal import Event
from service.masterdata import usecases as masterdata
from service.masterdata.models import Contract, Customer, Item, Warehouse
from service.masterdata.schemas import ContractIn, CustomerIn, ItemIn
from service.numbering import NumberSequence
from service.orders.models import Order, OrderLine
from service.shipments.models import Shipment, ShipmentLine

CUSTOMER = "BENCH-C"
USERNAME = "bench-logistics"
ITEMS = [f"BM-{i}" for i in range(6)]
PRICES = [Decimal(f"{1000 + 111 * i}.50") for i in range(6)]
LINES = ((0, 10), (1, 5))


@dataclass(frozen=True)
class SeededOrder:
    id: int
    company_order_no: str
    lines: tuple[tuple[int, int], ...]  # (line_no, shipped quantity)
    attachment_id: int | None


@dataclass(frozen=True)
class Seeded:
    orders: list[SeededOrder]
    username: str
    token: str
    items: list[str]
    receipt_date: date


def png(seed: str) -> bytes:
    """A small valid PNG, different per seed (a stand-in for a signed receipt scan)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0))
        + chunk(b"tEXt", b"seed\x00" + seed.encode())
        + chunk(b"IDAT", zlib.compress(b"\x00\x80"))
        + chunk(b"IEND", b"")
    )


def seed(db: Database, count: int, *, today: date, attachments: bool = False) -> Seeded:
    """Master data, a logistics user with a token, and `count` shipped orders."""
    machines = bootstrap.workflows()
    with db.write() as session:
        for code in ITEMS:
            masterdata.new_item(session, ItemIn(code=code, name=f"model {code}"))
        masterdata.new_customer(
            session,
            CustomerIn(
                code=CUSTOMER,
                name="bench customer",
                grade="A",
                credit_limit=Decimal("100000000.00"),
                payment_term_days=45,
                settlement_kind="term_from_receipt",
                discount_mode="receipt_offset",
                warehouses=[{"code": "DC1", "name": "main DC"}],
            ),
            workflows=machines,
        )
        masterdata.new_contract(
            session,
            ContractIn(
                customer_code=CUSTOMER,
                contract_no="BENCH-HT",
                valid_from=today - timedelta(days=100),
                valid_to=today + timedelta(days=300),
                prices=[
                    {"item_code": c, "unit_price": p} for c, p in zip(ITEMS, PRICES, strict=True)
                ],
            ),
            workflows=machines,
        )
        tokens.create_user(session, username=USERNAME, roles=["logistics"])
        token = tokens.issue_token(session, username=USERNAME, name="bench")
    with db.engine.begin() as conn:
        orders = _orders(conn, count, today=today, attachments=attachments)
    return Seeded(orders, USERNAME, token, ITEMS, today - timedelta(days=1))


def _table(model: type[Base]) -> Table:
    table = model.__table__
    assert isinstance(table, Table)
    return table


def _next_id(conn: Connection, model: type[Base]) -> int:
    table = _table(model)
    return int(conn.scalar(select(func.coalesce(func.max(table.c.id), 0))) or 0) + 1


def _orders(conn: Connection, count: int, *, today: date, attachments: bool) -> list[SeededOrder]:
    ids = {m: itertools.count(_next_id(conn, m)) for m in (Order, OrderLine, Shipment, Event)}
    customer_id, warehouse_id, contract_id = conn.execute(
        select(Customer.id, Warehouse.id, Contract.id)
        .join(Warehouse, Warehouse.customer_id == Customer.id)
        .join(Contract, Contract.customer_id == Customer.id)
        .where(Customer.code == CUSTOMER)
    ).one()
    item_ids = dict(conn.execute(select(Item.code, Item.id)).tuples().all())
    now = datetime.now(UTC)
    year = today.year
    rows: dict[type[Base], list[dict[str, Any]]] = {
        m: [] for m in (Order, OrderLine, Shipment, ShipmentLine, Event, Attachment)
    }
    seeded = []
    first_attachment = _next_id(conn, Attachment)
    for n in range(1, count + 1):
        order_id, number = next(ids[Order]), f"SO{year}{n:06d}"
        rows[Order].append(
            {
                "id": order_id,
                "customer_id": customer_id,
                "warehouse_id": warehouse_id,
                "contract_id": contract_id,
                "customer_po_no": f"BENCH-PO-{n}",
                "discount_order_no": None,
                "company_order_no": number,
                "order_date": today - timedelta(days=5),
                "state": "shipped",
                "version": 3,
                "note": "",
                "created_by": "bench-sales",
                "created_at": now,
                "updated_at": now,
            }
        )
        shipment_id = next(ids[Shipment])
        rows[Shipment].append(
            {
                "id": shipment_id,
                "order_id": order_id,
                "shipment_no": f"SH{year}{n:06d}",
                "warehouse_kind": "external",
                "source_warehouse": "bench warehouse",
                "carrier": "bench carrier",
                "waybill_no": None,
                "shipped_on": today - timedelta(days=3),
                "created_by": USERNAME,
                "created_at": now,
            }
        )
        for line_no, (item, quantity) in enumerate(LINES, 1):
            line_id = next(ids[OrderLine])
            rows[OrderLine].append(
                {
                    "id": line_id,
                    "order_id": order_id,
                    "line_no": line_no,
                    "item_id": item_ids[ITEMS[item]],
                    "quantity": quantity,
                    "unit_price": PRICES[item],
                    "tax_rate": Decimal("0.13"),
                }
            )
            rows[ShipmentLine].append(
                {"shipment_id": shipment_id, "order_line_id": line_id, "quantity": quantity}
            )
        for trigger, source, dest, actor, payload in (
            ("create", None, "draft", "bench-sales", {"customer_po_no": f"BENCH-PO-{n}"}),
            ("approve", "draft", "approved", "bench-hq", {"company_order_no": number}),
            ("ship", "approved", "shipped", USERNAME, {"warehouse_kind": "external"}),
        ):
            rows[Event].append(
                {
                    "id": next(ids[Event]),
                    "entity_type": "order",
                    "entity_id": order_id,
                    "trigger": trigger,
                    "from_state": source,
                    "to_state": dest,
                    "actor": actor,
                    "occurred_at": now,
                    "payload": payload,
                    "decisions": [],
                }
            )
        attachment_id = None
        if attachments:
            attachment_id = first_attachment + n - 1
            content = png(f"bench-scan-{n}")
            rows[Attachment].append(
                {
                    "id": attachment_id,
                    "sha256": hashlib.sha256(content).hexdigest(),
                    "size": len(content),
                    "content_type": "image/png",
                    "filename": f"scan-{n}.png",
                    "content": content,
                    "uploaded_by": USERNAME,
                    "uploaded_at": now,
                }
            )
        seeded.append(SeededOrder(order_id, number, ((1, 10), (2, 5)), attachment_id))
    for model, values in rows.items():
        if values:
            conn.execute(insert(_table(model)), values)
    conn.execute(
        insert(_table(NumberSequence)),
        [{"name": f"SO-{year}", "last_value": count}, {"name": f"SH-{year}", "last_value": count}],
    )
    if conn.dialect.name == "postgresql":
        for model in (Order, OrderLine, Shipment, ShipmentLine, Event, Attachment):
            table = _table(model).name
            conn.exec_driver_sql(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT coalesce(max(id), 0) + 1 FROM {table}), false)"
            )
        conn.exec_driver_sql("ANALYZE")
    return seeded
