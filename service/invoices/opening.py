"""Writing opening invoices set-based: a chunk's orders, lines, shipments, receipts, invoices,
journal rows and ledger entries, one INSERT per table (executemany, ids by RETURNING).

Every document was checked in Python before (`service.invoices.importer`); what the database
still refuses (a number taken meanwhile) raises, and the import books the chunk's documents one
by one. Orders imported as shipped are moved on through their lifecycle (`ctx.fire`), one by one.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Table, func, insert, select, text
from sqlalchemy.orm import Session

from service import duedates, ledger, money
from service.context import Context
from service.db import table_of, utcnow
from service.imports import Batch, Document, acting_for
from service.invoices.models import Invoice, InvoiceLine
from service.invoices.usecases import delivery_address, reference_text
from service.masterdata.queries import in_force, terms_of
from service.numbering import at_least, document_numbers
from service.orders.models import Order, OrderLine
from service.receipts.models import Receipt, ReceiptLine
from service.shipments.models import Shipment, ShipmentLine
from service.workdays import CalendarGap

ZERO = Decimal("0.00")


def book(batch: Batch, documents: Sequence[Document]) -> None:
    """Book the chunk's opening invoices (each checked; see the module)."""
    session, now, who = batch.session, utcnow(), batch.actor.username
    fresh = [d for d in documents if d.data["order"] is None]
    moved = [d for d in documents if d.data["order"] is not None]
    _new_orders(session, fresh, now, who)
    for document in moved:
        _move_on(session, batch.ctx, document)
    good = [d for d in documents if not d.problems]
    _receipts(session, good, now, who)
    _invoices(session, good, now, who)
    _journal(batch, fresh, good)
    ledger.post_issued(
        session,
        [
            ledger.issued(
                customer_id=d.data["customer"].id,
                invoice_id=d.data["invoice_id"],
                invoice_no=d.key,
                total=d.data["total"],
                day=d.data["dates"]["invoiced_on"],
            )
            for d in good
        ],
        actor=who,
    )
    at_least(session, "SO", [d.agreed("company_order_no") for d in good])
    at_least(session, "IV", [d.key for d in good])


def _inserted(session: Session, table: Table, rows: list[dict[str, Any]]) -> list[int]:
    """Insert the rows with ids taken beforehand (one statement, executemany, no RETURNING, which
    SQLite would run row by row to keep the order); return the ids in order."""
    if not rows:
        return []
    ids = _new_ids(session, table, len(rows))
    session.connection().execute(
        insert(table), [row | {"id": id_} for row, id_ in zip(rows, ids, strict=True)]
    )
    return ids


def _new_ids(session: Session, table: Table, count: int) -> list[int]:
    """`count` fresh ids of `table`: from its sequence on PostgreSQL; on SQLite after the
    highest, which the write transaction (BEGIN IMMEDIATE) keeps from other writers."""
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        taken = connection.execute(
            text("SELECT nextval(pg_get_serial_sequence(:t, 'id')) FROM generate_series(1, :n)"),
            {"t": table.name, "n": count},
        )
        return list(taken.scalars())
    top = connection.execute(select(func.max(table.c.id))).scalar() or 0
    return list(range(top + 1, top + 1 + count))


def _new_orders(session: Session, documents: list[Document], now: Any, who: str) -> None:
    """Orders not known before: invoiced, with their lines and their shipment of everything."""
    orders = table_of(Order)
    ids = _inserted(
        session,
        orders,
        [
            {
                "customer_id": d.data["customer"].id,
                "warehouse_id": d.data["warehouse"].id,
                "contract_id": d.data["contract"].id,
                "customer_po_no": d.agreed("customer_po_no") or d.agreed("company_order_no"),
                "company_order_no": d.agreed("company_order_no"),
                "order_date": d.data["dates"]["order_date"],
                "state": "invoiced",
                "version": 1,
                "note": "",
                "created_by": who,
                "created_at": now,
                "updated_at": now,
                "imported": True,
            }
            for d in documents
        ],
    )
    lines = []
    for document, order_id in zip(documents, ids, strict=True):
        document.data["order_id"] = order_id
        items = document.data["items"]
        for row in document.rows:
            item = items[row.values["item_code"]]
            rate = row.parsed["tax_rate"] if row.parsed["tax_rate"] is not None else item.tax_rate
            row.parsed.update(item=item, rate=rate)
            lines.append(
                {
                    "order_id": order_id,
                    "line_no": row.parsed["line_no"],
                    "item_id": item.id,
                    "quantity": row.parsed["qty"],
                    "unit_price": row.parsed["unit_price"],
                    "tax_rate": rate,
                }
            )
    line_ids = iter(_inserted(session, table_of(OrderLine), lines))
    for document in documents:
        for row in document.rows:
            row.parsed["order_line_id"] = next(line_ids)
    _shipments(session, documents, now, who)


def _shipments(session: Session, documents: list[Document], now: Any, who: str) -> None:
    years: dict[int, list[Document]] = defaultdict(list)
    for document in documents:
        years[document.data["dates"]["receipt_date"].year].append(document)
    numbers: dict[int, str] = {}
    for year, of_year in sorted(years.items()):
        for document, number in zip(
            of_year, document_numbers(session, "SH", year, len(of_year)), strict=True
        ):
            numbers[id(document)] = number
    ids = _inserted(
        session,
        table_of(Shipment),
        [
            {
                "order_id": d.data["order_id"],
                "shipment_no": numbers[id(d)],
                "warehouse_kind": "external",
                "source_warehouse": d.data["warehouse"].code,
                "carrier": "",
                "shipped_on": d.data["dates"]["receipt_date"],
                "created_by": who,
                "created_at": now,
            }
            for d in documents
        ],
    )
    rows = []
    for document, shipment_id in zip(documents, ids, strict=True):
        document.data["shipment_id"] = shipment_id
        rows += [
            {
                "shipment_id": shipment_id,
                "order_line_id": r.parsed["order_line_id"],
                "quantity": r.parsed["qty"],
            }
            for r in document.rows
        ]
    if rows:
        session.connection().execute(insert(table_of(ShipmentLine)), rows)


def _move_on(session: Session, ctx: Context, document: Document) -> None:
    """An order imported as shipped: its lines must be the invoice's; received and invoiced."""
    order: Order = document.data["order"]
    by_no = {line.line_no: line for line in order.lines}
    for row in document.rows:
        line = by_no.get(row.parsed["line_no"])
        if line is None or line.item.code != row.values["item_code"]:
            row.fail("line_no", f"order {order.company_order_no} has no such line of that item")
        elif row.parsed["qty"] > line.quantity:
            row.fail("qty", f"{row.parsed['qty']} is more than the {line.quantity} shipped")
        else:
            row.parsed.update(order_line_id=line.id, item=line.item, rate=line.tax_rate)
    if document.problems:
        return
    shipment_id = session.scalar(select(Shipment.id).where(Shipment.order_id == order.id))
    dates = document.data["dates"]
    acting = acting_for(ctx, "logistics", "finance")
    received = acting.dated(session, dates["receipt_date"], field="receipt_date")
    received.fire(session, order, "post_receipt", payload={"imported": True})
    invoiced = acting.dated(session, dates["invoiced_on"], field="invoiced_on")
    invoiced.fire(session, order, "invoice", payload={"imported": True, "invoice_no": document.key})
    document.data.update(order_id=order.id, shipment_id=shipment_id)


def _receipts(session: Session, documents: list[Document], now: Any, who: str) -> None:
    ids = _inserted(
        session,
        table_of(Receipt),
        [
            {
                "order_id": d.data["order_id"],
                "shipment_id": d.data["shipment_id"],
                "customer_id": d.data["customer"].id,
                "receipt_no": d.agreed("receipt_no"),
                "receipt_date": d.data["dates"]["receipt_date"],
                "note": "",
                "posted_by": who,
                "posted_at": now,
                "imported": True,
            }
            for d in documents
        ],
    )
    rows = [
        {
            "receipt_id": receipt_id,
            "order_line_id": r.parsed["order_line_id"],
            "received_item_id": r.parsed["item"].id,
            "received_qty": r.parsed["qty"],
        }
        for d, receipt_id in zip(documents, ids, strict=True)
        for r in d.rows
    ]
    if rows:
        session.connection().execute(insert(table_of(ReceiptLine)), rows)


def _invoices(session: Session, documents: list[Document], now: Any, who: str) -> None:
    invoices, lines = [], []
    for document in documents:
        invoice, its_lines = _invoice(session, document, now, who)
        invoices.append(invoice)
        lines.append(its_lines)
    ids = _inserted(session, table_of(Invoice), invoices)
    rows = []
    for document, invoice_id, its_lines in zip(documents, ids, lines, strict=True):
        document.data["invoice_id"] = invoice_id
        rows += [line | {"invoice_id": invoice_id} for line in its_lines]
    if rows:
        session.connection().execute(insert(table_of(InvoiceLine)), rows)


def _invoice(
    session: Session, document: Document, now: Any, who: str
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The invoice row and its goods lines, the money worked out as invoicing does."""
    customer, contract = document.data["customer"], document.data["contract"]
    includes_tax = contract.prices_include_tax
    lines = []
    for number, row in enumerate(document.rows, 1):
        p = row.parsed
        worked = money.goods(p["unit_price"], p["qty"], p["rate"], includes_tax=includes_tax)
        lines.append(
            {
                "line_no": number,
                "source": "goods",
                "item_id": p["item"].id,
                "order_line_id": p["order_line_id"],
                "quantity": p["qty"],
                "unit_price": p["unit_price"],
                "amount": worked.amount,
                "tax_rate": p["rate"],
                "tax": worked.tax,
            }
        )
    amount = sum((line["amount"] for line in lines), ZERO)
    tax = sum((line["tax"] for line in lines), ZERO)
    document.data["total"] = amount + tax
    received_on = document.data["dates"]["receipt_date"]
    warehouse = document.data["warehouse"]
    return {
        "invoice_no": document.key,
        "kind": "blue",
        "customer_id": customer.id,
        "order_id": document.data["order_id"],
        "state": "issued",
        "version": 1,
        "remark": _remark(document, warehouse.code),
        "prices_include_tax": includes_tax,
        "amount": amount,
        "tax": tax,
        "total": amount + tax,
        "discount_total": ZERO,
        "outstanding": ZERO,
        "sales_list": False,
        "fapiao_no": document.agreed("fapiao_no"),
        "fapiao_date": document.first.parsed["fapiao_date"],
        "delivery_route": customer.invoice_delivery,
        "delivery_address": delivery_address(customer),
        "term_start": received_on,
        "due_date": _due(document.data["terms"], received_on),
        "created_by": who,
        "created_at": now,
        "updated_at": now,
        "imported": True,
    }, lines


def _remark(document: Document, warehouse: str) -> str:
    order = document.data["order"]
    number = document.agreed("company_order_no")
    po = order.customer_po_no if order is not None else document.agreed("customer_po_no")
    return reference_text(po or number, number, document.agreed("receipt_no"), warehouse)


def _due(versions: list[Any], received_on: date) -> date | None:
    """R19: the due date from the terms in force on the receipt date (None while the working-day
    calendar does not know its year; the due-date job fills it)."""
    if not versions:
        return None
    try:
        return duedates.due_date(terms_of(in_force(versions, received_on)), received_on)
    except CalendarGap:
        return None


def _journal(batch: Batch, fresh: list[Document], good: list[Document]) -> None:
    """One journal row per created order and invoice, in the state it arrives in, on the day
    it was invoiced."""
    workflows, who = batch.ctx.workflows, batch.actor.username
    made = {id(d) for d in good}
    for model, state, documents, key in (
        (Order, "invoiced", [d for d in fresh if id(d) in made], "order_id"),
        (Invoice, "issued", good, "invoice_id"),
    ):
        by_day: dict[date, list[tuple[int, dict[str, Any]]]] = defaultdict(list)
        for d in documents:
            payload = {"imported": True, "invoice_no": d.key, "fapiao_no": d.agreed("fapiao_no")}
            by_day[d.data["dates"]["invoiced_on"]].append((d.data[key], payload))
        for day, rows in sorted(by_day.items()):
            workflows.created(
                batch.session, model, rows, actor=who, how="import", business_date=day, state=state
            )
