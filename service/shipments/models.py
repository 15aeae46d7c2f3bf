"""The planned shipment note (计划发货单) of an order and its shipped quantities."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from service.db import Base, UTCDateTime, utcnow
from service.orders.models import Order, OrderLine

WAREHOUSE_KINDS = ("external", "internal")


class Shipment(Base):
    __tablename__ = "shipments"
    __table_args__ = (
        CheckConstraint("warehouse_kind IN ('external', 'internal')", name="ck_shipments_kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), unique=True)
    shipment_no: Mapped[str] = mapped_column(String(32), unique=True)
    warehouse_kind: Mapped[str] = mapped_column(String(16))
    source_warehouse: Mapped[str] = mapped_column(String(100))
    carrier: Mapped[str] = mapped_column(String(100))
    waybill_no: Mapped[str | None] = mapped_column(String(64))
    shipped_on: Mapped[date] = mapped_column(Date)
    # The carrier's report that the customer signed (R7 counts working days from it).
    delivered_on: Mapped[date | None] = mapped_column(Date, index=True)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    order: Mapped[Order] = relationship()
    lines: Mapped[list[ShipmentLine]] = relationship(
        back_populates="shipment", cascade="all, delete-orphan"
    )


class ShipmentLine(Base):
    __tablename__ = "shipment_lines"
    __table_args__ = (
        UniqueConstraint("shipment_id", "order_line_id"),
        CheckConstraint("quantity >= 0", name="ck_shipment_lines_quantity"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    shipment_id: Mapped[int] = mapped_column(ForeignKey("shipments.id"), index=True)
    order_line_id: Mapped[int] = mapped_column(ForeignKey("order_lines.id"))
    quantity: Mapped[int]

    shipment: Mapped[Shipment] = relationship(back_populates="lines")
    order_line: Mapped[OrderLine] = relationship()
