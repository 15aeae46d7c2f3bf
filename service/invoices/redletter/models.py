"""Red-letter information confirmation forms and their negative lines."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any, ClassVar

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from service.db import Base, Money, UTCDateTime, utcnow
from service.invoices.models import Invoice
from service.masterdata.models import Item

# 1 开票有误, 2 销货退回, 3 服务中止, 4 销售折让.
REASONS = ("issuing_error", "sales_return", "service_stopped", "sales_discount")
SIDES = ("seller", "buyer")


class RedLetterForm(Base):
    """红字发票信息确认单: what a red invoice against `blue_invoice_id` may reverse, line by line.

    `initiated_at` starts the 72-hour clock of a form waiting on the other side; `expires_at` is
    when the scheduler voids it (exactly once: the lifecycle's `expire` leaves a waiting state).
    """

    __machine__: ClassVar[str] = "red_letter_form"
    __tablename__ = "red_letter_forms"
    __table_args__ = (
        CheckConstraint(
            "reason IN ('issuing_error', 'sales_return', 'service_stopped', 'sales_discount')",
            name="ck_red_letter_forms_reason",
        ),
        CheckConstraint("initiator IN ('seller', 'buyer')", name="ck_red_letter_forms_initiator"),
        Index("ix_red_letter_forms_state_expires", "state", "expires_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    form_no: Mapped[str] = mapped_column(String(32), unique=True)
    # The number the tax platform gave the form, once submitted.
    platform_no: Mapped[str | None] = mapped_column(String(32), unique=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    blue_invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id"), index=True)
    # The return it credits (reason sales_return), when it comes from one.
    return_id: Mapped[int | None] = mapped_column(ForeignKey("returns.id"), index=True)
    reason: Mapped[str] = mapped_column(String(16))
    initiator: Mapped[str] = mapped_column(String(8), default="seller")
    state: Mapped[str] = mapped_column(String(24))
    version: Mapped[int] = mapped_column(default=1)
    initiated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    void_reason: Mapped[str] = mapped_column(Text, default="")
    # Positive magnitudes: what the red invoice will take back (its lines are their negatives).
    amount: Mapped[Decimal] = mapped_column(Money)
    tax: Mapped[Decimal] = mapped_column(Money)
    total: Mapped[Decimal] = mapped_column(Money)
    red_invoice_id: Mapped[int | None] = mapped_column(ForeignKey("invoices.id"), unique=True)
    # Seller and buyer as they stood when finance entered it (service/parties.py).
    parties: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    blue_invoice: Mapped[Invoice] = relationship(foreign_keys=[blue_invoice_id])
    lines: Mapped[list[RedLetterFormLine]] = relationship(
        back_populates="form", order_by="RedLetterFormLine.line_no", cascade="all, delete-orphan"
    )


class RedLetterFormLine(Base):
    """One line of the blue invoice taken back: a quantity, its amount and tax, as magnitudes
    (the red invoice's line is their negative). Goods taken back are positive; the share of a
    discount line taken back with them is negative, and so is, in a reissue's form reversing
    everything, a return deduction the blue invoice carried (it is given back)."""

    __tablename__ = "red_letter_form_lines"
    __table_args__ = (UniqueConstraint("form_id", "line_no"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    form_id: Mapped[int] = mapped_column(ForeignKey("red_letter_forms.id"), index=True)
    line_no: Mapped[int]
    blue_line_id: Mapped[int] = mapped_column(ForeignKey("invoice_lines.id"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"))
    quantity: Mapped[int]
    amount: Mapped[Decimal] = mapped_column(Money)
    tax: Mapped[Decimal] = mapped_column(Money)

    form: Mapped[RedLetterForm] = relationship(back_populates="lines")
    item: Mapped[Item] = relationship()
