"""A rule decision as it is stored, journalled and shown (R18): one shape everywhere."""

from __future__ import annotations

from typing import Any

from rules import Decision
from service.journal import jsonable


def decision_record(decision: Decision) -> dict[str, Any]:
    """The rule set, version, rules that fired, actions, values seen, and the explanation."""
    record: dict[str, Any] = jsonable(decision.to_dict())
    return record | {"explanation": decision.explain()}
