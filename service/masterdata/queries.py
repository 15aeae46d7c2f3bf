"""Reading master data, and look-ups by the codes users type (a miss names the field).

Every feature reads customers, DCs, contracts and items through here."""

from __future__ import annotations

from datetime import date

from sqlalchemy import ScalarSelect, select
from sqlalchemy.orm import Session, selectinload

from service.context import Context
from service.errors import Invalid, NotFound
from service.masterdata.models import Contract, ContractPrice, Customer, Item, Warehouse
from service.masterdata.schemas import ContractOut, ContractPriceOut, CustomerOut, ItemOut


def customer_by_code(session: Session, code: str, *, field: str = "customer_code") -> Customer:
    customer = session.scalar(select(Customer).where(Customer.code == code))
    if customer is None:
        raise Invalid("customer.unknown", field=field, customer_code=code)
    return customer


def customer_id(code: str) -> ScalarSelect[int]:
    """The id of the customer with `code`, as a subquery: a filter by an unknown customer
    finds nothing (a list, not a refusal)."""
    return select(Customer.id).where(Customer.code == code).scalar_subquery()


def warehouse_by_code(
    session: Session, customer: Customer, code: str, *, field: str = "dc_code"
) -> Warehouse:
    warehouse = session.scalar(
        select(Warehouse).where(Warehouse.customer_id == customer.id, Warehouse.code == code)
    )
    if warehouse is None:
        raise Invalid("customer.no_such_dc", field=field, customer=customer.code, dc_code=code)
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
        raise Invalid("customer.no_contract_in_force", field=field, customer=customer.code, day=day)
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


def customers(session: Session, _ctx: Context) -> list[CustomerOut]:
    found = session.scalars(
        select(Customer).options(selectinload(Customer.warehouses)).order_by(Customer.code)
    )
    return [customer_out(c) for c in found]


def _addressed(session: Session, code: str) -> Customer:
    """The customer a path names: 404 when there is none."""
    found = session.scalar(select(Customer).where(Customer.code == code))
    if found is None:
        raise NotFound("customer.not_found", field="code", customer_code=code)
    return found


def customer(session: Session, _ctx: Context, *, code: str) -> CustomerOut:
    return customer_out(_addressed(session, code))


def contracts(session: Session, _ctx: Context, *, code: str) -> list[ContractOut]:
    owner = _addressed(session, code)
    found = session.scalars(
        select(Contract)
        .where(Contract.customer_id == owner.id)
        .options(selectinload(Contract.prices).joinedload(ContractPrice.item))
        .order_by(Contract.valid_from)
    )
    return [contract_out(c) for c in found]


def items(session: Session, _ctx: Context) -> list[ItemOut]:
    return [ItemOut.model_validate(i) for i in session.scalars(select(Item).order_by(Item.code))]
