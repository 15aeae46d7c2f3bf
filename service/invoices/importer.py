"""`o2c import invoices`: issued invoices not yet paid, with their fapiao and their receipts,
brought over from the old system at go-live (the opening documents).

One row per invoice line; the rows with the same invoice_no are one invoice. Each invoice comes
with its order's signed receipt: the order is created as invoiced when it is not known (with its
shipment and receipt, received as invoiced), or an order imported as shipped (`o2c import
orders`) is moved on (receipt posted, invoiced). The invoice is issued with its fapiao, marked
imported, its total is booked on the receivables ledger on the day it was invoiced, and its due
date comes from the customer's payment terms counted from the receipt date (R19), so statements
and collection pick it up. A rerun finds the invoice by its number and books nothing twice.

Booking is set-based (see `service.invoices.opening`): a chunk's documents are checked in Python,
then each table gets one INSERT of the chunk's rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from itertools import pairwise
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from service.imports import Batch, Document, Importer, Row
from service.invoices import opening
from service.invoices.models import Invoice
from service.masterdata import queries as masterdata
from service.masterdata.models import Contract, Customer, Item, Warehouse
from service.orders.models import Order
from service.receipts.models import Receipt

HELP = """Issued invoices not yet paid, with their fapiao and receipts (go-live), one row per line.

Header: invoice_no,fapiao_no,fapiao_date,invoiced_on,customer_code,company_order_no,
customer_po_no,warehouse,order_date,receipt_no,receipt_date,line_no,item_code,qty,unit_price,
tax_rate

Rows with the same invoice_no are one invoice. The order (company_order_no) is created as
invoiced when not known, with the receipt (receipt_no, receipt_date) of the invoiced quantities;
an order imported as shipped is moved on. invoiced_on (default: fapiao_date) is the ledger's
day; the due date counts from receipt_date by the customer's terms. customer_po_no (default:
company_order_no), order_date (default: receipt_date), invoiced_on and tax_rate (default: the
item's) may be left out.
"""


class InvoiceImporter(Importer):
    name = "invoices"
    help = HELP
    unit = "invoice"
    bulk = (Invoice, Order, Receipt)
    roles = frozenset({"admin"})
    columns = (
        "invoice_no",
        "fapiao_no",
        "fapiao_date",
        "invoiced_on",
        "customer_code",
        "company_order_no",
        "customer_po_no",
        "warehouse",
        "order_date",
        "receipt_no",
        "receipt_date",
        "line_no",
        "item_code",
        "qty",
        "unit_price",
        "tax_rate",
    )
    optional = frozenset({"invoiced_on", "customer_po_no", "order_date", "tax_rate"})
    key_columns = ("invoice_no",)
    shared = columns[1:11]

    def parse(self, row: Row) -> None:
        p = row.parsed
        for column, longest in (("invoice_no", 32), ("fapiao_no", 32), ("company_order_no", 32)):
            row.text(column, longest=longest)
        row.text("customer_po_no", longest=64)
        row.text("receipt_no", longest=64)
        for column in ("fapiao_date", "invoiced_on", "order_date", "receipt_date"):
            p[column] = row.day(column)
        p["line_no"] = row.whole("line_no", low=1, high=999)
        p["qty"] = row.whole("qty", low=1, high=10**7)
        p["unit_price"] = row.decimal("unit_price")
        p["tax_rate"] = row.decimal("tax_rate", places=4, high=Decimal(1))

    def check(self, document: Document) -> None:
        dates = {c: _first(document, c) for c in ("order_date", "receipt_date", "invoiced_on")}
        dates["order_date"] = dates["order_date"] or dates["receipt_date"]
        dates["invoiced_on"] = dates["invoiced_on"] or _first(document, "fapiao_date")
        for (before, earlier), (column, later) in pairwise(dates.items()):
            if earlier is not None and later is not None and later < earlier:
                document.fail(column, f"{later} is before {before} {earlier}")
        document.data["dates"] = dates
        seen: dict[str, int] = {}
        for row in document.rows:
            for column in ("line_no", "item_code"):
                value = f"{column}={row.values[column]}"
                if value in seen:
                    row.fail(column, f"{row.values[column]} is on line {seen[value]} too")
                seen.setdefault(value, row.line)

    def look_up(self, batch: Batch, documents: Sequence[Document]) -> None:
        world = _World.of(batch)
        world.learn(batch.session, documents)
        known = _known(batch.session, documents)
        for document in documents:
            _look_up_one(batch, world, known, document)

    def book(self, batch: Batch, documents: Sequence[Document]) -> None:
        opening.book(batch, documents)


def _first(document: Document, column: str) -> date | None:
    return next((r.parsed[column] for r in document.rows if r.parsed.get(column)), None)


class _World:
    """Master data the import needs, learnt chunk by chunk and kept for the run."""

    def __init__(self) -> None:
        self.customers: dict[str, Customer] = {}
        self.warehouses: dict[tuple[int, str], Warehouse] = {}
        self.contracts: dict[int, list[Contract]] = {}
        self.items: dict[str, Item] = {}
        self.terms: dict[int, Any] = {}

    @classmethod
    def of(cls, batch: Batch) -> _World:
        world = batch.memo.get("world")
        if not isinstance(world, _World):
            world = batch.memo["world"] = cls()
        return world

    def learn(self, session: Session, documents: Sequence[Document]) -> None:
        codes = {d.first.values["customer_code"] for d in documents} - set(self.customers)
        if codes:
            found = list(session.scalars(select(Customer).where(Customer.code.in_(codes))))
            ids = [c.id for c in found]
            self.customers.update({c.code: c for c in found})
            for w in session.scalars(select(Warehouse).where(Warehouse.customer_id.in_(ids))):
                self.warehouses[(w.customer_id, w.code)] = w
            for c in session.scalars(select(Contract).where(Contract.customer_id.in_(ids))):
                self.contracts.setdefault(c.customer_id, []).append(c)
            self.terms.update(masterdata.terms_by_customer(session, ids))
        items = {r.values["item_code"] for d in documents for r in d.rows} - set(self.items)
        if items:
            found_items = session.scalars(select(Item).where(Item.code.in_(items)))
            self.items.update({i.code: i for i in found_items})

    def contract(self, customer: Customer, day: date) -> Contract | None:
        good = [c for c in self.contracts.get(customer.id, []) if c.valid_from <= day <= c.valid_to]
        return max(good, key=lambda c: (c.valid_from, c.id), default=None)


def _known(session: Session, documents: Sequence[Document]) -> dict[str, dict[Any, Any]]:
    """Invoices, orders and receipts already there that the chunk's documents name."""
    numbers = {d.key for d in documents}
    fapiao = {d.agreed("fapiao_no") for d in documents}
    orders = {d.agreed("company_order_no") for d in documents}
    receipts = {d.agreed("receipt_no") for d in documents}
    known: dict[str, dict[Any, Any]] = {"invoice": {}, "fapiao": {}, "order": {}, "receipt": {}}
    for invoice in session.scalars(
        select(Invoice).where(or_(Invoice.invoice_no.in_(numbers), Invoice.fapiao_no.in_(fapiao)))
    ):
        known["invoice"][invoice.invoice_no] = invoice
        known["fapiao"][invoice.fapiao_no] = invoice
    for order in session.scalars(select(Order).where(Order.company_order_no.in_(orders))):
        known["order"][order.company_order_no] = order
    for receipt in session.scalars(select(Receipt).where(Receipt.receipt_no.in_(receipts))):
        known["receipt"][(receipt.customer_id, receipt.receipt_no)] = receipt
    return known


def _look_up_one(
    batch: Batch, world: _World, known: dict[str, dict[Any, Any]], document: Document
) -> None:
    fapiao_no = document.agreed("fapiao_no")
    invoice = known["invoice"].get(document.key)
    if invoice is not None:
        if invoice.fapiao_no == fapiao_no:
            document.already(f"invoice {invoice.invoice_no} (fapiao {fapiao_no}) is already there")
        else:
            document.fail(
                "invoice_no",
                f"is already invoice {invoice.invoice_no} of fapiao {invoice.fapiao_no}",
            )
        return
    if fapiao_no in known["fapiao"]:
        document.fail("fapiao_no", f"is already on invoice {known['fapiao'][fapiao_no].invoice_no}")
        return
    dates: dict[str, date | None] = document.data["dates"]
    for column, day in (*dates.items(), ("fapiao_date", _first(document, "fapiao_date"))):
        if day is not None and day > batch.today:
            document.fail(column, f"{day} is in the future")
    customer = world.customers.get(document.agreed("customer_code"))
    if customer is None:
        document.fail("customer_code", "no such customer")
        return
    order = known["order"].get(document.agreed("company_order_no"))
    if order is not None and not (order.state == "shipped" and order.imported):
        document.fail(
            "company_order_no",
            f"order {order.company_order_no} is {order.state}: only an order imported as shipped "
            "is moved on",
        )
    if order is not None and order.customer_id != customer.id:
        document.fail("company_order_no", f"order {order.company_order_no} is another customer's")
    if (customer.id, document.agreed("receipt_no")) in known["receipt"]:
        document.fail("receipt_no", "the customer's receipt is already posted")
    for row in document.rows:
        if row.values["item_code"] not in world.items:
            row.fail("item_code", f"no item {row.values['item_code']!r}")
    warehouse = world.warehouses.get((customer.id, document.agreed("warehouse")))
    if warehouse is None:
        document.fail(
            "warehouse",
            f"customer {customer.code} has no warehouse {document.agreed('warehouse')!r}",
        )
    contract = order.contract if order is not None else None
    order_date = dates["order_date"]
    if contract is None and order_date is not None:
        contract = world.contract(customer, order_date)
        if contract is None:
            document.fail(
                "order_date", f"customer {customer.code} has no contract in force on {order_date}"
            )
    document.data.update(
        customer=customer,
        warehouse=warehouse,
        contract=contract,
        order=order,
        terms=world.terms.get(customer.id, []),
        items=world.items,
    )
