"""The world of these tests and the steps of the people who move an order to cash.

Every step is one unit of work (one write transaction), as one request would be, acting as a
user of the role that does it; all at the fixed moment `NOW`.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from service import evidence, journal
from service.auth.tokens import Actor
from service.context import Context
from service.db import Base
from service.invoices import usecases as invoices
from service.invoices.schemas import InvoiceCreate, InvoiceIssue, InvoiceOut
from service.orders import approval
from service.orders import queries as order_queries
from service.orders import usecases as orders
from service.orders.schemas import ApprovalOut, OrderCreate, OrderLineIn, OrderOut
from service.receipts import posting
from service.receipts.schemas import ReceiptCreate, ReceiptLineIn, ReceiptOut
from service.runtime import Runtime
from service.shipments import usecases as shipments
from service.shipments.schemas import DeliveryReport, ShipmentCreate, ShipmentLineIn, ShipmentOut

TZ = ZoneInfo("Asia/Shanghai")
# A Friday, a working day. The working-day calendar knows 2026, so every date here is in 2026.
NOW = datetime(2026, 11, 20, 10, 0, tzinfo=TZ)
TODAY = NOW.date()
ORDER_DATE = date(2026, 11, 10)
SHIPPED_ON = date(2026, 11, 12)
# Signed on Thursday: the carrier may report until Monday 23rd (R7), so today is in time.
RECEIPT_DATE = date(2026, 11, 19)

A1, A2, RSJ = "KFR-35GW/A1", "KFR-35GW/A2", "RSJ-60"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@dataclass(frozen=True)
class World:
    """Master data seeded once into the template database."""

    customer: str
    tight_customer: str
    dc: str
    other_dc: str
    prices: Mapping[str, Decimal]
    unpriced: str
    contract_from: date
    contract_to: date

    @property
    def items(self) -> tuple[str, ...]:
        return (*self.prices, self.unpriced)

    def contract(self, customer: str) -> str:
        return f"HT-{customer}-2026"


WORLD = World(
    customer="HDQ",
    tight_customer="TIGHT",
    dc="SH-DC01",
    other_dc="SH-DC02",
    prices={
        A1: Decimal("3999.00"),
        A2: Decimal("4299.00"),
        RSJ: Decimal("1288.00"),
        "XQB-80": Decimal("1899.00"),
        "BCD-220": Decimal("2599.00"),
        "KFR-50LW": Decimal("6899.00"),
    },
    unpriced="TV-55",
    contract_from=date(2026, 1, 1),
    contract_to=date(2026, 12, 31),
)

_user_ids = itertools.count(100)


def actor(role: str, username: str | None = None) -> Actor:
    return Actor(
        user_id=next(_user_ids), username=username or f"{role}.user", roles=frozenset({role})
    )


def got(line_no: int, quantity: int, item_code: str | None = None) -> ReceiptLineIn:
    """One line of a signed receipt: what arrived against an order line (another model: R8)."""
    return ReceiptLineIn(line_no=line_no, received_qty=quantity, item_code=item_code)


class Steps:
    """The people's steps as use-case calls on the test's database."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.db = runtime.db
        self._serial = itertools.count(1)

    def ctx(
        self, role: str, *, username: str | None = None, expected_version: int | None = None
    ) -> Context:
        return self.runtime.for_actor(actor(role, username), expected_version)

    def number(self, prefix: str) -> str:
        return f"{prefix}-{next(self._serial):04d}"

    # --- sales and HQ ---------------------------------------------------------------------
    def order_request(
        self,
        lines: Sequence[tuple[str, int]] = ((A1, 10), (RSJ, 4)),
        *,
        customer: str = WORLD.customer,
        po: str | None = None,
        order_date: date = ORDER_DATE,
    ) -> OrderCreate:
        return OrderCreate(
            customer_code=customer,
            customer_po_no=po or self.number("PO"),
            dc_code=WORLD.dc,
            order_date=order_date,
            lines=[OrderLineIn(item_code=code, quantity=qty) for code, qty in lines],
        )

    def create_order(self, request: OrderCreate | None = None) -> OrderOut:
        with self.db.write() as session:
            return orders.create(session, self.ctx("sales"), data=request or self.order_request())

    def approve(self, order_id: int) -> ApprovalOut:
        with self.db.write() as session:
            return approval.approve(session, self.ctx("hq"), order_id=order_id)

    def approved_order(self, request: OrderCreate | None = None) -> OrderOut:
        return self.approve(self.create_order(request).id)

    # --- logistics ------------------------------------------------------------------------
    def ship(
        self,
        order_id: int,
        *,
        warehouse_kind: str = "internal",
        shipped_on: date = SHIPPED_ON,
        lines: Sequence[tuple[int, int]] | None = None,
    ) -> ShipmentOut:
        data = ShipmentCreate.model_validate(
            {
                "warehouse_kind": warehouse_kind,
                "source_warehouse": "Wuxi central",
                "carrier": "SF Express",
                "shipped_on": shipped_on,
                "lines": None
                if lines is None
                else [ShipmentLineIn(line_no=no, quantity=qty) for no, qty in lines],
            }
        )
        with self.db.write() as session:
            return shipments.ship(session, self.ctx("logistics"), order_id=order_id, data=data)

    def shipped_order(
        self, request: OrderCreate | None = None, *, warehouse_kind: str = "internal"
    ) -> OrderOut:
        order = self.approved_order(request)
        self.ship(order.id, warehouse_kind=warehouse_kind)
        return self.order(order.id)

    def deliver(self, order_id: int, delivered_on: date) -> ShipmentOut:
        """The carrier reports that the customer signed (R7 starts counting)."""
        with self.db.write() as session:
            return shipments.record_delivery(
                session,
                self.ctx("logistics"),
                order_id=order_id,
                data=DeliveryReport(delivered_on=delivered_on),
            )

    def evidence(self) -> int:
        """An uploaded scan of a signed document; its id."""
        with self.db.write() as session:
            scan = evidence.store(
                session,
                uploaded_by="logistics.user",
                filename="scan.png",
                content_type="image/png",
                content=PNG_SIGNATURE + self.number("scan").encode(),
                max_bytes=self.runtime.settings.max_attachment_bytes,
            )
            return scan.id

    def receipt(
        self,
        order: OrderOut,
        lines: Sequence[ReceiptLineIn] | None = None,
        *,
        receipt_date: date = RECEIPT_DATE,
    ) -> ReceiptCreate:
        """The signed receipt of `order`: everything ordered arrived, unless `lines` say."""
        return ReceiptCreate(
            receipt_no=self.number("RK"),
            receipt_date=receipt_date,
            lines=list(lines or [got(line.line_no, line.quantity) for line in order.lines]),
            evidence=[self.evidence()],
        )

    def post_receipt(self, order_id: int, data: ReceiptCreate) -> ReceiptOut:
        with self.db.write() as session:
            return posting.post(session, self.ctx("logistics"), order_id=order_id, data=data)

    def receipted_order(
        self, request: OrderCreate | None = None, lines: Sequence[ReceiptLineIn] | None = None
    ) -> OrderOut:
        order = self.shipped_order(request)
        self.post_receipt(order.id, self.receipt(order, lines))
        return self.order(order.id)

    # --- finance --------------------------------------------------------------------------
    def invoice(self, order_id: int) -> InvoiceOut:
        with self.db.write() as session:
            return invoices.create(
                session, self.ctx("finance"), data=InvoiceCreate(order_id=order_id)
            )

    def fapiao_no(self) -> str:
        return f"2644{next(self._serial):016d}"

    def issue(self, invoice_id: int) -> InvoiceOut:
        data = InvoiceIssue(fapiao_no=self.fapiao_no(), fapiao_date=TODAY)
        with self.db.write() as session:
            return invoices.issue(session, self.ctx("finance"), invoice_id=invoice_id, data=data)

    def issued_invoice(self, order_id: int) -> InvoiceOut:
        return self.issue(self.invoice(order_id).id)

    # --- reading --------------------------------------------------------------------------
    def order(self, order_id: int) -> OrderOut:
        with self.db.read() as session:
            return order_queries.get(session, self.ctx("sales"), order_id=order_id)

    def journal(self, machine: str, entity_id: int) -> list[journal.Event]:
        with self.db.read() as session:
            return journal.history(session, machine, entity_id)

    def triggers(self, machine: str, entity_id: int) -> list[str]:
        return [event.trigger for event in self.journal(machine, entity_id)]

    def count(self, model: type[Base]) -> int:
        with self.db.read() as session:
            return count(session, model)


def count(session: Session, model: type[Base]) -> int:
    return int(session.scalar(select(func.count()).select_from(model)) or 0)
