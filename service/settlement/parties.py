"""The customer's side of the settlement gate: the customer active, a contract in force on the
day (R27) and the power of attorney of the person collecting for the supplier (R28), read for
every customer of the invoices at once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.clock import business_date
from service.errors import Invalid
from service.masterdata.models import Contract, Customer, PowerOfAttorney
from service.settlement import blockers as b
from service.settlement.blockers import Blocker

COLLECT = "collect"


@dataclass(frozen=True)
class Attorney:
    """A power of attorney (R28) as the gate reads it, with its contract's period."""

    id: int
    customer_id: int
    name: str
    scope: tuple[str, ...]
    valid_from: date
    valid_to: date
    # The business day it was revoked or replaced on.
    revoked_on: date | None
    revocation_reason: str | None
    contract_no: str | None
    contract_from: date | None
    contract_to: date | None

    def faults(self, customer: Customer, day: date) -> list[Blocker]:
        """Why it does not let its holder collect at `customer` on `day`: every reason."""
        who: dict[str, Any] = {"attorney_id": self.id, "attorney_name": self.name}
        found = []
        if self.customer_id != customer.id:
            found.append(Blocker(b.ATTORNEY_OTHER_CUSTOMER, who | {"customer_code": customer.code}))
        if self.revoked_on is not None:
            found.append(
                Blocker(
                    b.ATTORNEY_REVOKED,
                    who | {"revoked_on": self.revoked_on, "reason": self.revocation_reason},
                )
            )
        if not self.valid_from <= day <= self.valid_to:
            period = {"valid_from": self.valid_from, "valid_to": self.valid_to, "day": day}
            found.append(Blocker(b.ATTORNEY_NOT_VALID, who | period))
        if COLLECT not in self.scope:
            found.append(Blocker(b.ATTORNEY_SCOPE, who | {"scope": list(self.scope)}))
        if not self.within_contract(day):
            contract: dict[str, Any] = {
                "valid_to": self.valid_to,
                "contract_no": self.contract_no,
                "contract_valid_from": self.contract_from,
                "contract_valid_to": self.contract_to,
            }
            found.append(Blocker(b.ATTORNEY_BEYOND_CONTRACT, who | contract))
        return found

    def within_contract(self, day: date) -> bool:
        """R28: valid no longer than its contract, and that contract in force on `day`."""
        if self.contract_from is None or self.contract_to is None:
            return False
        return self.valid_to <= self.contract_to and self.contract_from <= day <= self.contract_to


@dataclass
class Parties:
    """Per customer: what blocks all its invoices, and who collects (the power of attorney
    named, or the valid one found; None when there is none)."""

    blockers: dict[int, list[Blocker]]
    attorneys: dict[int, Attorney | None]


def customer_blockers(
    session: Session,
    customers: dict[int, Customer],
    day: date,
    attorney_id: int | None,
    attorney_field: str,
    tz: ZoneInfo,
) -> Parties:
    """The customer's own conditions: active, a contract in force on the day (R27), and the
    power of attorney of the person collecting (R28)."""
    parties = Parties(blockers={}, attorneys={})
    contracts: dict[int, list[Any]] = {}
    for row in session.execute(
        select(Contract.customer_id, Contract.contract_no, Contract.valid_from, Contract.valid_to)
        .where(Contract.customer_id.in_(customers), Contract.valid_from <= day)
        .order_by(Contract.valid_to, Contract.id)
    ):
        contracts.setdefault(row.customer_id, []).append(row)
    named = _named(session, tz, attorney_id, attorney_field) if attorney_id is not None else None
    found = _collecting(session, tz, customers, day) if attorney_id is None else {}
    for customer in customers.values():
        blocked = parties.blockers.setdefault(customer.id, [])
        if customer.state != "active":
            state = {"customer_code": customer.code, "customer_state": customer.state}
            blocked.append(Blocker(b.CUSTOMER_SUSPENDED, state))
        theirs = contracts.get(customer.id, [])
        if not any(c.valid_to >= day for c in theirs):
            facts: dict[str, Any] = {"customer_code": customer.code, "day": day}
            if theirs:
                latest = theirs[-1]
                facts |= {"contract_no": latest.contract_no, "valid_to": latest.valid_to}
                blocked.append(Blocker(b.CONTRACT_EXPIRED, facts))
            else:
                blocked.append(Blocker(b.NO_CONTRACT, facts))
        if named is not None:
            blocked.extend(named.faults(customer, day))
        elif customer.id not in found:
            blocked.append(Blocker(b.NO_ATTORNEY, {"customer_code": customer.code, "day": day}))
        parties.attorneys[customer.id] = named or found.get(customer.id)
    return parties


def _attorneys(session: Session, tz: ZoneInfo, *criteria: Any) -> list[Attorney]:
    rows = session.execute(
        select(
            PowerOfAttorney.id,
            PowerOfAttorney.customer_id,
            PowerOfAttorney.attorney_name,
            PowerOfAttorney.scope,
            PowerOfAttorney.valid_from,
            PowerOfAttorney.valid_to,
            PowerOfAttorney.revoked_at,
            PowerOfAttorney.revocation_reason,
            Contract.contract_no,
            Contract.valid_from,
            Contract.valid_to,
        )
        .outerjoin(Contract, Contract.id == PowerOfAttorney.contract_id)
        .where(*criteria)
        .order_by(PowerOfAttorney.id.desc())
    )
    return [
        Attorney(
            *r[:3],
            scope=tuple(r[3] or ()),
            valid_from=r[4],
            valid_to=r[5],
            revoked_on=business_date(tz, r[6]) if r[6] is not None else None,
            revocation_reason=r[7],
            contract_no=r[8],
            contract_from=r[9],
            contract_to=r[10],
        )
        for r in rows
    ]


def _named(session: Session, tz: ZoneInfo, attorney_id: int, attorney_field: str) -> Attorney:
    found = _attorneys(session, tz, PowerOfAttorney.id == attorney_id)
    if not found:
        raise Invalid("settlement.attorney_unknown", field=attorney_field, attorney_id=attorney_id)
    return found[0]


def _collecting(
    session: Session, tz: ZoneInfo, customers: dict[int, Customer], day: date
) -> dict[int, Attorney]:
    """Per customer, the newest power of attorney that lets its holder collect on `day`."""
    chosen: dict[int, Attorney] = {}
    candidates = _attorneys(
        session,
        tz,
        PowerOfAttorney.customer_id.in_(customers),
        PowerOfAttorney.revoked_at.is_(None),
        PowerOfAttorney.valid_from <= day,
        PowerOfAttorney.valid_to >= day,
    )
    for attorney in candidates:
        if attorney.customer_id in chosen:
            continue
        if not attorney.faults(customers[attorney.customer_id], day):
            chosen[attorney.customer_id] = attorney
    return chosen
