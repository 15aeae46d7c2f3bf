"""Demo documents: orders in every state, invoices, an open invoice exception, an R7 task."""

from __future__ import annotations

import struct
import zlib
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from service import evidence, money
from service.context import Context
from service.invoices import queries as invoice_queries
from service.invoices import usecases as invoices
from service.invoices.exceptions import booking as bookings
from service.invoices.exceptions.schemas import BookingCreate
from service.invoices.schemas import InvoiceCreate, InvoiceIssue, InvoiceSend, InvoiceSign
from service.orders import approval
from service.orders import usecases as orders
from service.orders.models import Order
from service.orders.schemas import OrderCancel, OrderCreate
from service.receipts import posting
from service.receipts.schemas import ReceiptCreate
from service.shipments import usecases as shipments
from service.shipments.schemas import DeliveryReport, ShipmentCreate


def png(shade: int = 0x80) -> bytes:
    """A tiny valid PNG standing in for a scan; a different `shade`, a different file (evidence
    is stored once by content)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(bytes([0, shade])))
        + chunk(b"IEND", b"")
    )


def orders_in_every_state(session: Session, ctx: dict[str, Context]) -> None:
    sales, hq, logistics = ctx["sales"], ctx["hq"], ctx["logistics"]
    today = sales.today

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
            sales,
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
        approval.approve(session, hq, order_id=order_id)

    def ship(order_id: int, kind: str, days_ago: int) -> None:
        shipments.ship(
            session,
            logistics,
            order_id=order_id,
            data=ShipmentCreate(
                warehouse_kind=kind,
                source_warehouse="无锡中心仓 Wuxi central",
                carrier="顺丰 SF Express" if kind == "internal" else "外库配送 3PL",
                shipped_on=today - timedelta(days=days_ago),
            ),
        )

    scan = evidence.store(
        session,
        uploaded_by=logistics.actor.username,
        filename="signed-receipt.png",
        content_type="image/png",
        content=png(),
        max_bytes=10**6,
    )
    session.flush()

    def receipt(order_id: int, number: str, days_ago: int, lines: list[dict[str, object]]) -> None:
        posting.post(
            session,
            logistics,
            order_id=order_id,
            data=ReceiptCreate(
                receipt_no=number,
                receipt_date=today - timedelta(days=days_ago),
                lines=lines,
                evidence=[scan.id],
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
        logistics,
        order_id=shipped,
        data=DeliveryReport(delivered_on=today - timedelta(days=6)),
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
        session, sales, order_id=cancelled, data=OrderCancel(reason="customer withdrew the PO")
    )


def invoices_for_finance(session: Session, ctx: dict[str, Context]) -> None:
    """One invoice signed for; one whose booking disagrees, waiting in finance's queue."""
    finance = ctx["finance"]
    today = finance.today
    by_po = {o.customer_po_no: o.id for o in session.scalars(select(Order))}
    fapiao = iter(f"2644000000000000{n:04d}" for n in range(1, 100))

    def issued(po: str) -> int:
        draft = invoices.create(session, finance, data=InvoiceCreate(order_id=by_po[po]))
        invoices.issue(
            session,
            finance,
            invoice_id=draft.id,
            data=InvoiceIssue(fapiao_no=next(fapiao), fapiao_date=today - timedelta(days=5)),
        )
        return draft.id

    signed = issued("PO-BJ-2002")
    invoices.send(
        session,
        finance,
        invoice_id=signed,
        data=InvoiceSend(sent_on=today - timedelta(days=4), tracking_no="SF-DEMO-1"),
    )
    invoices.sign(
        session,
        finance,
        invoice_id=signed,
        data=InvoiceSign(signed_on=today - timedelta(days=2), signed_by="张会计 Zhang"),
    )
    disputed = invoice_queries.load(session, issued("PO-HD-1003"))
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
    bookings.book(
        session,
        finance,
        invoice_id=disputed.id,
        data=BookingCreate(
            reference="HDQ-BK-3301", booked_on=today - timedelta(days=1), lines=booked
        ),
    )
