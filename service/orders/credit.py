"""The credit check at order approval: the facts `credit_release` sees, and what its decision means.

The order is held for finance when the rules hold it, when no rule matches, when no version is in
force, or when the facts do not fit: in every case a person must decide before credit is given.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload, selectinload

from rules import Decision, FactError
from service.context import Context
from service.orders.models import Order
from service.plugins import OpenItem, RuleSetBinding
from service.receivables.queries import Exposure, exposure
from service.rulesets.decisions import decision_record
from service.settings import Settings
from service.workflow import Workflows

CREDIT_RELEASE = "credit_release"


def credit_facts(
    session: Session,
    workflows: Workflows,
    order: Order,
    today: date,
    *,
    exposures: dict[int, Exposure] | None = None,
) -> dict[str, Any]:
    """The credit_release facts of an order not yet approved (so not in its own exposure)."""
    customer = order.customer
    known = exposures if exposures is not None else {}
    if customer.id not in known:
        known[customer.id] = exposure(session, workflows, customer, today)
    position = known[customer.id]
    return {
        "order_amount": order.total_amount,
        "credit_limit": customer.credit_limit,
        "open_receivables": position.open_receivables,
        "overdue_amount": position.overdue_amount,
        "max_days_overdue": position.max_days_overdue,
        "customer_grade": customer.grade,
    }


@dataclass(frozen=True)
class CreditCheck:
    """The outcome of the credit check: hold or not, why, and the decision when there is one."""

    hold: bool
    reason: str
    decision: Decision | None

    def journal(self) -> list[dict[str, Any]]:
        """The `decisions` of the journal row (R18)."""
        return [decision_record(self.decision)] if self.decision is not None else []

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form for the API response."""
        return {
            "hold": self.hold,
            "reason": self.reason,
            "decision": decision_record(self.decision) if self.decision is not None else None,
        }


def outcome(decision: Decision) -> CreditCheck:
    """Hold when a rule holds the order or no rule matched; otherwise release."""
    held = [a for a in decision.actions if a.name == "hold"]
    if not decision.matched:
        return CreditCheck(True, decision.explain(), decision)
    acting = held[0] if held else decision.actions[0] if decision.actions else None
    reason = str(acting.params.get("reason", "")) if acting is not None else ""
    return CreditCheck(bool(held), reason or decision.explain(), decision)


def check_credit(session: Session, ctx: Context, order: Order) -> CreditCheck:
    """Decide with the credit_release rule set in force today on the order's facts."""
    try:
        ruleset = ctx.rules.in_force(CREDIT_RELEASE, ctx.today)
    except LookupError as error:
        return CreditCheck(True, f"{error}; a person must decide", None)
    try:
        decision = ruleset.decide(credit_facts(session, ctx.workflows, order, ctx.today))
    except FactError as error:
        return CreditCheck(True, f"the credit rules cannot decide: {error}", None)
    return outcome(decision)


def awaiting_credit(
    session: Session, workflows: Workflows, today: date, _settings: Settings
) -> list[OpenItem]:
    """Orders awaiting credit with their facts; one exposure query pair per customer."""
    orders = session.scalars(
        select(Order)
        .where(Order.state.in_(workflows.tagged(Order, "awaiting_credit")))
        .options(joinedload(Order.customer), selectinload(Order.lines))
        .order_by(Order.id)
    )
    exposures: dict[int, Exposure] = {}
    return [(o.id, credit_facts(session, workflows, o, today, exposures=exposures)) for o in orders]


BINDING = RuleSetBinding(name=CREDIT_RELEASE, item_kind="order", open_items=awaiting_credit)
