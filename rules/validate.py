"""Validates a parsed rule file against its vocabulary and turns it into plain values.

business_rules checks structure with `assert` and meets unknown names only when a rule runs, so
everything is checked here, against what the vocabulary publishes, before a rule set is used.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from types import MappingProxyType
from typing import Any

from rules.checks import (
    at,
    need_choice,
    need_choices,
    need_date,
    need_int,
    need_keys,
    need_list,
    need_number,
    need_str,
    param_value,
)
from rules.compiler import OPERATORS
from rules.errors import Site
from rules.model import Action, AllOf, AnyOf, Condition, HitPolicy, Node, Rule
from rules.vocabulary import NO_INPUT, NUMERIC, SELECT, SELECT_MULTIPLE, Vocabulary

_TOP_REQUIRED = ("ruleset", "version", "hit_policy", "rules")
_TOP_OPTIONAL = ("description", "effective_from", "effective_to", "tests")
_RULE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")


@dataclass(frozen=True, slots=True)
class Header:
    """Everything about a rule set but its rules and examples."""

    name: str
    version: int
    description: str
    hit_policy: HitPolicy
    effective_from: date | None
    effective_to: date | None


def validate_header(
    document: object, vocabularies: Mapping[str, Vocabulary], site: Site
) -> tuple[Header, Vocabulary]:
    """Check the top-level keys; find the vocabulary the `ruleset` name selects."""
    doc = need_keys(document, site, "", required=_TOP_REQUIRED, optional=_TOP_OPTIONAL)
    name = need_str(doc["ruleset"], site, "ruleset")
    if name not in vocabularies:
        known = ", ".join(sorted(vocabularies))
        raise site.error("ruleset", f"unknown ruleset {name!r} (known: {known})")
    version = need_int(doc["version"], site, "version")
    if version < 1:
        raise site.error("version", f"must be 1 or more, got {version}")
    policy = doc["hit_policy"]
    if policy not in tuple(HitPolicy):
        known = ", ".join(tuple(HitPolicy))
        raise site.error("hit_policy", f"unknown hit policy {policy!r} (known: {known})")
    description = doc.get("description") or ""
    if not isinstance(description, str):
        raise site.error("description", "expected a string")
    start = need_date(doc.get("effective_from"), site, "effective_from")
    end = need_date(doc.get("effective_to"), site, "effective_to")
    if start and end and end < start:
        raise site.error("effective_to", f"{end} is before effective_from {start}")
    header = Header(name, version, description, HitPolicy(policy), start, end)
    return header, vocabularies[name]


def validate_rules(raw: object, vocabulary: Vocabulary, site: Site) -> tuple[Rule, ...]:
    """The rules, highest priority first (ties keep file order); ids are unique."""
    rules: list[Rule] = []
    first_seen: dict[str, int] = {}
    for index, item in enumerate(need_list(raw, site, "rules")):
        if not isinstance(item, Mapping):
            raise site.error(at("rules", index), "expected a mapping with id, conditions...")
        rule_id = item.get("id")
        if not isinstance(rule_id, str) or not _RULE_ID.fullmatch(rule_id):
            raise site.error(at("rules", index) + ".id", f"expected a rule id, got {rule_id!r}")
        if rule_id in first_seen:
            raise site.for_rule(rule_id).error(
                "id", f"duplicate rule id (rules[{first_seen[rule_id]}] and rules[{index}])"
            )
        first_seen[rule_id] = index
        rules.append(_rule(item, vocabulary, site.for_rule(rule_id)))
    return tuple(sorted(rules, key=lambda rule: -rule.priority))


def _rule(raw: Mapping[str, Any], vocabulary: Vocabulary, site: Site) -> Rule:
    item = need_keys(
        raw,
        site,
        "",
        required=("id", "description", "conditions", "actions"),
        optional=("priority",),
    )
    actions = need_list(item["actions"], site, "actions")
    return Rule(
        id=item["id"],
        description=need_str(item["description"], site, "description"),
        priority=need_int(item.get("priority", 0), site, "priority"),
        conditions=_node(item["conditions"], vocabulary, site, "conditions"),
        actions=tuple(
            validate_action(action, vocabulary, site, at("actions", index))
            for index, action in enumerate(actions)
        ),
    )


def _node(raw: object, vocabulary: Vocabulary, site: Site, field: str) -> Node:
    if isinstance(raw, Mapping) and ("all" in raw or "any" in raw):
        if len(raw) != 1:
            raise site.error(field, "'all' or 'any' must be the only key of its mapping")
        (key, children), *_ = raw.items()
        path = at(field, key)
        nodes = tuple(
            _node(child, vocabulary, site, at(path, index))
            for index, child in enumerate(need_list(children, site, path))
        )
        return AllOf(nodes) if key == "all" else AnyOf(nodes)
    item = need_keys(raw, site, field, required=("name", "operator"), optional=("value",))
    name = item["name"]
    if name not in vocabulary.variables:
        raise site.error(
            at(field, "name"),
            f"unknown variable {name!r} (known: {vocabulary.known_variables()})",
        )
    variable = vocabulary.variables[name]
    operators = {
        op: kind
        for op, kind in vocabulary.operators[variable.field_type].items()
        if op in OPERATORS[variable.field_type]
    }
    operator = item["operator"]
    if operator not in operators:
        raise site.error(
            at(field, "operator"),
            f"operator {operator!r} is not valid for {variable.field_type} variable {name!r}"
            f" (valid: {', '.join(sorted(operators))})",
        )
    value = _operand(item.get("value"), operators[operator], variable.options, site, field)
    if operator == "matches_regex":
        try:
            re.compile(str(value))
        except re.error as error:
            raise site.error(at(field, "value"), f"invalid regex: {error}") from None
    if operator == "equal_to" and variable.options and value not in variable.options:
        raise site.error(
            at(field, "value"), f"{value!r} is not one of: {', '.join(variable.options)}"
        )
    return Condition(name, operator, value)


def _operand(
    value: object, input_type: str, options: tuple[str, ...], site: Site, field: str
) -> object:
    path = at(field, "value")
    if input_type == NO_INPUT:
        if value is not None:
            raise site.error(path, "this operator takes no value")
        return None
    if value is None:
        raise site.error(path, "missing")
    if input_type == NUMERIC:
        return need_number(value, site, path)
    if input_type == SELECT:
        return need_choice(value, options, site, path)
    if input_type == SELECT_MULTIPLE:
        return need_choices(value, options, site, path)
    return need_choice(value, (), site, path)


def validate_action(
    raw: object, vocabulary: Vocabulary, site: Site, field: str, *, partial: bool = False
) -> Action:
    """An action with all its params; with `partial` (an example's expectation) some of them."""
    item = need_keys(raw, site, field, required=("name",), optional=("params",))
    name = item["name"]
    if name not in vocabulary.actions:
        known = ", ".join(sorted(vocabulary.actions))
        raise site.error(at(field, "name"), f"unknown action {name!r} (known: {known})")
    spec = vocabulary.actions[name]
    path = at(field, "params")
    params = item.get("params") or {}
    if not isinstance(params, Mapping):
        raise site.error(path, "expected a mapping of parameter names to values")
    for key in params:
        if key not in spec.params:
            raise site.error(
                at(path, str(key)),
                f"unknown parameter of action {name!r} (known: {', '.join(spec.params)})",
            )
    if not partial:
        for key in spec.params:
            if key not in params:
                raise site.error(at(path, key), f"missing parameter of action {name!r}")
    checked = {
        key: param_value(spec.params[key], params[key], site, at(path, key))
        for key in spec.params
        if key in params
    }
    return Action(name, MappingProxyType(checked))
