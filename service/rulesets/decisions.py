"""A rule decision as it is stored, journalled and shown (R18): one shape everywhere."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from rules import Decision, FactError
from service.journal import jsonable

if TYPE_CHECKING:
    from service.context import RuleSource


def decision_record(decision: Decision) -> dict[str, Any]:
    """The rule set, version, rules that fired, actions, values seen, and the explanation."""
    record: dict[str, Any] = jsonable(decision.to_dict())
    return record | {"explanation": decision.explain()}


def proposed(rules: RuleSource, ruleset: str, day: date, facts: dict[str, Any]) -> dict[str, Any]:
    """A rule set's `propose` action for `facts`, with the decision record: its params under
    `proposal` (None when no rule set is in force on `day`, no rule matched or the facts do not
    fit; the `explanation` says which, and a person then chooses)."""
    try:
        in_force = rules.in_force(ruleset, day)
    except LookupError:
        return {"proposal": None, "explanation": f"no {ruleset} rule set in force on {day}"}
    try:
        decision = in_force.decide(facts)
    except FactError as error:
        return {"proposal": None, "explanation": f"the {ruleset} rules cannot decide: {error}"}
    action = next((a for a in decision.actions if a.name == "propose"), None)
    return decision_record(decision) | {
        "proposal": dict(action.params) if action is not None else None
    }
