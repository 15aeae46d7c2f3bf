"""A loaded rule set: validated once, compiled once, then `decide` is all that runs per item."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from types import MappingProxyType
from typing import Any

from rules.compiler import compile_node
from rules.engine import run_reference
from rules.facts import fact_reader
from rules.model import Action, Decision, Example, HitPolicy, Rule, to_business_rules, variables_of
from rules.validate import Header
from rules.vocabulary import Vocabulary


class RuleSet:
    """A validated, compiled rule set of one name and version, read from one file."""

    def __init__(
        self,
        header: Header,
        vocabulary: Vocabulary,
        rules: tuple[Rule, ...],
        *,
        checksum: str,
        source: str,
        examples: tuple[Example, ...] = (),
    ) -> None:
        self.name = header.name
        self.version = header.version
        self.description = header.description
        self.hit_policy = header.hit_policy
        self.effective_from = header.effective_from
        self.effective_to = header.effective_to
        self.vocabulary = vocabulary
        self.rules = rules
        self.examples = examples
        self.checksum = checksum
        self.source = source
        self.variables_read: tuple[str, ...] = tuple(
            sorted({name for rule in rules for name in variables_of(rule.conditions)})
        )
        self._read = fact_reader(vocabulary, self.variables_read)
        types = {name: var.field_type for name, var in vocabulary.variables.items()}
        self._compiled = tuple(
            (compile_node(rule.conditions, types), (rule.id,), rule.actions) for rule in rules
        )
        self._reference_rules = tuple(
            (
                rule.id,
                to_business_rules(rule.conditions),
                [{"name": a.name, "params": dict(a.params)} for a in rule.actions],
            )
            for rule in rules
        )

    def decide(self, facts: Mapping[str, object]) -> Decision:
        """Decide on `facts` (variable name → value); raises FactError for a bad or missing fact."""
        values = self._read(facts)
        if self.hit_policy is HitPolicy.FIRST:
            for test, rule_ids, actions in self._compiled:
                if test(values):
                    return self._decision(rule_ids, actions, values)
            return self._decision((), (), values)
        rule_ids_: list[str] = []
        actions_: list[Action] = []
        for test, rule_ids, actions in self._compiled:
            if test(values):
                rule_ids_ += rule_ids
                actions_ += actions
        return self._decision(tuple(rule_ids_), tuple(actions_), values)

    def _decision(
        self, rule_ids: tuple[str, ...], actions: tuple[Action, ...], values: dict[str, Any]
    ) -> Decision:
        return Decision(
            self.name,
            self.version,
            self.checksum,
            self.hit_policy,
            rule_ids,
            actions,
            MappingProxyType(values),
        )

    def decide_with_business_rules(
        self, facts: Mapping[str, object]
    ) -> tuple[tuple[str, ...], tuple[Action, ...]]:
        """The matched rule ids and actions according to business_rules' run_all (slow: the
        reference the compiled evaluator is checked against)."""
        fired, taken = run_reference(
            self.vocabulary,
            self._reference_rules,
            self._read(facts),
            first=self.hit_policy is HitPolicy.FIRST,
        )
        return fired, tuple(Action(name, MappingProxyType(params)) for name, params in taken)

    def in_force(self, on: date) -> bool:
        """True when `on` lies within the effective dates (both inclusive, open when missing)."""
        starts, ends = self.effective_from, self.effective_to
        return (starts is None or starts <= on) and (ends is None or on <= ends)

    def __repr__(self) -> str:
        return (
            f"<RuleSet {self.name} v{self.version} from {self.source} sha256:{self.checksum[:12]}>"
        )
