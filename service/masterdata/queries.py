"""Reading master data, and look-ups by the codes users type (a miss names the field).

Every feature reads customers, DCs, contracts, powers of attorney and items through here."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import ScalarSelect, func, or_, select
from sqlalchemy.orm import Session, joinedload, selectinload

from service import journal
from service.context import Context
from service.duedates import Terms
from service.errors import Invalid, NotFound
from service.masterdata.models import (
    Contract,
    ContractPrice,
    Customer,
    Item,
    PaymentTerms,
    PowerOfAttorney,
    Warehouse,
)
from service.masterdata.schemas import (
    AttorneyOut,
    ContractOut,
    ContractPriceOut,
    CustomerOut,
    ItemOut,
    WarehouseOut,
)
from service.parties import Parties
from service.schemas import EventOut
from workflows import Flow


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


def terms_of(version: PaymentTerms) -> Terms:
    return Terms(version.basis, version.days, version.day_of_month, version.non_working)


def in_force(versions: Sequence[PaymentTerms], day: date) -> PaymentTerms:
    """The version in force on `day` of a customer's versions (any order): the latest that took
    effect on or before it; the first one for a day before every version."""
    ordered = sorted(versions, key=lambda v: v.effective_from)
    found = [v for v in ordered if v.effective_from <= day]
    return found[-1] if found else ordered[0]


def payment_terms(session: Session, customer_id: int, received_on: date) -> Terms:
    """The customer's payment terms for goods received on `received_on` (R19): the version in
    force on that day."""
    versions = session.scalars(
        select(PaymentTerms).where(PaymentTerms.customer_id == customer_id)
    ).all()
    assert versions  # every customer is made with its first version
    return terms_of(in_force(versions, received_on))


def terms_by_customer(
    session: Session, customer_ids: Iterable[int]
) -> dict[int, list[PaymentTerms]]:
    """The versions of the payment terms of many customers at once (the scheduler's scans)."""
    found: dict[int, list[PaymentTerms]] = {}
    ids = sorted(set(customer_ids))
    for start in range(0, len(ids), 500):
        rows = session.scalars(
            select(PaymentTerms).where(PaymentTerms.customer_id.in_(ids[start : start + 500]))
        )
        for row in rows:
            found.setdefault(row.customer_id, []).append(row)
    return found


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


def parties_now(ctx: Context, customer: Customer) -> Parties:
    """Our company (the settings) and the customer (its master data) as a document names them
    today."""
    return Parties.now(ctx.settings.seller, buyer_name=customer.name, buyer_tax_no=customer.tax_no)


@dataclass(frozen=True)
class ContractTerms:
    """What a contract said at some moment: its prices by item code and its discount rate."""

    prices: dict[str, Decimal]
    discount_rate: Decimal


def contract_after(session: Session, contract: Contract, event_id: int) -> ContractTerms:
    """The contract's prices and discount rate as they stood once journal row `event_id` was
    written (an order's creation: R11 and R12 hold an order to its contract of then). HQ changes
    a contract in place and journals each change with what it was before; the current terms are
    taken back through every change journalled since, the latest first."""
    prices = {p.item.code: p.unit_price for p in contract.prices}
    rate = contract.discount_rate
    changes = session.scalars(
        select(journal.Event.payload)
        .where(
            journal.Event.entity_type == Contract.__machine__,
            journal.Event.entity_id == contract.id,
            journal.Event.id > event_id,
        )
        .order_by(journal.Event.id.desc())
    )
    for payload in changes:
        changed = (payload or {}).get("changes") or {}
        if "discount_rate" in changed:
            rate = Decimal(changed["discount_rate"]["before"])
        priced = changed.get("prices") or {}
        for code in priced.get("after", {}):
            prices.pop(code, None)
        prices |= {code: Decimal(price) for code, price in priced.get("before", {}).items()}
    return ContractTerms(prices, rate)


def attorney_valid(
    session: Session, customer_id: int, day: date, scope: str
) -> PowerOfAttorney | None:
    """The power of attorney that lets someone act for the supplier at the customer on `day`
    within `scope` (`reconcile` or `collect`), R28: not revoked (revoking and replacing stamp
    `revoked_at` with the transition), valid on `day`; the newest, should several be."""
    found = session.scalars(
        select(PowerOfAttorney)
        .where(
            PowerOfAttorney.customer_id == customer_id,
            PowerOfAttorney.revoked_at.is_(None),
            PowerOfAttorney.valid_from <= day,
            PowerOfAttorney.valid_to >= day,
        )
        .order_by(PowerOfAttorney.id.desc())
    )
    return next((p for p in found if scope in p.scope), None)


# --- the one way to show each document -----------------------------------------------------


# What CustomerOut shows of the payment terms in force today (the rest are the customer's).
_TERMS_FIELDS = {
    "payment_term_days": "days",
    "settlement_kind": "basis",
    "settlement_day": "day_of_month",
    "non_working": "non_working",
    "terms_effective_from": "effective_from",
}
_CUSTOMER_COLUMNS = tuple(
    name
    for name in CustomerOut.model_fields
    if name not in {"warehouses", "allowed_triggers", *_TERMS_FIELDS}
)


def terms_fields(customer: Customer, today: date) -> dict[str, Any]:
    """The customer's terms in force `today` as CustomerOut (and its PUT) name them."""
    version = in_force(customer.payment_terms, today)
    return {name: getattr(version, column) for name, column in _TERMS_FIELDS.items()}


def customer_out(customer: Customer, flow: Flow, today: date) -> CustomerOut:
    return CustomerOut(
        **{name: getattr(customer, name) for name in _CUSTOMER_COLUMNS},
        **terms_fields(customer, today),
        warehouses=[WarehouseOut.model_validate(w) for w in customer.warehouses],
        allowed_triggers=flow.allowed_triggers(customer.state),
    )


def contract_out(contract: Contract, flow: Flow) -> ContractOut:
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
        state=contract.state,
        version=contract.version,
        allowed_triggers=flow.allowed_triggers(contract.state),
    )


def attorney_out(attorney: PowerOfAttorney, flow: Flow) -> AttorneyOut:
    return AttorneyOut(
        id=attorney.id,
        customer_code=attorney.customer.code,
        contract_no=attorney.contract.contract_no if attorney.contract else None,
        attorney_name=attorney.attorney_name,
        id_number=attorney.id_number,
        phone=attorney.phone,
        scope=attorney.scope,
        valid_from=attorney.valid_from,
        valid_to=attorney.valid_to,
        state=attorney.state,
        version=attorney.version,
        revoked_at=attorney.revoked_at,
        revocation_reason=attorney.revocation_reason,
        replaced_by_id=attorney.replaced_by_id,
        person_left_on=attorney.person_left_on,
        person_left_note=attorney.person_left_note,
        allowed_triggers=flow.allowed_triggers(attorney.state),
    )


# --- documents addressed by a path: 404 when there is none ---------------------------------


def addressed_customer(session: Session, code: str) -> Customer:
    found = session.scalar(
        select(Customer).where(Customer.code == code).options(selectinload(Customer.warehouses))
    )
    if found is None:
        raise NotFound("customer.not_found", field="code", customer_code=code)
    return found


def addressed_contract(session: Session, contract_no: str) -> Contract:
    found = session.scalar(
        select(Contract)
        .where(Contract.contract_no == contract_no)
        .options(
            joinedload(Contract.customer),
            selectinload(Contract.prices).joinedload(ContractPrice.item),
        )
    )
    if found is None:
        raise NotFound("contract.not_found", field="contract_no", contract=contract_no)
    return found


def addressed_attorney(session: Session, attorney_id: int) -> PowerOfAttorney:
    found = session.scalar(
        select(PowerOfAttorney)
        .where(PowerOfAttorney.id == attorney_id)
        .options(joinedload(PowerOfAttorney.customer), joinedload(PowerOfAttorney.contract))
    )
    if found is None:
        raise NotFound("attorney.not_found", field="attorney_id", attorney_id=attorney_id)
    return found


# --- reads the routes answer with ----------------------------------------------------------


def customers(session: Session, ctx: Context) -> list[CustomerOut]:
    found = session.scalars(
        select(Customer)
        .options(selectinload(Customer.warehouses), selectinload(Customer.payment_terms))
        .order_by(Customer.code)
    )
    flow = ctx.workflows.flow(Customer)
    return [customer_out(c, flow, ctx.today) for c in found]


# Customers a page of the list shows.
CUSTOMERS_PAGE = 50


def browse(
    session: Session,
    ctx: Context,
    *,
    q: str | None = None,
    after: str | None = None,
    limit: int = CUSTOMERS_PAGE,
) -> tuple[list[CustomerOut], str | None]:
    """Customers by code, a page at a time after the code `after` (by key, never by offset);
    with `q`, those whose code or name holds it. With the code to go on after, when more
    follow."""
    stmt = (
        select(Customer)
        .options(selectinload(Customer.warehouses), selectinload(Customer.payment_terms))
        .order_by(Customer.code)
        .limit(limit + 1)
    )
    if q:
        needle = q.lower()
        stmt = stmt.where(
            or_(
                func.lower(Customer.code).contains(needle, autoescape=True),
                func.lower(Customer.name).contains(needle, autoescape=True),
            )
        )
    if after:
        stmt = stmt.where(Customer.code > after)
    found = list(session.scalars(stmt))
    flow = ctx.workflows.flow(Customer)
    shown = [customer_out(c, flow, ctx.today) for c in found[:limit]]
    return shown, (shown[-1].code if len(found) > limit else None)


def customer(session: Session, ctx: Context, *, code: str) -> CustomerOut:
    found = addressed_customer(session, code)
    return customer_out(found, ctx.workflows.flow(Customer), ctx.today)


def customer_history(session: Session, _ctx: Context, *, code: str) -> list[EventOut]:
    """Every change of the customer, from the journal (updates carry before and after)."""
    found = addressed_customer(session, code)
    return [EventOut.model_validate(e) for e in journal.history(session, "customer", found.id)]


def contracts(session: Session, ctx: Context, *, code: str) -> list[ContractOut]:
    owner = addressed_customer(session, code)
    found = session.scalars(
        select(Contract)
        .where(Contract.customer_id == owner.id)
        .options(selectinload(Contract.prices).joinedload(ContractPrice.item))
        .order_by(Contract.valid_from)
    )
    flow = ctx.workflows.flow(Contract)
    return [contract_out(c, flow) for c in found]


def contract(session: Session, ctx: Context, *, contract_no: str) -> ContractOut:
    return contract_out(addressed_contract(session, contract_no), ctx.workflows.flow(Contract))


def contract_history(session: Session, _ctx: Context, *, contract_no: str) -> list[EventOut]:
    found = addressed_contract(session, contract_no)
    return [EventOut.model_validate(e) for e in journal.history(session, "contract", found.id)]


def attorneys(session: Session, ctx: Context, *, code: str) -> list[AttorneyOut]:
    """Every power of attorney of the customer, revoked ones included, newest first."""
    owner = addressed_customer(session, code)
    found = session.scalars(
        select(PowerOfAttorney)
        .where(PowerOfAttorney.customer_id == owner.id)
        .options(joinedload(PowerOfAttorney.customer), joinedload(PowerOfAttorney.contract))
        .order_by(PowerOfAttorney.id.desc())
    )
    flow = ctx.workflows.flow(PowerOfAttorney)
    return [attorney_out(a, flow) for a in found]


def attorney(session: Session, ctx: Context, *, attorney_id: int) -> AttorneyOut:
    found = addressed_attorney(session, attorney_id)
    return attorney_out(found, ctx.workflows.flow(PowerOfAttorney))


def attorney_history(session: Session, _ctx: Context, *, attorney_id: int) -> list[EventOut]:
    found = addressed_attorney(session, attorney_id)
    events = journal.history(session, "power_of_attorney", found.id)
    return [EventOut.model_validate(e) for e in events]


def items(session: Session, _ctx: Context) -> list[ItemOut]:
    return [ItemOut.model_validate(i) for i in session.scalars(select(Item).order_by(Item.code))]
