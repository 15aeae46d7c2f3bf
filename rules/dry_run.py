"""Dry run: what a candidate rule set would decide differently from the live one, changing nothing.

Finance sees the effect of a rule change on real open items before it goes live. Two decisions
differ when they match other rules or take other actions; versions, checksums and the values
read are expected to differ and do not count.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from rules.errors import FactError
from rules.model import Decision
from rules.ruleset import RuleSet


@dataclass(frozen=True, slots=True)
class Change:
    """One item the candidate rule set would decide differently."""

    item_id: Hashable
    live: Decision
    candidate: Decision

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form."""
        return {
            "item_id": self.item_id,
            "live": self.live.to_dict(),
            "candidate": self.candidate.to_dict(),
        }


def dry_run(
    live: RuleSet,
    candidate: RuleSet,
    items: Iterable[tuple[Hashable, Mapping[str, object]]],
) -> list[Change]:
    """Decide every (item id, facts) with both rule sets; return the items decided differently.

    A fact error names the item it came from.
    """
    if live.name != candidate.name:
        raise ValueError(f"cannot compare rule set {live.name!r} with {candidate.name!r}")
    changes: list[Change] = []
    for item_id, facts in items:
        try:
            before = live.decide(facts)
            after = candidate.decide(facts)
        except FactError as error:
            error.add_note(f"item {item_id!r}")
            raise
        if before.rules != after.rules or before.actions != after.actions:
            changes.append(Change(item_id, before, after))
    return changes
