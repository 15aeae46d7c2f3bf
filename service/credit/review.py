"""What the credit_review rules propose for a customer from its payment record (R32)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from service.context import RuleSource
from service.credit.record import NAMES, Figures
from service.rulesets.decisions import proposed

RULESET = "credit_review"
CENT = Decimal("0.01")
# A factor outside these bounds is not applied (the rule file is wrong; a person decides).
FACTOR_RANGE = (Decimal("0.01"), Decimal("10"))


def facts(grade: str, credit_limit: Decimal, figures: Figures) -> dict[str, Any]:
    """What the rules see: the customer's grade and limit and every figure of its record."""
    return {"customer_grade": grade, "credit_limit": credit_limit} | {
        name: figures[name] for name in NAMES
    }


@dataclass(frozen=True)
class Proposal:
    """A new grade and limit, why, and the decision record (R18) that proposed them."""

    grade: str
    credit_limit: Decimal
    reason: str
    decision: dict[str, Any]


def _factor(value: object) -> Decimal | None:
    try:
        factor = Decimal(str(value))
    except InvalidOperation:
        return None
    low, high = FACTOR_RANGE
    return factor if low <= factor <= high else None


def propose(rules: RuleSource, day: date, seen: dict[str, Any]) -> Proposal | None:
    """The rules' proposal for these facts; None when they propose nothing or no change."""
    made = proposed(rules, RULESET, day, seen)
    params = made["proposal"]
    if params is None:
        return None
    grade = seen["customer_grade"] if params["grade"] == "keep" else str(params["grade"])
    factor = _factor(params["limit_factor"])
    if factor is None:
        return None
    limit = (Decimal(seen["credit_limit"]) * factor).quantize(CENT)
    if (grade, limit) == (seen["customer_grade"], seen["credit_limit"]):
        return None
    return Proposal(grade, limit, str(params.get("reason", "")), made)
