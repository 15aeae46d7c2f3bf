"""The parts of a rule set and of a decision, as plain immutable values."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any


class HitPolicy(StrEnum):
    """`first`: the first matching rule decides; `collect`: every matching rule acts."""

    FIRST = "first"
    COLLECT = "collect"


@dataclass(frozen=True, slots=True)
class Condition:
    """`name operator value`; value is a Decimal, a str, a tuple of str, or None (no input)."""

    name: str
    operator: str
    value: object


@dataclass(frozen=True, slots=True)
class AllOf:
    """Every condition holds."""

    conditions: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class AnyOf:
    """At least one condition holds."""

    conditions: tuple[Node, ...]


Node = Condition | AllOf | AnyOf


def to_business_rules(node: Node) -> dict[str, Any]:
    """The condition tree in business_rules' `all`/`any`/`name`/`operator`/`value` format."""
    if isinstance(node, AllOf):
        return {"all": [to_business_rules(child) for child in node.conditions]}
    if isinstance(node, AnyOf):
        return {"any": [to_business_rules(child) for child in node.conditions]}
    value = list(node.value) if isinstance(node.value, tuple) else node.value
    return {"name": node.name, "operator": node.operator, "value": value}


def variables_of(node: Node) -> Iterator[str]:
    """The variable names a condition tree reads."""
    if isinstance(node, Condition):
        yield node.name
    else:
        for child in node.conditions:
            yield from variables_of(child)


@dataclass(frozen=True, slots=True)
class Action:
    """An action to take and its parameters (what to do; the service does it)."""

    name: str
    params: Mapping[str, object]

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form: Decimals as strings, tuples as lists."""
        return {"name": self.name, "params": jsonable(self.params)}


@dataclass(frozen=True, slots=True)
class Rule:
    """One rule of a rule set, as validated from its file."""

    id: str
    description: str
    priority: int
    conditions: Node
    actions: tuple[Action, ...]


@dataclass(frozen=True, slots=True)
class Example:
    """An embedded example of a rule file: given these facts, expect these rules and actions.

    `rules` must equal the matched rule ids in order; each expected action must match the
    decision's action at the same place by name and by the params it lists. None: not checked.
    """

    name: str
    given: Mapping[str, object]
    rules: tuple[str, ...] | None
    actions: tuple[Action, ...] | None


@dataclass(frozen=True, slots=True)
class Decision:
    """What a rule set decided on some facts, and why: the explanation stored with it (R18).

    `values` holds every variable the rule set reads, as the rules saw it. No matched rule means
    the rules do not cover the case and a person must decide.
    """

    ruleset: str
    version: int
    checksum: str
    hit_policy: HitPolicy
    rules: tuple[str, ...]
    actions: tuple[Action, ...]
    values: Mapping[str, object]

    @property
    def matched(self) -> bool:
        """True when at least one rule matched."""
        return bool(self.rules)

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form: Decimals as strings, tuples as lists."""
        return {
            "ruleset": self.ruleset,
            "version": self.version,
            "checksum": self.checksum,
            "hit_policy": self.hit_policy.value,
            "rules": list(self.rules),
            "actions": [action.to_dict() for action in self.actions],
            "values": jsonable(self.values),
        }

    def explain(self) -> str:
        """One line for people: which rule set and rules decided, on which values."""
        seen = ", ".join(f"{name}={_text(value)}" for name, value in self.values.items())
        head = f"{self.ruleset} v{self.version}"
        if not self.rules:
            return f"{head}: no rule matched ({seen}); a person must decide"
        return f"{head}: {', '.join(self.rules)} on {seen}"


def jsonable(value: object) -> Any:
    """`value` with Decimals and dates as strings and tuples as lists, for JSON."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(key): jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(item) for item in value]
    return value


def _text(value: object) -> str:
    if isinstance(value, tuple):
        return "[" + ", ".join(value) + "]"
    return str(value)
