"""Benchmark seeding for returns and red-letter forms: many customers' issued blue invoices, and
many returns of one customer, inserted set-based by copying what the real use cases wrote.

bench/seed.py makes N shipped orders of one customer; `add_customers` adds more customers (with
their warehouse and contract, through the master-data use cases) and `spread` hands each a
contiguous block of the orders. The caller then drives one order of each customer through the
real API (receipt, invoice, issue: the *template*), and `clone_invoices` copies the rows those
use cases wrote — receipt, its lines and evidence link, the invoice and its lines, the journal
rows, the order's state and version — to every other order of the customer, with the ids,
numbers, remark and payloads of that order. Likewise `clone_returns` copies one return driven
through request, approval, return receipt and method to other invoices of its customer. Nothing
is made up: every column is the one the use case stored, so what is cloned is as valid as the
template (the benchmark drives the API on the clones, and checks their answers).
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Table, func, insert, select, update
from sqlalchemy.engine import Connection

from bench.seed import CUSTOMER, ITEMS, PRICES
from service import bootstrap
from service.db import Base, Database
from service.invoices.models import Invoice, InvoiceLine
from service.journal import Event
from service.masterdata import usecases as masterdata
from service.masterdata.models import Contract, Customer, Warehouse
from service.masterdata.schemas import ContractIn, CustomerIn
from service.numbering import NumberSequence
from service.orders.models import Order, OrderLine
from service.receipts.models import Receipt, ReceiptLine
from service.returns.models import Return, ReturnLine
from service.shipments.models import Shipment

RECEIPT_ATTACHMENTS = "receipt_attachments"


def table(name_or_model: str | type[Base]) -> Table:
    found = (
        Base.metadata.tables[name_or_model]
        if isinstance(name_or_model, str)
        else name_or_model.__table__
    )
    assert isinstance(found, Table)
    return found


def _next_id(conn: Connection, model: type[Base]) -> int:
    t = table(model)
    return int(conn.scalar(select(func.coalesce(func.max(t.c.id), 0))) or 0) + 1


def _rows(conn: Connection, t: Table, *where: Any) -> list[dict[str, Any]]:
    return [
        dict(r) for r in conn.execute(select(t).where(*where).order_by(*t.primary_key)).mappings()
    ]


def _replace(value: Any, swaps: dict[str, str]) -> Any:
    """`value` (a JSON payload or a string) with each template string swapped for the clone's."""
    if not swaps or value is None:
        return value
    text = json.dumps(value) if not isinstance(value, str) else value
    for old, new in swaps.items():
        text = text.replace(old, new)
    return json.loads(text) if not isinstance(value, str) else text


def _insert(conn: Connection, t: Table, rows: list[dict[str, Any]], chunk: int = 5000) -> None:
    for start in range(0, len(rows), chunk):
        conn.execute(insert(t), rows[start : start + chunk])


def _sequences(conn: Connection, *models: type[Base]) -> None:
    if conn.dialect.name == "postgresql":
        for model in models:
            name = table(model).name
            conn.exec_driver_sql(
                f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                f"(SELECT coalesce(max(id), 0) + 1 FROM {name}), false)"
            )


def _bump(conn: Connection, prefix: str, numbers: str) -> tuple[str, int, int]:
    """The number sequence whose numbers look like `numbers` (e.g. IV2026000007): its name, the
    width of its counter and its last value."""
    sequences = conn.execute(select(NumberSequence.name, NumberSequence.last_value)).all()
    year = numbers[len(prefix) : len(prefix) + 4]
    for name, last in sequences:
        if name.endswith(f"-{year}") and name.split("-")[0] in (prefix, prefix[:2]):
            return name, len(numbers) - len(prefix) - 4, int(last)
    raise RuntimeError(f"no number sequence for {numbers} among {sequences}")


# --- customers ------------------------------------------------------------------------------


def add_customers(db: Database, count: int, *, today: date) -> list[str]:
    """`count` customers in all: bench/seed.py's one and `count - 1` more like it, each with its
    DC and a contract at the same prices; their codes, bench/seed.py's first."""
    machines = bootstrap.workflows()
    codes = [CUSTOMER] + [f"BENCH-R{n:03d}" for n in range(1, count)]
    with db.write() as session:
        for n, code in enumerate(codes[1:], 1):
            masterdata.new_customer(
                session,
                CustomerIn(
                    code=code,
                    name=f"bench returns customer {n}",
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
                    customer_code=code,
                    contract_no=f"BENCH-HT-{n}",
                    valid_from=today - timedelta(days=100),
                    valid_to=today + timedelta(days=300),
                    prices=[
                        {"item_code": c, "unit_price": p}
                        for c, p in zip(ITEMS, PRICES, strict=True)
                    ],
                ),
                workflows=machines,
            )
    return codes


def spread(db: Database, order_ids: list[int], codes: list[str]) -> dict[str, list[int]]:
    """Give each customer a contiguous block of the orders (customer, DC and contract); the
    orders of each, oldest first."""
    per = len(order_ids) // len(codes)
    blocks: dict[str, list[int]] = {}
    with db.engine.begin() as conn:
        for n, code in enumerate(codes):
            block = order_ids[n * per : (n + 1) * per if n < len(codes) - 1 else None]
            customer_id, warehouse_id, contract_id = conn.execute(
                select(Customer.id, Warehouse.id, Contract.id)
                .join(Warehouse, Warehouse.customer_id == Customer.id)
                .join(Contract, Contract.customer_id == Customer.id)
                .where(Customer.code == code)
            ).one()
            conn.execute(
                update(table(Order))
                .where(table(Order).c.id.between(block[0], block[-1]))
                .values(customer_id=customer_id, warehouse_id=warehouse_id, contract_id=contract_id)
            )
            blocks[code] = block
    return blocks


# --- invoices -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Numbers:
    """How the benchmark names what it posts for an order (unique per order)."""

    @staticmethod
    def receipt(order_id: int) -> str:
        return f"RKB-{order_id}"

    @staticmethod
    def fapiao(invoice_id: int) -> str:
        return f"9{invoice_id:019d}"


def clone_invoices(db: Database, template_order: int, orders: Iterable[int]) -> dict[int, int]:
    """Copy the receipt, issued blue invoice and journal rows of `template_order` (posted and
    issued through the API with `Numbers`) to each of `orders` (shipped, same lines); the
    invoice id of each."""
    targets = [o for o in orders if o != template_order]
    made: dict[int, int] = {}
    with db.engine.begin() as conn:
        o, ol, sh = table(Order), table(OrderLine), table(Shipment)
        rc, rl, ra = table(Receipt), table(ReceiptLine), table(RECEIPT_ATTACHMENTS)
        iv, il, ev = table(Invoice), table(InvoiceLine), table(Event)
        order = _rows(conn, o, o.c.id == template_order)[0]
        receipt = _rows(conn, rc, rc.c.order_id == template_order)[0]
        receipt_lines = _rows(conn, rl, rl.c.receipt_id == receipt["id"])
        evidence = _rows(conn, ra, ra.c.receipt_id == receipt["id"])
        invoice = _rows(conn, iv, iv.c.order_id == template_order, iv.c.kind == "blue")[0]
        invoice_lines = _rows(conn, il, il.c.invoice_id == invoice["id"])
        receipted = _rows(conn, ev, ev.c.entity_type == "order", ev.c.entity_id == template_order)
        journal = [e for e in receipted if e["trigger"] not in ("create", "approve", "ship")]
        journal += _rows(conn, ev, ev.c.entity_type == "invoice", ev.c.entity_id == invoice["id"])
        line_no = {
            r["id"]: r["line_no"]
            for r in conn.execute(
                select(ol.c.id, ol.c.line_no).where(ol.c.order_id == template_order)
            ).mappings()
        }
        lines_of: dict[int, dict[int, int]] = {}
        for row in conn.execute(
            select(ol.c.order_id, ol.c.line_no, ol.c.id).where(ol.c.order_id.in_(targets))
        ):
            lines_of.setdefault(row.order_id, {})[row.line_no] = row.id
        shipment_of = dict(
            conn.execute(select(sh.c.order_id, sh.c.id).where(sh.c.order_id.in_(targets))).all()
        )
        numbers = {
            r.id: (r.customer_po_no, r.company_order_no)
            for r in conn.execute(
                select(o.c.id, o.c.customer_po_no, o.c.company_order_no).where(
                    o.c.id.in_([*targets, template_order])
                )
            )
        }
        seq_name, width, last = _bump(conn, "IV", invoice["invoice_no"])
        prefix = invoice["invoice_no"][: len(invoice["invoice_no"]) - width]
        ids = {
            m: itertools.count(_next_id(conn, m))
            for m in (Receipt, ReceiptLine, Invoice, InvoiceLine, Event)
        }
        counter = itertools.count(last + 1)
        rows: dict[str, list[dict[str, Any]]] = {t.name: [] for t in (rc, rl, ra, iv, il, ev)}
        po0, so0 = numbers[template_order]
        for target in targets:
            po, so = numbers[target]
            receipt_id, invoice_id = next(ids[Receipt]), next(ids[Invoice])
            invoice_no = f"{prefix}{next(counter):0{width}d}"
            swaps = {
                # the longer strings first: an order number may contain a shorter one
                Numbers.fapiao(invoice["id"]): Numbers.fapiao(invoice_id),
                invoice["invoice_no"]: invoice_no,
                Numbers.receipt(template_order): Numbers.receipt(target),
                po0: po,
                so0: so,
            }
            rows[rc.name].append(
                receipt
                | {
                    "id": receipt_id,
                    "order_id": target,
                    "shipment_id": shipment_of[target],
                    "receipt_no": Numbers.receipt(target),
                }
            )
            for line in receipt_lines:
                rows[rl.name].append(
                    line
                    | {
                        "id": next(ids[ReceiptLine]),
                        "receipt_id": receipt_id,
                        "order_line_id": lines_of[target][line_no[line["order_line_id"]]],
                    }
                )
            rows[ra.name] += [e | {"receipt_id": receipt_id} for e in evidence]
            rows[iv.name].append(
                invoice
                | {
                    "id": invoice_id,
                    "invoice_no": invoice_no,
                    "order_id": target,
                    "remark": _replace(invoice["remark"], swaps),
                    "fapiao_no": Numbers.fapiao(invoice_id),
                }
            )
            for line in invoice_lines:
                order_line = line["order_line_id"]
                rows[il.name].append(
                    line
                    | {
                        "id": next(ids[InvoiceLine]),
                        "invoice_id": invoice_id,
                        "order_line_id": None
                        if order_line is None
                        else lines_of[target][line_no[order_line]],
                    }
                )
            for event in journal:
                payload = _replace(event["payload"], swaps)
                if isinstance(payload, dict) and "order_id" in payload:
                    payload["order_id"] = target
                rows[ev.name].append(
                    event
                    | {
                        "id": next(ids[Event]),
                        "entity_id": target if event["entity_type"] == "order" else invoice_id,
                        "payload": payload,
                    }
                )
            made[target] = invoice_id
        for t in (rc, rl, ra, iv, il, ev):
            _insert(conn, t, rows[t.name])
        conn.execute(
            update(o)
            .where(o.c.id.in_(targets))
            .values(state=order["state"], version=order["version"])
        )
        ns = table(NumberSequence)
        conn.execute(update(ns).where(ns.c.name == seq_name).values(last_value=last + len(targets)))
        _sequences(conn, Receipt, ReceiptLine, Invoice, InvoiceLine, Event)
    return made


# --- returns --------------------------------------------------------------------------------


def clone_returns(db: Database, template_return: int, invoices: Iterable[int]) -> list[int]:
    """Copy `template_return` (its lines, its journal rows) to each blue invoice of `invoices`
    (issued, of the same customer, lines as the template's): the same lines by line number, the
    same quantities, state and proposal; the new returns' ids."""
    made: list[int] = []
    with db.engine.begin() as conn:
        rt, rtl, il, ev = table(Return), table(ReturnLine), table(InvoiceLine), table(Event)
        iv = table(Invoice)
        ret = _rows(conn, rt, rt.c.id == template_return)[0]
        lines = _rows(conn, rtl, rtl.c.return_id == template_return)
        journal = _rows(conn, ev, ev.c.entity_type == "return", ev.c.entity_id == template_return)
        targets = [i for i in invoices if i != ret["invoice_id"]]
        blue = {
            r.id: r.line_no
            for r in conn.execute(
                select(il.c.id, il.c.line_no).where(il.c.invoice_id == ret["invoice_id"])
            )
        }
        lines_of: dict[int, dict[int, tuple[int, int | None]]] = {}
        for r in conn.execute(
            select(il.c.invoice_id, il.c.line_no, il.c.id, il.c.order_line_id).where(
                il.c.invoice_id.in_(targets)
            )
        ):
            lines_of.setdefault(r.invoice_id, {})[r.line_no] = (r.id, r.order_line_id)
        order_of = dict(
            conn.execute(select(iv.c.id, iv.c.order_id).where(iv.c.id.in_(targets))).all()
        )
        seq_name, width, last = _bump(conn, "TH", ret["return_no"])
        prefix = ret["return_no"][: len(ret["return_no"]) - width]
        ids = {m: itertools.count(_next_id(conn, m)) for m in (Return, ReturnLine, Event)}
        counter = itertools.count(last + 1)
        rows: dict[str, list[dict[str, Any]]] = {t.name: [] for t in (rt, rtl, ev)}
        for target in targets:
            return_id, return_no = next(ids[Return]), f"{prefix}{next(counter):0{width}d}"
            swaps = {ret["return_no"]: return_no}
            rows[rt.name].append(
                ret
                | {
                    "id": return_id,
                    "return_no": return_no,
                    "order_id": order_of[target],
                    "invoice_id": target,
                    "receipt_no": f"THRK-{return_id}",
                }
            )
            for line in lines:
                blue_id, order_line = lines_of[target][blue[line["invoice_line_id"]]]
                rows[rtl.name].append(
                    line
                    | {
                        "id": next(ids[ReturnLine]),
                        "return_id": return_id,
                        "invoice_line_id": blue_id,
                        "order_line_id": order_line,
                    }
                )
            for event in journal:
                payload = _replace(event["payload"], swaps)
                if isinstance(payload, dict):
                    for key, value in (("order_id", order_of[target]), ("invoice_id", target)):
                        if key in payload:
                            payload[key] = value
                    if "receipt_no" in payload:
                        payload["receipt_no"] = f"THRK-{return_id}"
                rows[ev.name].append(
                    event | {"id": next(ids[Event]), "entity_id": return_id, "payload": payload}
                )
            made.append(return_id)
        for t in (rt, rtl, ev):
            _insert(conn, t, rows[t.name])
        ns = table(NumberSequence)
        conn.execute(update(ns).where(ns.c.name == seq_name).values(last_value=last + len(targets)))
        _sequences(conn, Return, ReturnLine, Event)
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql("ANALYZE")
    return made
