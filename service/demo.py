"""Demo data: customers with contracts and prices, items, DCs, users, and orders in every state.

Loaded only in demo mode, through the same use cases users call, so the journal is real.
Loading twice changes nothing. Demo tokens are well known and refused outside demo mode.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from functools import partial

from sqlalchemy import select
from sqlalchemy.orm import Session

from rules import RuleSet
from service.attachments import usecases as attachments
from service.auth import tokens
from service.auth.models import User
from service.auth.tokens import ROLES, Actor
from service.db import Database
from service.discrepancies import usecases as discrepancies
from service.discrepancies.schemas import BookingCreate
from service.invoices import money
from service.invoices import usecases as invoices
from service.invoices.models import Invoice
from service.masterdata import usecases as masterdata
from service.masterdata.schemas import ContractIn, CustomerIn, ItemIn
from service.orders import approval
from service.orders import usecases as orders
from service.orders.models import Order
from service.orders.schemas import OrderCreate
from service.receipts import posting
from service.receipts.schemas import ReceiptCreate
from service.rulesets import RuleRegistry
from service.settings import Settings
from service.shipments import usecases as shipments
from service.shipments.schemas import ShipmentCreate
from service.workflow import Workflows

DEMO_TOKENS = {role: f"demo-{role}" for role in ROLES}

ITEMS = [
    ("KFR-35GW/A1", "壁挂式空调 1.5匹 wall air conditioner", "3999.00"),
    ("BCD-520W", "对开门冰箱 520L side-by-side fridge", "4599.00"),
    ("XQG100-B", "滚筒洗衣机 10kg front-load washer", "2899.00"),
    ("RSJ-60", "电热水器 60L water heater", "1599.00"),
    ("CXW-200", "油烟机 range hood", "2299.00"),
    ("KFR-35GW/A2", "壁挂式空调 1.5匹 新款 wall air conditioner, new model", "4199.00"),
]


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


def _users(session: Session) -> dict[str, Actor]:
    actors = {}
    for role in ROLES:
        username = f"demo-{role}"
        user = session.scalar(select(User).where(User.username == username))
        if user is None:
            user = tokens.create_user(
                session, username=username, roles=[role], display_name=f"Demo {role}"
            )
            tokens.issue_token(
                session, username=username, name="demo", token=DEMO_TOKENS[role], demo=True
            )
        actors[role] = Actor(user_id=user.id, username=username, roles=frozenset([role]))
    return actors


def _master_data(session: Session, today: date) -> None:
    for code, name, _price in ITEMS:
        masterdata.create_item(session, ItemIn(code=code, name=name))
    masterdata.create_customer(
        session,
        CustomerIn(
            code="HDQ",
            name="华东电器连锁 East China Appliance Chain",
            branch="上海分部",
            grade="A",
            credit_limit=Decimal("5000000.00"),
            payment_term_days=60,
            settlement_kind="monthly_day",
            settlement_day=25,
            reconciliation_lead_days=5,
            invoice_delivery="settlement_centre",
            settlement_centre_address="上海市嘉定区结算中心 Settlement centre, Jiading, Shanghai",
            discount_mode="on_invoice",
            return_credit_methods=["red_letter", "next_invoice_deduction"],
            warehouses=[
                {"code": "SH-DC01", "name": "上海嘉定配送中心 Jiading DC"},
                {"code": "SZ-DC02", "name": "苏州配送中心 Suzhou DC"},
            ],
        ),
    )
    masterdata.create_customer(
        session,
        CustomerIn(
            code="BJM",
            name="北京家电城 Beijing Appliance Mall",
            branch="北京分部",
            grade="B",
            credit_limit=Decimal("2000000.00"),
            payment_term_days=45,
            settlement_kind="term_from_receipt",
            reconciliation_lead_days=3,
            discount_mode="receipt_offset",
            return_credit_methods=["red_letter", "customer_blue_invoice"],
            warehouses=[{"code": "BJ-DC01", "name": "北京大兴配送中心 Daxing DC"}],
        ),
    )
    masterdata.create_customer(
        session,
        CustomerIn(
            code="XNB",
            name="西南百货 Southwest Department Stores",
            branch="成都分部",
            grade="C",
            credit_limit=Decimal("500000.00"),
            payment_term_days=30,
            settlement_kind="term_from_receipt",
            discount_mode="red_letter",
            warehouses=[{"code": "CD-DC01", "name": "成都配送中心 Chengdu DC"}],
        ),
    )
    prices = [{"item_code": code, "unit_price": price} for code, _name, price in ITEMS]
    masterdata.create_contract(
        session,
        ContractIn(
            customer_code="HDQ",
            contract_no="HT-HDQ-2026",
            valid_from=today - timedelta(days=300),
            valid_to=today + timedelta(days=400),
            discount_rate=Decimal("0.03"),
            rebate_terms="年度返利 1% annual rebate",
            prices=prices,
        ),
    )
    masterdata.create_contract(
        session,
        ContractIn(
            customer_code="BJM",
            contract_no="HT-BJM-2026",
            valid_from=today - timedelta(days=200),
            valid_to=today + timedelta(days=200),
            prices=prices[:5],
        ),
    )
    # Expired: orders for this customer are refused until the contract is renewed (R27).
    masterdata.create_contract(
        session,
        ContractIn(
            customer_code="XNB",
            contract_no="HT-XNB-2025",
            valid_from=today - timedelta(days=400),
            valid_to=today - timedelta(days=30),
            prices=prices[:3],
        ),
    )


def _orders(
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


def _invoices(
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
    discrepancies.record_booking(
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


def load(db: Database, settings: Settings, workflows: Workflows, today: date) -> bool:
    """Load the demo data unless it is already there; returns whether anything was loaded."""
    with db.write() as session:
        loaded = session.scalar(select(User.id).where(User.username == "demo-admin"))
        actors = _users(session)
        if loaded is not None:
            return False
        _master_data(session, today)
        rules = RuleRegistry.from_settings(settings)
        _orders(session, workflows, actors, today, rules)
        _invoices(
            session,
            workflows,
            actors,
            today,
            partial(rules.in_force, "invoice_discrepancy"),
            settings.invoice_max_lines,
        )
    return True
