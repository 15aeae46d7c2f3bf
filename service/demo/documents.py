"""Demo documents: orders in every state, invoices, an open invoice exception, an R7 task."""

from __future__ import annotations

import struct
import zlib
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from rules import RuleSet
from service.attachments import usecases as attachments
from service.auth.tokens import Actor
from service.discrepancies import booking as bookings
from service.discrepancies.schemas import BookingCreate
from service.invoices import money
from service.invoices import usecases as invoices
from service.invoices.models import Invoice
from service.orders import approval
from service.orders import usecases as orders
from service.orders.models import Order
from service.orders.schemas import OrderCreate
from service.receipts import posting
from service.receipts.schemas import ReceiptCreate
from service.rulesets import RuleRegistry
from service.shipments import usecases as shipments
from service.shipments.schemas import ShipmentCreate
from service.workflow import Workflows


def _png() -> bytes:
    """A tiny valid PNG standing in for a scanned signed receipt."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00\x80"))
        + chunk(b"IEND", b"")
    )


def orders_in_every_state(
    session: Session,
    workflows: Workflows,
    actors: dict[str, Actor],
    today: date,
    rules: RuleRegistry,
) -> None:
    sales, hq, logistics = actors["sales"], actors["hq"], actors["logistics"]

    def order(
        po: str,
        customer: str,
        dc: str,
        days_ago: int,
        lines: list[tuple[str, int]],
        discount: str | None = None,
    ) -> int:
        created = orders.create(
            session,
            actor=sales,
            workflows=workflows,
            today=today,
            max_lines=5,
            data=OrderCreate(
                customer_code=customer,
                customer_po_no=po,
                dc_code=dc,
                order_date=today - timedelta(days=days_ago),
                discount_order_no=discount,
                lines=[{"item_code": c, "quantity": q} for c, q in lines],
            ),
        )
        return created.id

    def approve(order_id: int) -> None:
        approval.approve(
            session, actor=hq, workflows=workflows, order_id=order_id, today=today, rules=rules
        )

    def ship(order_id: int, kind: str, days_ago: int) -> None:
        shipments.ship(
            session,
            actor=logistics,
            workflows=workflows,
            order_id=order_id,
            today=today,
            data=ShipmentCreate(
                warehouse_kind=kind,
                source_warehouse="无锡中心仓 Wuxi central",
                carrier="顺丰 SF Express" if kind == "internal" else "外库配送 3PL",
                shipped_on=today - timedelta(days=days_ago),
            ),
        )

    evidence = attachments.store(
        session,
        actor=logistics,
        filename="signed-receipt.png",
        content_type="image/png",
        content=_png(),
        max_bytes=10**6,
    )
    session.flush()

    def receipt(order_id: int, number: str, days_ago: int, lines: list[dict[str, object]]) -> None:
        posting.post(
            session,
            actor=logistics,
            workflows=workflows,
            order_id=order_id,
            today=today,
            data=ReceiptCreate(
                receipt_no=number,
                receipt_date=today - timedelta(days=days_ago),
                lines=lines,
                evidence=[evidence.id],
            ),
        )

    order("PO-HD-1001", "HDQ", "SH-DC01", 1, [("KFR-35GW/A1", 20), ("BCD-520W", 5)], "FY-2026-88")
    approve(order("PO-HD-1002", "HDQ", "SZ-DC02", 2, [("XQG100-B", 12)], "FY-2026-89"))
    # Delivered by the carrier six days ago, signed receipt still missing: R7 raises a task.
    shipped = order("PO-BJ-2001", "BJM", "BJ-DC01", 8, [("RSJ-60", 30), ("CXW-200", 10)])
    approve(shipped)
    ship(shipped, "internal", 7)
    shipments.record_delivery(
        session,
        actor=logistics,
        workflows=workflows,
        order_id=shipped,
        delivered_on=today - timedelta(days=6),
        today=today,
    )
    done = order("PO-BJ-2002", "BJM", "BJ-DC01", 20, [("BCD-520W", 8)])
    approve(done)
    ship(done, "external", 18)
    receipt(done, "RK-BJ-77001", 16, [{"line_no": 1, "received_qty": 8}])
    short = order(
        "PO-HD-1003", "HDQ", "SH-DC01", 12, [("KFR-35GW/A1", 50), ("XQG100-B", 10)], "FY-2026-90"
    )
    approve(short)
    ship(short, "internal", 10)
    receipt(
        short,
        "RK-HD-55012",
        8,
        [
            {"line_no": 1, "received_qty": 46},
            {"line_no": 1, "received_qty": 2, "item_code": "KFR-35GW/A2"},
            {"line_no": 2, "received_qty": 9},
        ],
    )
    # Received in full, waiting for finance to invoice it.
    waiting = order("PO-HD-1004", "HDQ", "SZ-DC02", 9, [("RSJ-60", 40)], "FY-2026-92")
    approve(waiting)
    ship(waiting, "external", 7)
    receipt(waiting, "RK-HD-55031", 5, [{"line_no": 1, "received_qty": 40}])
    cancelled = order("PO-BJ-2003", "BJM", "BJ-DC01", 3, [("CXW-200", 4)])
    orders.cancel(
        session,
        actor=sales,
        workflows=workflows,
        order_id=cancelled,
        reason="customer withdrew the PO",
        today=today,
    )


def invoices_for_finance(
    session: Session,
    workflows: Workflows,
    actors: dict[str, Actor],
    today: date,
    rules_for: Callable[[date], RuleSet],
    max_lines: int,
) -> None:
    """One invoice signed for; one whose booking disagrees, waiting in finance's queue."""
    finance = actors["finance"]
    by_po = {o.customer_po_no: o.id for o in session.scalars(select(Order))}
    fapiao = iter(f"2644000000000000{n:04d}" for n in range(1, 100))

    def issued(po: str) -> Invoice:
        draft = invoices.create(
            session,
            actor=finance,
            workflows=workflows,
            order_id=by_po[po],
            today=today,
            max_lines=max_lines,
        )
        return invoices.issue(
            session,
            actor=finance,
            workflows=workflows,
            invoice_id=draft.id,
            fapiao_no=next(fapiao),
            fapiao_date=today - timedelta(days=5),
            today=today,
        )

    signed = issued("PO-BJ-2002")
    invoices.send(
        session,
        actor=finance,
        workflows=workflows,
        invoice_id=signed.id,
        sent_on=today - timedelta(days=4),
        tracking_no="SF-DEMO-1",
        today=today,
    )
    invoices.sign(
        session,
        actor=finance,
        workflows=workflows,
        invoice_id=signed.id,
        signed_on=today - timedelta(days=2),
        signed_by="张会计 Zhang",
        today=today,
    )
    disputed = issued("PO-HD-1003")
    booked = []
    for line in disputed.lines:
        if line.source != "goods":
            continue
        # The customer booked one washer fewer than invoiced: R15, over-invoiced.
        quantity = line.quantity - 1 if line.item.code == "XQG100-B" else line.quantity
        gross = money.goods(line.unit_price, quantity, line.tax_rate, includes_tax=True)
        discount = next(
            (
                -(d.amount + d.tax)
                for d in disputed.lines
                if d.source == "discount" and d.item_id == line.item_id
            ),
            Decimal(0),
        )
        if quantity != line.quantity:
            discount = money.fen(gross.total * disputed.order.contract.discount_rate)
        booked.append(
            {
                "item_code": line.item.code,
                "quantity": quantity,
                "unit_price": line.unit_price,
                "amount": gross.amount,
                "tax": gross.tax,
                "discount": discount,
            }
        )
    bookings.record_booking(
        session,
        actor=finance,
        workflows=workflows,
        invoice_id=disputed.id,
        data=BookingCreate(
            reference="HDQ-BK-3301", booked_on=today - timedelta(days=1), lines=booked
        ),
        rules_for=rules_for,
        today=today,
    )
