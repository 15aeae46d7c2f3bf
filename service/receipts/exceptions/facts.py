"""The facts the receipt_exception rule set sees for one shortage or substitution (R8), and its
proposal: the path and the owner."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from rules.vocabularies.receipt_exception import OWNERS, PATHS_OF_KIND
from service import money
from service.context import RuleSource
from service.rulesets.decisions import proposed

RULESET = "receipt_exception"
# Who works an exception the rules say nothing about: logistics found it.
DEFAULT_OWNER = "logistics"


@dataclass(frozen=True)
class Case:
    """One exception as the rules see it: evaluated once per distinct case."""

    kind: str
    quantity: int
    value: Decimal
    warehouse_kind: str
    carrier: str
    customer_grade: str

    def facts(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "quantity": self.quantity,
            "value": self.value,
            "warehouse_kind": self.warehouse_kind,
            "carrier": self.carrier,
            "customer_grade": self.customer_grade,
        }


def value_of(quantity: int, unit_price: Decimal) -> Decimal:
    """The pieces at the order's price (as the contract gives it, tax included or not)."""
    return money.fen(unit_price * quantity)


def decide(rules: RuleSource, day: date, case: Case) -> dict[str, Any]:
    """The decision record with `path` and `owner` proposed; a path that does not fit the kind
    is no proposal (a person chooses), and the owner defaults to logistics."""
    made = proposed(rules, RULESET, day, case.facts())
    proposal = made.pop("proposal") or {}
    path = proposal.get("path")
    owner = proposal.get("owner")
    if path not in PATHS_OF_KIND[case.kind]:
        path = None
    return made | {
        "path": path,
        "owner": owner if owner in OWNERS else DEFAULT_OWNER,
        "reason": str(proposal.get("reason", "")),
    }
