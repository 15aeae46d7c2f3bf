"""Create master data (HQ keeps customers, contracts and items) and show it."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.context import Context
from service.errors import Conflict, Invalid
from service.masterdata import queries
from service.masterdata.models import Contract, ContractPrice, Customer, Item, Warehouse
from service.masterdata.schemas import (
    ContractIn,
    ContractOut,
    CustomerIn,
    CustomerOut,
    ItemIn,
    ItemOut,
)


def new_customer(session: Session, data: CustomerIn) -> Customer:
    """A new customer with its DCs (seeds and tests call this; the API the use case below)."""
    if session.scalar(select(Customer.id).where(Customer.code == data.code)) is not None:
        raise Conflict("customer.exists", field="code", customer_code=data.code)
    codes = [w.code for w in data.warehouses]
    if len(codes) != len(set(codes)):
        raise Invalid("customer.dc_codes_not_unique", field="warehouses")
    customer = Customer(
        **data.model_dump(exclude={"warehouses"}),
        warehouses=[Warehouse(**w.model_dump()) for w in data.warehouses],
    )
    session.add(customer)
    session.flush()
    return customer


def new_item(session: Session, data: ItemIn) -> Item:
    if session.scalar(select(Item.id).where(Item.code == data.code)) is not None:
        raise Conflict("item.exists", field="code", item_code=data.code)
    item = Item(**data.model_dump())
    session.add(item)
    session.flush()
    return item


def new_contract(session: Session, data: ContractIn) -> Contract:
    customer = queries.customer_by_code(session, data.customer_code)
    if session.scalar(select(Contract.id).where(Contract.contract_no == data.contract_no)):
        raise Conflict("contract.exists", field="contract_no", contract=data.contract_no)
    overlapping = session.scalar(
        select(Contract).where(
            Contract.customer_id == customer.id,
            Contract.valid_from <= data.valid_to,
            Contract.valid_to >= data.valid_from,
        )
    )
    if overlapping is not None:
        raise Conflict(
            "contract.overlaps",
            field="valid_from",
            contract=overlapping.contract_no,
            valid_from=overlapping.valid_from,
            valid_to=overlapping.valid_to,
        )
    items = queries.items_by_code(session, {p.item_code for p in data.prices})
    prices = []
    seen = set()
    for index, price in enumerate(data.prices):
        item = items.get(price.item_code)
        if item is None:
            raise Invalid(
                "item.unknown", field=f"prices[{index}].item_code", item_code=price.item_code
            )
        if item.id in seen:
            raise Invalid(
                "contract.item_priced_twice",
                field=f"prices[{index}].item_code",
                item_code=item.code,
            )
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


def create_customer(session: Session, _ctx: Context, *, data: CustomerIn) -> CustomerOut:
    return queries.customer_out(new_customer(session, data))


def create_item(session: Session, _ctx: Context, *, data: ItemIn) -> ItemOut:
    return ItemOut.model_validate(new_item(session, data))


def create_contract(session: Session, _ctx: Context, *, data: ContractIn) -> ContractOut:
    return queries.contract_out(new_contract(session, data))
