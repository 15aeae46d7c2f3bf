"""Create and read master data (HQ keeps customers, contracts and items)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from service.errors import Conflict, Invalid
from service.masterdata import queries
from service.masterdata.models import Contract, ContractPrice, Customer, Item, Warehouse
from service.masterdata.schemas import (
    ContractIn,
    ContractOut,
    ContractPriceOut,
    CustomerIn,
    CustomerOut,
    ItemIn,
)


def create_customer(session: Session, data: CustomerIn) -> Customer:
    if session.scalar(select(Customer.id).where(Customer.code == data.code)) is not None:
        raise Conflict(f"customer {data.code} already exists", field="code")
    codes = [w.code for w in data.warehouses]
    if len(codes) != len(set(codes)):
        raise Invalid("warehouse codes must be unique", field="warehouses")
    customer = Customer(
        **data.model_dump(exclude={"warehouses"}),
        warehouses=[Warehouse(**w.model_dump()) for w in data.warehouses],
    )
    session.add(customer)
    session.flush()
    return customer


def create_item(session: Session, data: ItemIn) -> Item:
    if session.scalar(select(Item.id).where(Item.code == data.code)) is not None:
        raise Conflict(f"item {data.code} already exists", field="code")
    item = Item(**data.model_dump())
    session.add(item)
    session.flush()
    return item


def create_contract(session: Session, data: ContractIn) -> Contract:
    customer = queries.customer_by_code(session, data.customer_code)
    if session.scalar(select(Contract.id).where(Contract.contract_no == data.contract_no)):
        raise Conflict(f"contract {data.contract_no} already exists", field="contract_no")
    overlapping = session.scalar(
        select(Contract).where(
            Contract.customer_id == customer.id,
            Contract.valid_from <= data.valid_to,
            Contract.valid_to >= data.valid_from,
        )
    )
    if overlapping is not None:
        raise Conflict(
            f"contract {overlapping.contract_no} already covers {overlapping.valid_from} to "
            f"{overlapping.valid_to}; one contract is in force at a time",
            field="valid_from",
        )
    items = queries.items_by_code(session, {p.item_code for p in data.prices})
    prices = []
    seen = set()
    for index, price in enumerate(data.prices):
        item = items.get(price.item_code)
        if item is None:
            raise Invalid(f"unknown item {price.item_code!r}", field=f"prices[{index}].item_code")
        if item.id in seen:
            raise Invalid(f"item {item.code} priced twice", field=f"prices[{index}].item_code")
        seen.add(item.id)
        prices.append(ContractPrice(item=item, unit_price=price.unit_price))
    contract = Contract(
        customer=customer,
        **data.model_dump(exclude={"customer_code", "prices"}),
        prices=prices,
    )
    session.add(contract)
    session.flush()
    return contract


def customer_out(customer: Customer) -> CustomerOut:
    return CustomerOut.model_validate(customer)


def contract_out(contract: Contract) -> ContractOut:
    return ContractOut(
        id=contract.id,
        customer_code=contract.customer.code,
        contract_no=contract.contract_no,
        valid_from=contract.valid_from,
        valid_to=contract.valid_to,
        discount_rate=contract.discount_rate,
        rebate_terms=contract.rebate_terms,
        prices_include_tax=contract.prices_include_tax,
        prices=[
            ContractPriceOut(item_code=p.item.code, unit_price=p.unit_price)
            for p in sorted(contract.prices, key=lambda p: p.item.code)
        ],
    )


def list_customers(session: Session) -> list[Customer]:
    return list(
        session.scalars(
            select(Customer).options(selectinload(Customer.warehouses)).order_by(Customer.code)
        )
    )


def list_contracts(session: Session, customer: Customer) -> list[Contract]:
    return list(
        session.scalars(
            select(Contract)
            .where(Contract.customer_id == customer.id)
            .options(selectinload(Contract.prices).joinedload(ContractPrice.item))
            .order_by(Contract.valid_from)
        )
    )
