"""`o2c import orders`: open orders brought over from the old system at go-live.

One row per order line; the rows with the same customer_code and customer_po_no are one order.
An order is created through its lifecycle as imported (journal `how="import"`) on its order
date, then approved on `approved_on` and shipped on `shipped_on` when its state says so, each
journal row on its business date. The old system approved it: the credit_release rules are not
run again and the approval's journal row says so. A rerun finds the order by its customer PO (and
company order number) and books nothing twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from itertools import pairwise
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from service.context import Context
from service.imports import Batch, Document, Importer, Row, acting_for
from service.masterdata.models import Contract, Customer, Item, Warehouse
from service.numbering import at_least
from service.orders.models import Order, OrderLine
from service.shipments.models import Shipment, ShipmentLine

STATES = ("draft", "approved", "shipped")
NUMBERED = ("approved", "shipped")
APPROVAL = {"imported": True, "credit_release": "not run: approved in the old system"}

HELP = """Open orders from the old system (go-live), one row per order line.

Header: customer_code,customer_po_no,order_date,warehouse,contract_no,company_order_no,state,
approved_on,shipped_on,line_no,item_code,qty,unit_price,tax_rate

Rows with the same customer_code and customer_po_no are one order. state is draft, approved or
shipped; company_order_no (the old system's number) and approved_on are required from approved
on, shipped_on when shipped. contract_no, company_order_no, approved_on, shipped_on and tax_rate
(default: the item's) may be left out. Imported approvals do not run the credit rules.
"""


class OrderImporter(Importer):
    name = "orders"
    help = HELP
    unit = "order"
    bulk = (Order,)
    roles = frozenset({"admin"})
    columns = (
        "customer_code",
        "customer_po_no",
        "order_date",
        "warehouse",
        "contract_no",
        "company_order_no",
        "state",
        "approved_on",
        "shipped_on",
        "line_no",
        "item_code",
        "qty",
        "unit_price",
        "tax_rate",
    )
    optional = frozenset(
        {"contract_no", "company_order_no", "approved_on", "shipped_on", "tax_rate"}
    )
    key_columns = ("customer_code", "customer_po_no")
    shared = (
        "order_date",
        "warehouse",
        "contract_no",
        "company_order_no",
        "state",
        "approved_on",
        "shipped_on",
    )

    def parse(self, row: Row) -> None:
        p = row.parsed
        row.text("customer_po_no", longest=64)
        row.text("company_order_no", longest=32)
        for column in ("order_date", "approved_on", "shipped_on"):
            p[column] = row.day(column)
        state = row.values["state"]
        if state and state not in STATES:
            row.fail("state", f"{state!r} is not one of {', '.join(STATES)}")
        p["line_no"] = row.whole("line_no", low=1, high=999)
        p["qty"] = row.whole("qty", low=1, high=10**7)
        p["unit_price"] = row.decimal("unit_price")
        p["tax_rate"] = row.decimal("tax_rate", places=4, high=Decimal(1))

    def check(self, document: Document) -> None:
        first = document.first.parsed
        state = document.agreed("state")
        if state in NUMBERED:
            for column in ("company_order_no", "approved_on"):
                if not document.agreed(column):
                    document.fail(column, f"is required for an order {state}")
        if state == "shipped" and not document.agreed("shipped_on"):
            document.fail("shipped_on", "is required for an order shipped")
        steps = [
            (c, first[c] or _day(document, c)) for c in ("order_date", "approved_on", "shipped_on")
        ]
        dated = [(c, d) for c, d in steps if d is not None]
        for (before, earlier), (column, later) in pairwise(dated):
            if later < earlier:
                document.fail(column, f"{later} is before {before} {earlier}")
        _distinct(document, "line_no")
        _distinct(document, "item_code")

    def look_up(self, batch: Batch, documents: Sequence[Document]) -> None:
        session = batch.session
        customers = _customers(session, {d.first.values["customer_code"] for d in documents})
        items = _items(session, {r.values["item_code"] for d in documents for r in d.rows})
        known = _existing(session, documents, customers)
        for document in documents:
            customer = customers.get(document.first.values["customer_code"])
            if customer is None:
                document.fail("customer_code", "no such customer")
                continue
            found = known.get((customer.id, document.first.values["customer_po_no"]))
            number = document.agreed("company_order_no")
            if found is not None:
                _already(document, found, number)
                continue
            if number and number in known.get("numbers", {}):
                document.fail("company_order_no", f"{number} is another order's number")
                continue
            for row in document.rows:
                if row.values["item_code"] not in items:
                    row.fail("item_code", f"no item {row.values['item_code']!r}")
            document.data.update(customer=customer, items=items)

    def book(self, batch: Batch, documents: Sequence[Document]) -> None:
        for document in documents:
            _book_one(batch, document)


def _book_one(batch: Batch, document: Document) -> None:
    session, ctx = batch.session, acting_for(batch.ctx, "hq", "logistics")
    customer: Customer = document.data["customer"]
    first = document.first.parsed
    warehouse = session.scalar(
        select(Warehouse).where(
            Warehouse.customer_id == customer.id, Warehouse.code == document.agreed("warehouse")
        )
    )
    if warehouse is None:
        document.fail(
            "warehouse",
            f"customer {customer.code} has no warehouse {document.agreed('warehouse')!r}",
        )
        return
    contract = _contract(session, customer, document, first["order_date"])
    if contract is None:
        return
    if len(document.rows) > ctx.settings.order_max_lines:
        document.fail("line_no", f"more than {ctx.settings.order_max_lines} lines")
        return
    items: dict[str, Item] = document.data["items"]
    order = Order(
        customer=customer,
        warehouse=warehouse,
        contract=contract,
        customer_po_no=document.first.values["customer_po_no"],
        order_date=first["order_date"],
        created_by=ctx.actor.username,
        imported=True,
        lines=[
            OrderLine(
                line_no=r.parsed["line_no"],
                item=items[r.values["item_code"]],
                quantity=r.parsed["qty"],
                unit_price=r.parsed["unit_price"],
                tax_rate=r.parsed["tax_rate"]
                if r.parsed["tax_rate"] is not None
                else items[r.values["item_code"]].tax_rate,
            )
            for r in document.rows
        ],
    )
    on = ctx.dated(session, first["order_date"], field="order_date")
    on.create(
        session,
        order,
        payload={"imported": True, "customer_po_no": order.customer_po_no},
        how="import",
    )
    state = document.agreed("state")
    if state in NUMBERED:
        number = document.agreed("company_order_no")
        approved_on = _day(document, "approved_on")
        ctx.dated(session, approved_on, field="approved_on").fire(
            session, order, "approve", payload=APPROVAL | {"company_order_no": number}
        )
        order.company_order_no = number
        at_least(session, "SO", [number])
        session.flush()
    if state == "shipped":
        _ship(session, ctx, order, _day(document, "shipped_on"))


def _ship(session: Session, ctx: Context, order: Order, shipped_on: date | None) -> None:
    """Shipped in the old system: everything ordered, from the order's warehouse."""
    assert shipped_on is not None
    ctx.dated(session, shipped_on, field="shipped_on").fire(
        session, order, "ship", payload={"imported": True, "shipped_on": shipped_on}
    )
    from service.numbering import document_number

    session.add(
        Shipment(
            order_id=order.id,
            shipment_no=document_number(session, "SH", shipped_on.year),
            warehouse_kind="external",
            source_warehouse=order.warehouse.code,
            carrier="",
            shipped_on=shipped_on,
            created_by=ctx.actor.username,
            lines=[ShipmentLine(order_line=line, quantity=line.quantity) for line in order.lines],
        )
    )
    session.flush()


def _contract(
    session: Session, customer: Customer, document: Document, day: date
) -> Contract | None:
    number = document.agreed("contract_no")
    query = select(Contract).where(Contract.customer_id == customer.id)
    if number:
        contract = session.scalar(query.where(Contract.contract_no == number))
        if contract is None:
            document.fail("contract_no", f"customer {customer.code} has no contract {number!r}")
        return contract
    contract = session.scalar(
        query.where(Contract.valid_from <= day, Contract.valid_to >= day).order_by(
            Contract.valid_from.desc()
        )
    )
    if contract is None:
        document.fail("order_date", f"customer {customer.code} has no contract in force on {day}")
    return contract


def _day(document: Document, column: str) -> date | None:
    return next((r.parsed[column] for r in document.rows if r.parsed.get(column)), None)


def _distinct(document: Document, column: str) -> None:
    seen: dict[str, int] = {}
    for row in document.rows:
        value = row.values[column]
        if value in seen:
            row.fail(column, f"{value} is on line {seen[value]} of the same order too")
        seen.setdefault(value, row.line)


def _customers(session: Session, codes: set[str]) -> dict[str, Customer]:
    return {c.code: c for c in session.scalars(select(Customer).where(Customer.code.in_(codes)))}


def _items(session: Session, codes: set[str]) -> dict[str, Item]:
    return {i.code: i for i in session.scalars(select(Item).where(Item.code.in_(codes)))}


def _existing(
    session: Session, documents: Sequence[Document], customers: dict[str, Customer]
) -> dict[Any, Any]:
    """Orders already there by (customer id, PO), and the company order numbers taken."""
    pos = {d.first.values["customer_po_no"] for d in documents}
    numbers = {d.agreed("company_order_no") for d in documents} - {""}
    ids = {c.id for c in customers.values()}
    found: dict[Any, Any] = {"numbers": {}}
    rows = session.scalars(
        select(Order).where(
            or_(
                Order.customer_id.in_(ids) & Order.customer_po_no.in_(pos),
                Order.company_order_no.in_(numbers),
            )
        )
    )
    for order in rows:
        found[(order.customer_id, order.customer_po_no)] = order
        if order.company_order_no:
            found["numbers"][order.company_order_no] = order
    return found


def _already(document: Document, order: Order, number: str) -> None:
    if number and order.company_order_no not in (None, number):
        document.fail(
            "company_order_no",
            f"the PO is already order {order.company_order_no}, not {number}",
        )
        return
    document.already(
        f"order {order.company_order_no or order.id} of PO {order.customer_po_no} is already "
        f"there ({order.state})"
    )
