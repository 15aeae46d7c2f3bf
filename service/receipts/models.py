"""Receipts, the quantities actually received per line, and the exceptions found at receipt."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from service.db import Base, Money, UTCDateTime, utcnow
from service.evidence import Attachment
from service.masterdata.models import Item
from service.orders.models import Order, OrderLine
from service.shipments.models import Shipment

EXCEPTION_KINDS = ("shortage", "substitution")


class Receipt(Base):
    """The customer's signed receipt; its date starts the payment term (R19)."""

    __tablename__ = "receipts"
    __table_args__ = (UniqueConstraint("customer_id", "receipt_no", name="uq_receipts_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), unique=True)
    shipment_id: Mapped[int] = mapped_column(ForeignKey("shipments.id"))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    # Indexed alone too: people find an order by its receipt number without naming the customer.
    receipt_no: Mapped[str] = mapped_column(String(64), index=True)
    receipt_date: Mapped[date] = mapped_column(Date, index=True)
    note: Mapped[str] = mapped_column(Text, default="")
    posted_by: Mapped[str] = mapped_column(String(64))
    # Brought over from the old system at go-live (`o2c import`), not made here.
    imported: Mapped[bool] = mapped_column(default=False, server_default=false())
    posted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # R7, internal-warehouse shipments only: the carrier must report within 2 working days.
    reported_on: Mapped[date | None] = mapped_column(Date)
    report_deadline: Mapped[date | None] = mapped_column(Date)
    reported_late: Mapped[bool | None]

    order: Mapped[Order] = relationship()
    shipment: Mapped[Shipment] = relationship()
    lines: Mapped[list[ReceiptLine]] = relationship(
        back_populates="receipt", cascade="all, delete-orphan", order_by="ReceiptLine.id"
    )
    exceptions: Mapped[list[ReceiptException]] = relationship(
        back_populates="receipt", cascade="all, delete-orphan", order_by="ReceiptException.id"
    )
    evidence: Mapped[list[Attachment]] = relationship(secondary="receipt_attachments")


class ReceiptLine(Base):
    """What the customer received against one order line: quantity and the model received."""

    __tablename__ = "receipt_lines"
    __table_args__ = (
        UniqueConstraint("receipt_id", "order_line_id", "received_item_id"),
        CheckConstraint("received_qty >= 0", name="ck_receipt_lines_quantity"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    receipt_id: Mapped[int] = mapped_column(ForeignKey("receipts.id"), index=True)
    order_line_id: Mapped[int] = mapped_column(ForeignKey("order_lines.id"))
    received_item_id: Mapped[int] = mapped_column(ForeignKey("items.id"))
    received_qty: Mapped[int]

    receipt: Mapped[Receipt] = relationship(back_populates="lines")
    order_line: Mapped[OrderLine] = relationship()
    received_item: Mapped[Item] = relationship()


class ReceiptException(Base):
    """A shortage or substitution found at receipt (R8), worked to its end by its lifecycle
    (workflows/definitions/receipt_exception.yaml): a shortage re-delivered, claimed from the
    carrier or accepted by sales; a substitution accepted as received or returned.

    The `receipt_exception` rule set proposes the path and the owner (`decision`); the person who
    takes a path is journaled with the reason, and `path` keeps the one taken.
    """

    __machine__: ClassVar[str] = "receipt_exception"
    __tablename__ = "receipt_exceptions"
    __table_args__ = (
        CheckConstraint("kind IN ('shortage', 'substitution')", name="ck_receipt_exc_kind"),
        CheckConstraint(
            "redelivered_qty IS NULL OR redelivered_qty > 0", name="ck_receipt_exc_redelivered"
        ),
        Index("ix_receipt_exceptions_state_created", "state", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    receipt_id: Mapped[int] = mapped_column(ForeignKey("receipts.id"), index=True)
    order_line_id: Mapped[int] = mapped_column(ForeignKey("order_lines.id"))
    kind: Mapped[str] = mapped_column(String(16))
    expected_item_id: Mapped[int] = mapped_column(ForeignKey("items.id"))
    received_item_id: Mapped[int | None] = mapped_column(ForeignKey("items.id"))
    shipped_qty: Mapped[int]
    received_qty: Mapped[int]
    quantity: Mapped[int]
    state: Mapped[str] = mapped_column(String(16), default="open")
    version: Mapped[int] = mapped_column(default=1, server_default="1")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The rules' proposal (path, owner, explanation) and the path a person took.
    owner_role: Mapped[str] = mapped_column(
        String(16), default="logistics", server_default="logistics"
    )
    decision: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    path: Mapped[str | None] = mapped_column(String(16))
    decided_by: Mapped[str | None] = mapped_column(String(64))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reason: Mapped[str] = mapped_column(Text, default="", server_default="")
    # Re-delivery: the follow-up delivery and its own signed receipt.
    redelivery_shipped_on: Mapped[date | None] = mapped_column(Date)
    redelivery_waybill_no: Mapped[str | None] = mapped_column(String(64))
    redelivery_receipt_no: Mapped[str | None] = mapped_column(String(64), index=True)
    redelivery_receipt_date: Mapped[date | None] = mapped_column(Date)
    redelivered_qty: Mapped[int | None]
    redelivery_scan_id: Mapped[int | None] = mapped_column(
        ForeignKey("attachments.id", name="fk_receipt_exc_redelivery_scan")
    )
    # A claim on the carrier: what is claimed with its evidence, and how it ended.
    claim_amount: Mapped[Decimal | None] = mapped_column(Money)
    claim_evidence_id: Mapped[int | None] = mapped_column(
        ForeignKey("attachments.id", name="fk_receipt_exc_claim_evidence")
    )
    claimed_on: Mapped[date | None] = mapped_column(Date)
    claim_settled_amount: Mapped[Decimal | None] = mapped_column(Money)
    claim_closed_on: Mapped[date | None] = mapped_column(Date)
    # A substitution sent back through the return flow.
    return_id: Mapped[int | None] = mapped_column(
        ForeignKey("returns.id", name="fk_receipt_exc_return")
    )

    receipt: Mapped[Receipt] = relationship(back_populates="exceptions")
    order_line: Mapped[OrderLine] = relationship()
    expected_item: Mapped[Item] = relationship(foreign_keys=[expected_item_id])
    received_item: Mapped[Item | None] = relationship(foreign_keys=[received_item_id])


class ReceiptAttachment(Base):
    __tablename__ = "receipt_attachments"

    receipt_id: Mapped[int] = mapped_column(ForeignKey("receipts.id"), primary_key=True)
    attachment_id: Mapped[int] = mapped_column(ForeignKey("attachments.id"), primary_key=True)
