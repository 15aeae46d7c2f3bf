"""When a statement is drafted (R20): the reconciliation_timing rules decide how many working
days before the settlement date, per customer, once per distinct combination of facts."""

from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from functools import cached_property
from typing import Any

from rules import Decision, FactError, RuleSet
from service.context import RuleSource
from service.rulesets.decisions import decision_record
from service.workdays import is_working_day

RULESET = "reconciliation_timing"
# R20's range, and what applies when no rule decides (no rule set in force, facts that do not
# fit): the shortest lead time R20 allows.
FEWEST, MOST = 3, 5


def working_days_before(day: date, count: int) -> date:
    """The `count`-th working day before `day` (day itself does not count); CalendarGap when
    the calendar does not know a day it passes."""
    remaining = count
    while remaining:
        day -= timedelta(days=1)
        if is_working_day(day):
            remaining -= 1
    return day


@dataclass(frozen=True)
class Timing:
    """The working days ahead, and the decision that gave them (its record is made when first
    asked: a run decides for every settlement date it sees and keeps the record of those it
    drafts)."""

    working_days: int
    made: Decision | None = None
    why: dict[str, Any] = field(default_factory=dict)

    @cached_property
    def decision(self) -> dict[str, Any]:
        if self.made is None:
            return self.why
        return decision_record(self.made) | {"working_days": self.working_days}


def facts(grade: str, amount_due: Decimal, invoices_due: int, lead_days: int) -> dict[str, Any]:
    return {
        "grade": grade,
        "amount_due": amount_due,
        "invoices_due": invoices_due,
        "reconciliation_lead_days": lead_days,
    }


class Decider:
    """The rules' `draft_ahead` for a day's facts, with the decision record (R18); R20's fewest
    working days, with the reason, when they decide nothing. The rule set in force is looked up
    once: a run decides for every customer and settlement date it sees, by one version."""

    def __init__(self, rules: RuleSource, day: date) -> None:
        self.ruleset: RuleSet | None = None
        self.missing = Timing(
            FEWEST, why={"explanation": f"no {RULESET} rule set in force on {day}"}
        )
        with suppress(LookupError):
            self.ruleset = rules.in_force(RULESET, day)

    def __call__(self, seen: dict[str, Any]) -> Timing:
        if self.ruleset is None:
            return self.missing
        try:
            decision = self.ruleset.decide(seen)
        except FactError as error:
            return Timing(
                FEWEST, why={"explanation": f"the {RULESET} rules cannot decide: {error}"}
            )
        action = next((a for a in decision.actions if a.name == "draft_ahead"), None)
        if action is None:
            return Timing(FEWEST, decision)
        days = min(max(int(str(action.params["working_days"])), FEWEST), MOST)
        return Timing(days, decision)
