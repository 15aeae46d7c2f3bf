"""What the collection rules decide for one customer in one condition (R30-R31), once per
distinct combination of banded facts: days to the ageing buckets' lower bounds, amounts to their
band, average days late to ten, broken promises up to five."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import cached_property
from typing import Any

from rules import FactError
from service.context import RuleSource
from service.journal import jsonable
from service.rulesets.decisions import decision_record

RULESET = "collection"
# R31's ladder, one step per escalation: account manager, branch finance manager, HQ finance,
# audit & legal.
LADDER: tuple[str, ...] = ("sales", "finance", "hq", "legal")
AMOUNT_BANDS = (Decimal("10000000"), Decimal("1000000"), Decimal("100000"), Decimal("10000"))
MOST_BROKEN = 5


@dataclass(frozen=True)
class Plan:
    """A task to raise (None from `decide` when the rules say wait) and the decision record."""

    owner_role: str
    priority: str
    deadline_days: int
    repeat_days: int
    escalate_after_days: int
    decision: dict[str, Any] = field(default_factory=dict)

    @cached_property
    def journalled(self) -> dict[str, Any]:
        """What the journal keeps of the decision (the task row keeps all of it)."""
        keys = ("ruleset", "version", "checksum", "rules", "explanation")
        return {k: self.decision[k] for k in keys if k in self.decision}

    @property
    def level(self) -> int:
        return LADDER.index(self.owner_role)


# What applies when no collection rule set is in force or the facts do not fit: the account
# manager chases it, as R31's first step.
FALLBACK = {
    "owner_role": "sales",
    "priority": "normal",
    "deadline_days": 5,
    "repeat_days": 7,
    "escalate_after_days": 15,
}


def day_band(days: int, buckets: Sequence[int]) -> int:
    """The lower bound of the ageing bucket `days` falls in (0 when not past)."""
    if days <= 0:
        return 0
    low = 1
    for high in buckets:
        if days <= high:
            return low
        low = high + 1
    return low


def amount_band(amount: Decimal) -> Decimal:
    return next((band for band in AMOUNT_BANDS if amount >= band), Decimal(0))


def facts(
    condition: str,
    days: int,
    amount: Decimal,
    grade: str,
    *,
    buckets: Sequence[int],
    average_days_late: int = 0,
    broken_promises: int = 0,
    promise_open: bool = False,
) -> dict[str, Any]:
    return {
        "condition": condition,
        "days_overdue": day_band(days, buckets),
        "amount": amount_band(amount),
        "grade": grade,
        "average_days_late": max(average_days_late, 0) // 10 * 10,
        "broken_promises": min(broken_promises, MOST_BROKEN),
        "promise_open": promise_open,
    }


def _whole(value: object, least: int) -> int:
    return max(int(Decimal(str(value))), least)


def decide(rules: RuleSource, day: date, seen: dict[str, Any]) -> Plan | None:
    """The rules' `collect` for these facts (None for `wait`); the fallback, with the reason,
    when no rule set decides."""
    try:
        decision = rules.in_force(RULESET, day).decide(seen)
    except LookupError:
        why = {"explanation": f"no {RULESET} rule set in force on {day}", "values": jsonable(seen)}
        return Plan(**FALLBACK, decision=why)  # type: ignore[arg-type]
    except FactError as error:
        why = {
            "explanation": f"the {RULESET} rules cannot decide: {error}",
            "values": jsonable(seen),
        }
        return Plan(**FALLBACK, decision=why)  # type: ignore[arg-type]
    record = decision_record(decision)
    if any(a.name == "wait" for a in decision.actions):
        return None
    action = next((a for a in decision.actions if a.name == "collect"), None)
    if action is None:
        why = record | {"explanation": f"no {RULESET} rule matched: the fallback applies"}
        return Plan(**FALLBACK, decision=why)  # type: ignore[arg-type]
    params = action.params
    return Plan(
        owner_role=str(params["owner_role"]),
        priority=str(params["priority"]),
        deadline_days=_whole(params["deadline_days"], 0),
        repeat_days=_whole(params["repeat_days"], 1),
        escalate_after_days=_whole(params["escalate_after_days"], 1),
        decision=record,
    )
