"""A rule file's own examples: read them, run them through both evaluators, refuse on failure.

This is how finance changes a rule safely without writing Python: the file carries examples of
what it must decide, and a file whose examples fail, or that has a rule no example reaches, is
refused. Each example also runs through business_rules' run_all, and the compiled evaluator
must agree with it.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from rules.checks import at, need_keys, need_list, need_str
from rules.errors import FactError, Site
from rules.facts import normalizer
from rules.model import Action, Example
from rules.ruleset import RuleSet
from rules.validate import validate_action
from rules.vocabulary import Vocabulary


def validate_examples(
    raw: object, vocabulary: Vocabulary, rule_ids: Collection[str], site: Site
) -> tuple[Example, ...]:
    """The `tests:` list of a rule file, checked against the vocabulary and the rule ids."""
    if raw is None:
        return ()
    examples = []
    for index, item in enumerate(need_list(raw, site, "tests", empty=True)):
        field = at("tests", index)
        entry = need_keys(item, site, field, required=("name", "given", "expect"))
        name = need_str(entry["name"], site, at(field, "name"))
        given = _given(entry["given"], vocabulary, site, at(field, "given"))
        path = at(field, "expect")
        expect = need_keys(entry["expect"], site, path, required=(), optional=("rules", "actions"))
        if not expect:
            raise site.error(path, "expect 'rules', 'actions' or both")
        rules = None
        if "rules" in expect:
            rules = tuple(need_list(expect["rules"], site, at(path, "rules"), empty=True))
            for position, rule_id in enumerate(rules):
                if rule_id not in rule_ids:
                    raise site.error(at(at(path, "rules"), position), f"unknown rule {rule_id!r}")
        actions = None
        if "actions" in expect:
            listed = need_list(expect["actions"], site, at(path, "actions"), empty=True)
            actions = tuple(
                validate_action(action, vocabulary, site, at(at(path, "actions"), i), partial=True)
                for i, action in enumerate(listed)
            )
        examples.append(Example(name, given, rules, actions))
    return tuple(examples)


def _given(raw: object, vocabulary: Vocabulary, site: Site, field: str) -> Mapping[str, object]:
    facts = need_keys(raw, site, field, required=(), optional=tuple(vocabulary.variables))
    for name, value in facts.items():
        variable = vocabulary.variables[name]
        if variable.derived:
            inputs = ", ".join(variable.inputs or ())
            raise site.error(at(field, name), f"derived variable, give its facts: {inputs}")
        try:
            normalizer(variable)(value)
        except FactError as error:
            raise site.error(at(field, name), error.reason) from None
    return facts


def check_examples(ruleset: RuleSet, site: Site) -> None:
    """Run every example through both evaluators; every rule must be matched by one of them."""
    covered: set[str] = set()
    for index, example in enumerate(ruleset.examples):
        field = at("tests", index)
        label = f"example {example.name!r}"
        try:
            decision = ruleset.decide(example.given)
        except FactError as error:
            raise site.error(at(field, "given"), f"{label}: {error}") from None
        reference = ruleset.decide_with_business_rules(example.given)
        if (decision.rules, decision.actions) != reference:
            raise site.error(
                field,
                f"{label}: the compiled rules decided {_rules(decision.rules)}"
                f" {_actions(decision.actions)} but business_rules decided"
                f" {_rules(reference[0])} {_actions(reference[1])}",
            )
        covered.update(decision.rules)
        if example.rules is not None and example.rules != decision.rules:
            raise site.error(
                at(field, "expect.rules"),
                f"{label}: expected {_rules(example.rules)} to match,"
                f" but {_rules(decision.rules)} matched",
            )
        if example.actions is not None:
            _check_actions(example.actions, decision.actions, site, at(field, "expect.actions"))
    for rule in ruleset.rules:
        if rule.id not in covered:
            raise site.for_rule(rule.id).error(
                "tests", "no example matches this rule; add one that does"
            )


def _check_actions(
    expected: tuple[Action, ...], actual: tuple[Action, ...], site: Site, field: str
) -> None:
    if len(expected) != len(actual):
        raise site.error(
            field, f"expected {len(expected)} action(s), got {len(actual)}: {_actions(actual)}"
        )
    for index, (want, got) in enumerate(zip(expected, actual, strict=True)):
        wrong = [key for key, value in want.params.items() if not _same(value, got.params.get(key))]
        if want.name != got.name or wrong:
            raise site.error(
                at(field, index), f"expected {_actions((want,))}, got {_actions((got,))}"
            )


def _same(expected: Any, actual: Any) -> bool:
    if isinstance(expected, tuple) and isinstance(actual, tuple):
        return sorted(expected) == sorted(actual)
    return bool(expected == actual)


def _rules(rule_ids: tuple[str, ...]) -> str:
    return "[" + ", ".join(rule_ids) + "]" if rule_ids else "no rule"


def _actions(actions: tuple[Action, ...]) -> str:
    shown = [
        f"{action.name}({', '.join(f'{k}={_text(v)}' for k, v in action.params.items())})"
        for action in actions
    ]
    return ", ".join(shown) if shown else "no action"


def _text(value: object) -> str:
    if isinstance(value, tuple):
        return "[" + ", ".join(map(str, value)) + "]"
    return str(value)
