"""Dry run of a candidate rule file against real open items: what would it decide differently?

Nothing is written. Items with the same facts are decided once (DESIGN: evaluate once per
distinct combination of inputs), and an item whose facts do not fit is reported, not fatal.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from rules import Change, Decision, FactError, RuleSet, RuleSetError, dry_run, load_text
from service.context import RuleSource
from service.errors import Conflict, Invalid
from service.plugins import RuleSetBinding
from service.rulesets.decisions import decision_record
from service.rulesets.registry import ReloadError
from service.settings import Settings
from service.workflow import Workflows


def refused(
    error: RuleSetError | ReloadError, *, field: str, code: str = "rules.file_refused"
) -> Invalid:
    """A refused rule file as a 422 problem naming the file, the rule and the field."""
    return Invalid(
        code,
        field=field,
        file=error.file,
        message=error.message,
        rule_error={
            "file": error.file,
            "rule": error.rule,
            "field": error.field,
            "reason": error.reason,
        },
    )


def parse_candidate(text: str, *, file: str = "candidate.yaml") -> RuleSet:
    """Validate the candidate as a reload would (vocabulary, examples); Invalid names the field."""
    try:
        return load_text(text, file=file)
    except RuleSetError as error:
        raise refused(error, field="yaml") from None


@dataclass(frozen=True)
class ItemChange:
    """One open item the candidate decides differently from the live rule set."""

    item_id: int
    live: Decision
    candidate: Decision

    def to_dict(self) -> dict[str, Any]:
        return {
            "item_id": self.item_id,
            "live": decision_record(self.live),
            "candidate": decision_record(self.candidate),
        }


@dataclass(frozen=True)
class DryRunReport:
    """The changes a candidate would make, and the counts."""

    ruleset: str
    item_kind: str
    day: date
    live: RuleSet
    candidate: RuleSet
    items: int
    changes: tuple[ItemChange, ...]
    undecided: tuple[tuple[int, str], ...]

    def counts(self) -> dict[str, Any]:
        """Items looked at, changed, unchanged, refused; and rule-to-rule moves of the changes."""
        moves = Counter(f"{_rules(c.live)} -> {_rules(c.candidate)}" for c in self.changes)
        return {
            "items": self.items,
            "changed": len(self.changes),
            "unchanged": self.items - len(self.changes) - len(self.undecided),
            "undecided": len(self.undecided),
            "moves": dict(sorted(moves.items())),
        }

    def summary(self) -> list[str]:
        """Readable lines for the command line."""
        c = self.counts()
        lines = [
            f"{self.ruleset}: live v{self.live.version} ({self.live.source}) vs candidate "
            f"v{self.candidate.version} ({self.candidate.source}) on {self.day}",
            f"{c['items']} open {self.item_kind} item(s): {c['changed']} would change, "
            f"{c['unchanged']} unchanged, {c['undecided']} undecided",
        ]
        lines += [f"  {count:>5} x {move}" for move, count in c["moves"].items()]
        for change in self.changes:
            lines.append(f"{self.item_kind} {change.item_id}:")
            lines.append(f"  live:      {change.live.explain()}")
            lines.append(f"  candidate: {change.candidate.explain()}")
        lines += [f"{self.item_kind} {item}: not decided: {why}" for item, why in self.undecided]
        return lines


def _rules(decision: Decision) -> str:
    return ",".join(decision.rules) or "no rule"


def _key(facts: dict[str, Any]) -> tuple[tuple[str, Any], ...]:
    return tuple(
        (name, tuple(value) if isinstance(value, list) else value)
        for name, value in sorted(facts.items())
    )


def run(
    session: Session,
    *,
    rules: RuleSource,
    workflows: Workflows,
    bindings: Mapping[str, RuleSetBinding],
    candidate: RuleSet,
    today: date,
    settings: Settings,
) -> DryRunReport:
    """Decide every open item with the live rule set and the candidate; change nothing."""
    binding = bindings.get(candidate.name)
    if binding is None:
        raise Invalid("rules.no_open_items", field="yaml", ruleset=candidate.name)
    try:
        live = rules.in_force(candidate.name, today)
    except LookupError:
        raise Conflict(
            "rules.nothing_in_force", field="yaml", ruleset=candidate.name, day=today
        ) from None
    kind = binding.item_kind
    items = binding.open_items(session, workflows, today, settings)
    groups: dict[tuple[tuple[str, Any], ...], list[int]] = {}
    facts_of: dict[tuple[tuple[str, Any], ...], dict[str, Any]] = {}
    for item_id, facts in items:
        key = _key(facts)
        groups.setdefault(key, []).append(item_id)
        facts_of.setdefault(key, facts)
    changes: list[ItemChange] = []
    undecided: list[tuple[int, str]] = []
    for key, ids in groups.items():
        try:
            found: list[Change] = dry_run(live, candidate, [(ids[0], facts_of[key])])
        except FactError as error:
            undecided += [(item_id, str(error)) for item_id in ids]
            continue
        for change in found:
            changes += [ItemChange(item_id, change.live, change.candidate) for item_id in ids]
    changes.sort(key=lambda c: c.item_id)
    return DryRunReport(
        ruleset=candidate.name,
        item_kind=kind,
        day=today,
        live=live,
        candidate=candidate,
        items=len(items),
        changes=tuple(changes),
        undecided=tuple(sorted(undecided)),
    )
