"""Customers: HQ adds one, changes it, suspends and reactivates it; every change is journalled
with what it was before and after (workflows/definitions/customer.yaml)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from service.context import Context
from service.duedates import Terms
from service.errors import Conflict, Invalid
from service.masterdata import changes, queries, terms
from service.masterdata.models import Customer, Warehouse
from service.masterdata.schemas import (
    CustomerIn,
    CustomerOut,
    CustomerReason,
    CustomerUpdate,
    WarehouseIn,
)
from service.orders.models import Order
from service.workflow import Workflows


def _refuse_duplicate_dcs(warehouses: list[WarehouseIn]) -> None:
    codes = [w.code for w in warehouses]
    if len(codes) != len(set(codes)):
        raise Invalid("customer.dc_codes_not_unique", field="warehouses")


# The customer's fields that are its payment terms (a version of them, not columns of its own).
TERMS_FIELDS = ("payment_term_days", "settlement_kind", "settlement_day", "non_working")


def _terms(data: CustomerIn | CustomerUpdate, non_working: str) -> Terms:
    return Terms(data.settlement_kind, data.payment_term_days, data.settlement_day, non_working)


def _built(session: Session, data: CustomerIn, actor: str) -> Customer:
    if session.scalar(select(Customer.id).where(Customer.code == data.code)) is not None:
        raise Conflict("customer.exists", field="code", customer_code=data.code)
    _refuse_duplicate_dcs(data.warehouses)
    return Customer(
        **data.model_dump(exclude={"warehouses", *TERMS_FIELDS}),
        warehouses=[Warehouse(**w.model_dump()) for w in data.warehouses],
        payment_terms=[terms.first_version(_terms(data, data.non_working), actor=actor)],
    )


def new_customer(
    session: Session, data: CustomerIn, *, workflows: Workflows, actor: str = "seed"
) -> Customer:
    """A new customer with its DCs, journalled as made by `actor` (seeds and tests; the API
    calls `create_customer`)."""
    customer = _built(session, data, actor)
    workflows.create(session, customer, actor=actor, payload=data.model_dump(mode="json"))
    return customer


def create_customer(
    session: Session, ctx: Context, *, data: CustomerIn, how: str = "create"
) -> CustomerOut:
    """A new customer; `how` names its creation in the journal (`import` from a file)."""
    customer = _built(session, data, ctx.actor.username)
    ctx.create(session, customer, payload=data.model_dump(mode="json"), how=how)
    return queries.customer_out(customer, ctx.workflows.flow(Customer), ctx.today)


def _dcs(warehouses: list[Warehouse] | list[WarehouseIn]) -> dict[str, dict[str, str]]:
    return {w.code: {"name": w.name, "address": w.address} for w in warehouses}


def _refuse_removing_used_dcs(session: Session, customer: Customer, kept: set[str]) -> None:
    """A DC that orders were made for stays: they name it."""
    for warehouse in customer.warehouses:
        if warehouse.code in kept:
            continue
        used = session.scalar(
            select(func.count()).select_from(Order).where(Order.warehouse_id == warehouse.id)
        )
        if used:
            raise Conflict(
                "customer.dc_in_use",
                field="warehouses",
                customer=customer.code,
                dc_code=warehouse.code,
                orders=used,
            )


def update_customer(
    session: Session, ctx: Context, *, code: str, data: CustomerUpdate
) -> CustomerOut:
    """HQ changes a customer: its data as sent, DCs added, renamed or (unused) removed; terms
    other than those in force today become a version in force from today."""
    customer = queries.addressed_customer(session, code)
    _refuse_duplicate_dcs(data.warehouses)
    in_force = queries.terms_fields(customer, ctx.today)
    after = data.model_dump(exclude={"warehouses"})
    if after["non_working"] is None:
        after["non_working"] = in_force["non_working"]
    before = {
        name: in_force[name] if name in TERMS_FIELDS else getattr(customer, name) for name in after
    }
    changed = changes.fields(before, after)
    dcs_before, dcs_after = _dcs(customer.warehouses), _dcs(data.warehouses)
    dcs = changes.entries(dcs_before, dcs_after)
    if dcs:
        changed["warehouses"] = dcs
    changes.journal_update(session, ctx, customer, changed)
    _refuse_removing_used_dcs(session, customer, set(dcs_after))
    for name, change in changed.items():
        if name not in {"warehouses", *TERMS_FIELDS}:
            setattr(customer, name, change["after"])
    if changed.keys() & set(TERMS_FIELDS):
        terms.change_today(session, ctx, customer, _terms(data, after["non_working"]))
    for warehouse in list(customer.warehouses):
        if warehouse.code not in dcs_after:
            customer.warehouses.remove(warehouse)  # deleted with it (delete-orphan)
        else:
            warehouse.name = dcs_after[warehouse.code]["name"]
            warehouse.address = dcs_after[warehouse.code]["address"]
    for dc_code, values in dcs_after.items():
        if dc_code not in dcs_before:
            customer.warehouses.append(Warehouse(code=dc_code, **values))
    session.flush()
    return queries.customer_out(customer, ctx.workflows.flow(Customer), ctx.today)


def _move(
    session: Session, ctx: Context, code: str, trigger: str, data: CustomerReason
) -> CustomerOut:
    customer = queries.addressed_customer(session, code)
    ctx.fire(session, customer, trigger, payload={"reason": data.reason}, if_match=True)
    return queries.customer_out(customer, ctx.workflows.flow(Customer), ctx.today)


def suspend_customer(
    session: Session, ctx: Context, *, code: str, data: CustomerReason
) -> CustomerOut:
    """HQ stops the customer's orders from being approved, released or shipped, with a reason."""
    return _move(session, ctx, code, "suspend", data)


def reactivate_customer(
    session: Session, ctx: Context, *, code: str, data: CustomerReason
) -> CustomerOut:
    """HQ lets the customer's orders go on again, with a reason."""
    return _move(session, ctx, code, "reactivate", data)
