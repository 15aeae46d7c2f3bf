"""Powers of attorney (授权委托书, R28): HQ records who may reconcile and collect at a customer,
under which contract and for how long (never longer than the contract), revokes one, and
replaces one when the person changes: the old one revoked and the new one made in one
transaction (workflows/definitions/power_of_attorney.yaml). Sales or HQ records that the person
named has left the customer. Each change settles the customer's deadline alerts (`alerts`)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.context import Context
from service.errors import Conflict, Invalid
from service.masterdata import alerts, queries
from service.masterdata.models import Contract, Customer, PowerOfAttorney
from service.masterdata.schemas import (
    AttorneyIn,
    AttorneyOut,
    AttorneyPersonLeft,
    AttorneyReplace,
    AttorneyRevoke,
)


def _contract(session: Session, customer: Customer, data: AttorneyIn, valid_from: date) -> Contract:
    """The contract named, or the customer's contract in force on `valid_from`."""
    if data.contract_no is None:
        return queries.contract_in_force(session, customer, valid_from, field="valid_from")
    contract = session.scalar(
        select(Contract).where(
            Contract.customer_id == customer.id, Contract.contract_no == data.contract_no
        )
    )
    if contract is None:
        raise Invalid(
            "contract.unknown",
            field="contract_no",
            customer=customer.code,
            contract=data.contract_no,
        )
    return contract


def _made(
    session: Session,
    ctx: Context,
    customer: Customer,
    data: AttorneyIn,
    how: str = "create",
    **journal: object,
) -> PowerOfAttorney:
    """A new power of attorney within its contract's period, stored and journalled (R28)."""
    valid_from = data.valid_from or ctx.today
    contract = _contract(session, customer, data, valid_from)
    valid_to = data.valid_to or contract.valid_to
    if valid_to > contract.valid_to:
        raise Invalid(
            "attorney.beyond_contract",
            field="valid_to",
            valid_to=valid_to,
            contract=contract.contract_no,
            contract_valid_to=contract.valid_to,
        )
    if valid_from < contract.valid_from or valid_from > valid_to:
        raise Invalid(
            "attorney.outside_contract",
            field="valid_from",
            valid_from=valid_from,
            contract=contract.contract_no,
            contract_valid_from=contract.valid_from,
            contract_valid_to=contract.valid_to,
        )
    attorney = PowerOfAttorney(
        customer=customer,
        contract=contract,
        attorney_name=data.attorney_name,
        id_number=data.id_number,
        phone=data.phone,
        scope=data.scope,
        valid_from=valid_from,
        valid_to=valid_to,
    )
    payload = data.model_dump(mode="json") | {
        "contract_no": contract.contract_no,
        "valid_from": valid_from,
        "valid_to": valid_to,
        **journal,
    }
    ctx.create(session, attorney, payload=payload, how=how)
    return attorney


def _out(ctx: Context, attorney: PowerOfAttorney) -> AttorneyOut:
    return queries.attorney_out(attorney, ctx.workflows.flow(PowerOfAttorney))


def create_attorney(
    session: Session,
    ctx: Context,
    *,
    code: str,
    data: AttorneyIn,
    how: str = "create",
    journal: dict[str, object] | None = None,
) -> AttorneyOut:
    """A new power of attorney; `how` names its creation in the journal (`import`, with what
    `journal` adds to its payload, such as the old system's number)."""
    customer = queries.addressed_customer(session, code)
    attorney = _made(session, ctx, customer, data, how, **(journal or {}))
    alerts.refresh(session, ctx, customer.id)
    return _out(ctx, attorney)


def revoke_attorney(
    session: Session, ctx: Context, *, attorney_id: int, data: AttorneyRevoke
) -> AttorneyOut:
    """HQ withdraws a power of attorney, with a reason."""
    attorney = queries.addressed_attorney(session, attorney_id)
    ctx.fire(session, attorney, "revoke", payload={"reason": data.reason}, if_match=True)
    attorney.revoked_at, attorney.revocation_reason = ctx.clock.now(), data.reason
    alerts.refresh(session, ctx, attorney.customer_id)
    return _out(ctx, attorney)


def replace_attorney(
    session: Session, ctx: Context, *, attorney_id: int, data: AttorneyReplace
) -> AttorneyOut:
    """The person changes (R28): the successor is made and this one revoked, at once; answers
    the successor."""
    old = queries.addressed_attorney(session, attorney_id)
    new = _made(session, ctx, old.customer, data, replaces_id=old.id)
    payload = {"reason": data.reason, "replaced_by_id": new.id}
    ctx.fire(session, old, "replace", payload=payload, if_match=True)
    old.revoked_at, old.revocation_reason, old.replaced_by_id = (
        ctx.clock.now(),
        data.reason,
        new.id,
    )
    alerts.refresh(session, ctx, old.customer_id)
    return _out(ctx, new)


def record_person_left(
    session: Session, ctx: Context, *, attorney_id: int, data: AttorneyPersonLeft
) -> AttorneyOut:
    """The person named has left the customer (R28): recorded once, journalled, and HQ gets an
    `attorney_person_left` task at once (replacing or revoking the power of attorney resolves
    it)."""
    attorney = queries.addressed_attorney(session, attorney_id)
    if attorney.person_left_on is not None:
        raise Conflict(
            "attorney.person_left_recorded",
            field="attorney_id",
            attorney_id=attorney.id,
            attorney_name=attorney.attorney_name,
            left_on=attorney.person_left_on,
        )
    left_on = data.left_on or ctx.today
    payload = {"left_on": left_on, "note": data.note}
    ctx.fire(session, attorney, "record_person_left", payload=payload, if_match=True)
    attorney.person_left_on, attorney.person_left_note = left_on, data.note
    alerts.refresh(session, ctx, attorney.customer_id)
    return _out(ctx, attorney)
