"""Look-ups of master data by the codes users type; a miss is an error naming the field."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from service.errors import Invalid
from service.masterdata.models import Contract, Customer, Item, Warehouse


def customer_by_code(session: Session, code: str, *, field: str = "customer_code") -> Customer:
    customer = session.scalar(select(Customer).where(Customer.code == code))
    if customer is None:
        raise Invalid(f"unknown customer {code!r}", field=field)
    return customer


def warehouse_by_code(
    session: Session, customer: Customer, code: str, *, field: str = "dc_code"
) -> Warehouse:
    warehouse = session.scalar(
        select(Warehouse).where(Warehouse.customer_id == customer.id, Warehouse.code == code)
    )
    if warehouse is None:
        raise Invalid(f"customer {customer.code} has no receiving DC {code!r}", field=field)
    return warehouse


def items_by_code(session: Session, codes: set[str]) -> dict[str, Item]:
    return {i.code: i for i in session.scalars(select(Item).where(Item.code.in_(codes)))}


def contract_in_force(
    session: Session, customer: Customer, day: date, *, field: str = "customer_code"
) -> Contract:
    """The customer's contract in force on `day` (the newest, should two overlap)."""
    contract = session.scalar(
        select(Contract)
        .where(
            Contract.customer_id == customer.id,
            Contract.valid_from <= day,
            Contract.valid_to >= day,
        )
        .order_by(Contract.valid_from.desc(), Contract.id.desc())
        .options(selectinload(Contract.prices))
        .limit(1)
    )
    if contract is None:
        raise Invalid(
            f"customer {customer.code} has no purchase contract in force on {day}", field=field
        )
    return contract
