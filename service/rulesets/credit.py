"""The credit check at order approval: the facts `credit_release` sees, and what its decision means.

The order is held for finance when the rules hold it, when no rule matches, when no version is in
force, or when the facts do not fit: in every case a person must decide before credit is given.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import Any, Protocol

from sqlalchemy.orm import Session

from rules import Decision, FactError, RuleBook, RuleSet, load_default
from service.orders.models import Order
from service.receivables import Exposure, exposure

CREDIT_RELEASE = "credit_release"


class RuleSource(Protocol):
    """Where rule sets in force come from: the service's RuleRegistry, or a RuleBook."""

    def in_force(self, name: str, day: date, /) -> RuleSet: ...


@cache
def packaged_rules() -> RuleBook:
    """The packaged rule sets, for callers without a registry (the demo loader)."""
    return load_default()


def credit_facts(
    session: Session, order: Order, today: date, *, exposures: dict[int, Exposure] | None = None
) -> dict[str, Any]:
    """The credit_release facts of an order not yet approved (so not in its own exposure)."""
    customer = order.customer
    cache_ = exposures if exposures is not None else {}
    if customer.id not in cache_:
        cache_[customer.id] = exposure(session, customer, today)
    position = cache_[customer.id]
    return {
        "order_amount": order.total_amount,
        "credit_limit": customer.credit_limit,
        "open_receivables": position.open_receivables,
        "overdue_amount": position.overdue_amount,
        "max_days_overdue": position.max_days_overdue,
        "customer_grade": customer.grade,
    }


def decision_dict(decision: Decision) -> dict[str, Any]:
    """The decision as stored and returned: Decision.to_dict() plus the one-line explanation."""
    return decision.to_dict() | {"explanation": decision.explain()}


@dataclass(frozen=True)
class CreditCheck:
    """The outcome of the credit check: hold or not, why, and the decision when there is one."""

    hold: bool
    reason: str
    decision: Decision | None

    def journal(self) -> list[dict[str, Any]]:
        """The `decisions` of the journal row (R18)."""
        return [decision_dict(self.decision)] if self.decision is not None else []

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form for the API response."""
        return {
            "hold": self.hold,
            "reason": self.reason,
            "decision": decision_dict(self.decision) if self.decision is not None else None,
        }


def outcome(decision: Decision) -> CreditCheck:
    """Hold when a rule holds the order or no rule matched; otherwise release."""
    held = [a for a in decision.actions if a.name == "hold"]
    if not decision.matched:
        return CreditCheck(True, decision.explain(), decision)
    acting = held[0] if held else decision.actions[0] if decision.actions else None
    reason = str(acting.params.get("reason", "")) if acting is not None else ""
    return CreditCheck(bool(held), reason or decision.explain(), decision)


def check_credit(rules: RuleSource, session: Session, order: Order, today: date) -> CreditCheck:
    """Decide with the credit_release rule set in force today on the order's facts."""
    try:
        ruleset = rules.in_force(CREDIT_RELEASE, today)
    except LookupError as error:
        return CreditCheck(True, f"{error}; a person must decide", None)
    try:
        decision = ruleset.decide(credit_facts(session, order, today))
    except FactError as error:
        return CreditCheck(True, f"the credit rules cannot decide: {error}", None)
    return outcome(decision)
