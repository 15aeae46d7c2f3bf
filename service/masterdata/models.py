"""Master data tables (DOMAIN.md "Master data")."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import ClassVar

from sqlalchemy import JSON, CheckConstraint, Date, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from service.db import Base, Money, ScaledDecimal, UTCDateTime, utcnow

GRADES = ("A", "B", "C")
INVOICE_ROUTES = ("branch", "settlement_centre")
DISCOUNT_MODES = ("on_invoice", "receipt_offset", "red_letter")
RETURN_CREDIT_METHODS = ("red_letter", "customer_blue_invoice", "next_invoice_deduction")

Rate = ScaledDecimal(4, 8)


class Customer(Base):
    """A key account (大客户) with its grade, credit and settlement terms; `active` or
    `suspended` (workflows/definitions/customer.yaml)."""

    __machine__: ClassVar[str] = "customer"
    __tablename__ = "customers"
    __table_args__ = (
        CheckConstraint(
            "reconciliation_lead_days BETWEEN 1 AND 15", name="ck_customers_recon_lead"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    # Its taxpayer identification number (纳税人识别号), printed as the buyer's; "" = not recorded.
    tax_no: Mapped[str] = mapped_column(String(20), default="")
    branch: Mapped[str] = mapped_column(String(100), default="")
    grade: Mapped[str] = mapped_column(String(8))
    credit_limit: Mapped[Decimal] = mapped_column(Money)
    reconciliation_lead_days: Mapped[int] = mapped_column(default=3)
    invoice_delivery: Mapped[str] = mapped_column(String(32), default="branch")
    settlement_centre_address: Mapped[str | None] = mapped_column(Text)
    discount_mode: Mapped[str] = mapped_column(String(32), default="on_invoice")
    return_credit_methods: Mapped[list[str]] = mapped_column(JSON, default=list)
    state: Mapped[str] = mapped_column(String(16))
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    warehouses: Mapped[list[Warehouse]] = relationship(
        back_populates="customer", order_by="Warehouse.id", cascade="all, delete-orphan"
    )
    contracts: Mapped[list[Contract]] = relationship(back_populates="customer")
    # Its payment terms, newest version first (R19): the one source of its terms.
    payment_terms: Mapped[list[PaymentTerms]] = relationship(
        back_populates="customer",
        order_by="PaymentTerms.effective_from.desc()",
        cascade="all, delete-orphan",
    )


class PaymentTerms(Base):
    """One version of a customer's payment terms (账期, 结款日, R19): it applies to goods the
    customer receives from `effective_from` until the next version's date (service/duedates.py
    says what `basis`, `days`, `day_of_month` and `non_working` mean)."""

    __tablename__ = "payment_terms"
    __table_args__ = (
        UniqueConstraint("customer_id", "effective_from", name="uq_payment_terms_effective"),
        CheckConstraint(
            "basis IN ('receipt', 'month_end', 'monthly_day')", name="ck_payment_terms_basis"
        ),
        CheckConstraint("days BETWEEN 0 AND 365", name="ck_payment_terms_days"),
        CheckConstraint(
            "(basis = 'monthly_day' AND day_of_month BETWEEN 1 AND 31) "
            "OR (basis <> 'monthly_day' AND day_of_month IS NULL)",
            name="ck_payment_terms_day_of_month",
        ),
        CheckConstraint(
            "non_working IN ('keep', 'next', 'previous')", name="ck_payment_terms_non_working"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    effective_from: Mapped[date] = mapped_column(Date)
    basis: Mapped[str] = mapped_column(String(16))
    days: Mapped[int]
    day_of_month: Mapped[int | None]
    non_working: Mapped[str] = mapped_column(String(16), default="keep")
    note: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    customer: Mapped[Customer] = relationship(back_populates="payment_terms")


class Warehouse(Base):
    """A customer's receiving distribution centre (收货DC仓库)."""

    __tablename__ = "warehouses"
    __table_args__ = (UniqueConstraint("customer_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    code: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str] = mapped_column(Text, default="")

    customer: Mapped[Customer] = relationship(back_populates="warehouses")


class Item(Base):
    """A product model (商品型号) with its VAT rate."""

    __tablename__ = "items"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    unit: Mapped[str] = mapped_column(String(16), default="台")
    tax_rate: Mapped[Decimal] = mapped_column(Rate, default=Decimal("0.13"))


class Contract(Base):
    """A purchase contract (购销合同): validity, discount terms and the agreed price list.

    Its lifecycle only journals its changes; whether it is in force on a day is its validity."""

    __machine__: ClassVar[str] = "contract"
    __tablename__ = "contracts"
    __table_args__ = (CheckConstraint("valid_from <= valid_to", name="ck_contracts_validity"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    contract_no: Mapped[str] = mapped_column(String(64), unique=True)
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date] = mapped_column(Date)
    discount_rate: Mapped[Decimal] = mapped_column(Rate, default=Decimal("0"))
    rebate_terms: Mapped[str] = mapped_column(Text, default="")
    prices_include_tax: Mapped[bool] = mapped_column(default=True)
    state: Mapped[str] = mapped_column(String(16))
    version: Mapped[int] = mapped_column(default=1)

    customer: Mapped[Customer] = relationship(back_populates="contracts")
    prices: Mapped[list[ContractPrice]] = relationship(
        back_populates="contract", cascade="all, delete-orphan"
    )

    def in_force_on(self, day: date) -> bool:
        return self.valid_from <= day <= self.valid_to


class ContractPrice(Base):
    """The agreed price of one item under one contract (合同协议价格)."""

    __tablename__ = "contract_prices"
    __table_args__ = (
        UniqueConstraint("contract_id", "item_id"),
        CheckConstraint("unit_price > 0", name="ck_contract_prices_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contracts.id"))
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"))
    unit_price: Mapped[Decimal] = mapped_column(Money)

    contract: Mapped[Contract] = relationship(back_populates="prices")
    item: Mapped[Item] = relationship()


class PowerOfAttorney(Base):
    """Who may reconcile and collect for the supplier at a customer (授权委托书, R28): valid no
    longer than its contract; `valid` until revoked or replaced (power_of_attorney.yaml)."""

    __machine__: ClassVar[str] = "power_of_attorney"
    __tablename__ = "powers_of_attorney"
    __table_args__ = (CheckConstraint("valid_from <= valid_to", name="ck_poa_validity"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    contract_id: Mapped[int | None] = mapped_column(ForeignKey("contracts.id"))
    attorney_name: Mapped[str] = mapped_column(String(100))
    id_number: Mapped[str | None] = mapped_column(String(32))
    phone: Mapped[str | None] = mapped_column(String(32))
    scope: Mapped[list[str]] = mapped_column(JSON, default=list)
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date] = mapped_column(Date)
    state: Mapped[str] = mapped_column(String(16))
    version: Mapped[int] = mapped_column(default=1)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revocation_reason: Mapped[str | None] = mapped_column(Text)
    replaced_by_id: Mapped[int | None] = mapped_column(ForeignKey("powers_of_attorney.id"))
    # The day the person named left (or will leave) the customer, as sales or HQ learnt it; the
    # power of attorney must then be replaced (R28).
    person_left_on: Mapped[date | None] = mapped_column(Date)
    person_left_note: Mapped[str | None] = mapped_column(Text)

    customer: Mapped[Customer] = relationship()
    contract: Mapped[Contract | None] = relationship()
