"""Purchase contracts: HQ adds one with its prices and changes it (validity, discount, rebate
terms, prices), journalled with before and after (workflows/definitions/contract.yaml).

One contract of a customer is in force at a time; an order keeps the prices it was made with,
so a price change applies to orders made from then on. A contract's period keeps every order
still to be invoiced that it priced, and every power of attorney given under it (R28).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from service.context import Context
from service.errors import Conflict, Invalid
from service.masterdata import alerts, changes, queries
from service.masterdata.models import Contract, ContractPrice, Customer, Item, PowerOfAttorney
from service.masterdata.schemas import ContractIn, ContractOut, ContractPriceIn, ContractUpdate
from service.orders.models import Order
from service.workflow import Workflows

# The order states in which an order is priced by its contract and not yet invoiced.
PENDING_TAGS = ("awaiting_credit", "committed")


def _priced(session: Session, prices: list[ContractPriceIn]) -> dict[str, tuple[Item, Decimal]]:
    """Each item of the price list with its price; an unknown item or one priced twice is
    refused naming the line."""
    items = queries.items_by_code(session, {p.item_code for p in prices})
    priced: dict[str, tuple[Item, Decimal]] = {}
    for index, price in enumerate(prices):
        field = f"prices[{index}].item_code"
        item = items.get(price.item_code)
        if item is None:
            raise Invalid("item.unknown", field=field, item_code=price.item_code)
        if item.code in priced:
            raise Invalid("contract.item_priced_twice", field=field, item_code=item.code)
        priced[item.code] = (item, price.unit_price)
    return priced


def _lock(session: Session, customer: Customer) -> None:
    """One writer of a customer's contracts at a time (PostgreSQL; SQLite writers queue)."""
    session.execute(select(Customer.id).where(Customer.id == customer.id).with_for_update())


def _refuse_overlap(
    session: Session, customer: Customer, valid_from: date, valid_to: date, *, other_than: int = 0
) -> None:
    overlapping = session.scalar(
        select(Contract)
        .where(
            Contract.customer_id == customer.id,
            Contract.id != other_than,
            Contract.valid_from <= valid_to,
            Contract.valid_to >= valid_from,
        )
        .order_by(Contract.valid_from)
        .limit(1)
    )
    if overlapping is not None:
        raise Conflict(
            "contract.overlaps",
            field="valid_from",
            contract=overlapping.contract_no,
            valid_from=overlapping.valid_from,
            valid_to=overlapping.valid_to,
        )


def _built(session: Session, data: ContractIn) -> Contract:
    customer = queries.customer_by_code(session, data.customer_code)
    if session.scalar(select(Contract.id).where(Contract.contract_no == data.contract_no)):
        raise Conflict("contract.exists", field="contract_no", contract=data.contract_no)
    _lock(session, customer)
    _refuse_overlap(session, customer, data.valid_from, data.valid_to)
    priced = _priced(session, data.prices)
    return Contract(
        customer=customer,
        **data.model_dump(exclude={"customer_code", "prices"}),
        prices=[ContractPrice(item=item, unit_price=price) for item, price in priced.values()],
    )


def new_contract(
    session: Session, data: ContractIn, *, workflows: Workflows, actor: str = "seed"
) -> Contract:
    """A new contract with its prices, journalled as made by `actor` (seeds and tests; the API
    calls `create_contract`)."""
    contract = _built(session, data)
    workflows.create(session, contract, actor=actor, payload=data.model_dump(mode="json"))
    return contract


def create_contract(
    session: Session, ctx: Context, *, data: ContractIn, how: str = "create"
) -> ContractOut:
    """A new contract with its prices; `how` names its creation in the journal (`import`)."""
    contract = _built(session, data)
    ctx.create(session, contract, payload=data.model_dump(mode="json"), how=how)
    alerts.refresh(session, ctx, contract.customer_id)
    return queries.contract_out(contract, ctx.workflows.flow(Contract))


def _refuse_leaving_out(
    session: Session, ctx: Context, contract: Contract, valid_from: date, valid_to: date
) -> None:
    """The new period keeps the orders the contract priced that are still to be invoiced, and
    the powers of attorney given under it that are not revoked."""
    pending = [s for tag in PENDING_TAGS for s in ctx.workflows.tagged(Order, tag)]
    order = session.scalar(
        select(Order)
        .where(
            Order.contract_id == contract.id,
            Order.state.in_(pending),
            or_(Order.order_date < valid_from, Order.order_date > valid_to),
        )
        .order_by(Order.order_date, Order.id)
        .limit(1)
    )
    if order is not None:
        raise Conflict(
            "contract.excludes_pending_order",
            field="valid_to" if order.order_date > valid_to else "valid_from",
            contract=contract.contract_no,
            order_id=order.id,
            customer_po_no=order.customer_po_no,
            order_date=order.order_date,
        )
    attorney = session.scalar(
        select(PowerOfAttorney)
        .where(
            PowerOfAttorney.contract_id == contract.id,
            PowerOfAttorney.revoked_at.is_(None),
            or_(PowerOfAttorney.valid_from < valid_from, PowerOfAttorney.valid_to > valid_to),
        )
        .order_by(PowerOfAttorney.id)
        .limit(1)
    )
    if attorney is not None:
        raise Conflict(
            "contract.excludes_attorney",
            field="valid_to" if attorney.valid_to > valid_to else "valid_from",
            contract=contract.contract_no,
            attorney_id=attorney.id,
            attorney_name=attorney.attorney_name,
            valid_from=attorney.valid_from,
            valid_to=attorney.valid_to,
        )


def update_contract(
    session: Session, ctx: Context, *, contract_no: str, data: ContractUpdate
) -> ContractOut:
    """HQ changes a contract's validity, discount rate, rebate terms or prices (the whole list:
    an item left out loses its price)."""
    contract = queries.addressed_contract(session, contract_no)
    priced = _priced(session, data.prices)
    after = data.model_dump(include={"valid_from", "valid_to", "discount_rate", "rebate_terms"})
    changed = changes.fields({name: getattr(contract, name) for name in after}, after)
    prices_before = {p.item.code: p.unit_price for p in contract.prices}
    prices_after = {code: price for code, (_item, price) in priced.items()}
    prices = changes.entries(prices_before, prices_after)
    if prices:
        changed["prices"] = prices
    _lock(session, contract.customer)
    changes.journal_update(session, ctx, contract, changed)
    if "valid_from" in changed or "valid_to" in changed:
        _refuse_overlap(
            session, contract.customer, data.valid_from, data.valid_to, other_than=contract.id
        )
        _refuse_leaving_out(session, ctx, contract, data.valid_from, data.valid_to)
    for name, change in changed.items():
        if name != "prices":
            setattr(contract, name, change["after"])
    for line in list(contract.prices):
        if line.item.code not in prices_after:
            contract.prices.remove(line)  # deleted with it (delete-orphan)
        else:
            line.unit_price = prices_after[line.item.code]
    for code, (item, price) in priced.items():
        if code not in prices_before:
            contract.prices.append(ContractPrice(item=item, unit_price=price))
    session.flush()
    if "valid_from" in changed or "valid_to" in changed:
        alerts.refresh(session, ctx, contract.customer_id)
    return queries.contract_out(contract, ctx.workflows.flow(Contract))
