"""Orders and their lines; prices are snapshotted from the contract in force on the order date."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import ClassVar

from sqlalchemy import CheckConstraint, Date, ForeignKey, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from service.db import Base, Money, UTCDateTime, utcnow
from service.masterdata.models import Contract, Customer, Item, Rate, Warehouse


class Order(Base):
    """One customer PO = one company order = one planned shipment (R2)."""

    __machine__: ClassVar[str] = "order"
    __tablename__ = "orders"
    __table_args__ = (UniqueConstraint("customer_id", "customer_po_no", name="uq_orders_po"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouses.id"))
    contract_id: Mapped[int] = mapped_column(ForeignKey("contracts.id"))
    # Indexed alone too: people find an order by its PO number without naming the customer.
    customer_po_no: Mapped[str] = mapped_column(String(64), index=True)
    discount_order_no: Mapped[str | None] = mapped_column(String(64))
    company_order_no: Mapped[str | None] = mapped_column(String(32), unique=True)
    order_date: Mapped[date] = mapped_column(Date)
    state: Mapped[str] = mapped_column(String(32), index=True)
    version: Mapped[int] = mapped_column(default=1)
    note: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str] = mapped_column(String(64))
    # Brought over from the old system at go-live (`o2c import`), not made here.
    imported: Mapped[bool] = mapped_column(default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    customer: Mapped[Customer] = relationship()
    warehouse: Mapped[Warehouse] = relationship()
    contract: Mapped[Contract] = relationship()
    lines: Mapped[list[OrderLine]] = relationship(
        back_populates="order", order_by="OrderLine.line_no", cascade="all, delete-orphan"
    )

    @property
    def total_amount(self) -> Decimal:
        return sum((line.amount for line in self.lines), Decimal("0.00"))


class OrderLine(Base):
    __tablename__ = "order_lines"
    __table_args__ = (
        UniqueConstraint("order_id", "line_no"),
        CheckConstraint("quantity > 0", name="ck_order_lines_quantity"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    line_no: Mapped[int]
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"))
    quantity: Mapped[int]
    unit_price: Mapped[Decimal] = mapped_column(Money)
    tax_rate: Mapped[Decimal] = mapped_column(Rate)

    order: Mapped[Order] = relationship(back_populates="lines")
    item: Mapped[Item] = relationship()

    @property
    def amount(self) -> Decimal:
        return self.unit_price * self.quantity
