"""R20's lead time as the scheduler's run decides it (`service.statements.timing.Decider`): the
reconciliation_timing rules in force on the run's day, looked up once, decide per customer and
settlement date; with no rule set in force, or facts the rules cannot read, R20's fewest working
days, with the reason kept as the statement's decision record."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from rules import RuleSet, load_dir
from rules.loader import DEFAULT_DIR
from service.statements.timing import FEWEST, Decider, facts

DAY = date(2026, 12, 7)


class Book:
    """A rule source that counts its look-ups."""

    def __init__(self, ruleset: RuleSet | None) -> None:
        self.ruleset = ruleset
        self.looked = 0

    def in_force(self, name: str, day: date, /) -> RuleSet:
        self.looked += 1
        if self.ruleset is None:
            raise LookupError(name)
        return self.ruleset


def test_r20_a_run_decides_every_settlement_date_by_the_rule_set_looked_up_once() -> None:
    book = Book(load_dir(DEFAULT_DIR).in_force("reconciliation_timing", DAY))
    decide = Decider(book, DAY)
    grade_a = decide(facts("A", Decimal("1000.00"), 1, 3))
    large = decide(facts("B", Decimal("1000000.00"), 3, 3))
    agreed = decide(facts("B", Decimal("5000.00"), 2, 4))
    others = decide(facts("B", Decimal("5000.00"), 2, 3))
    assert [t.working_days for t in (grade_a, large, agreed, others)] == [5, 5, 4, 3]
    assert book.looked == 1
    record = others.decision
    assert (record["ruleset"], record["rules"], record["working_days"]) == (
        "reconciliation_timing",
        ["default"],
        3,
    )
    assert record["values"]["amount_due"] == "5000.00"


def test_r20_no_rule_set_in_force_drafts_the_fewest_working_days_ahead_and_says_why() -> None:
    decide = Decider(Book(None), DAY)
    timing = decide(facts("A", Decimal("1000.00"), 1, 5))
    assert timing.working_days == FEWEST
    assert timing.decision == {
        "explanation": "no reconciliation_timing rule set in force on 2026-12-07"
    }


def test_r20_facts_the_rules_cannot_read_draft_the_fewest_working_days_ahead() -> None:
    decide = Decider(Book(load_dir(DEFAULT_DIR).in_force("reconciliation_timing", DAY)), DAY)
    timing = decide(facts("A", Decimal("1000.00"), 1, -1) | {"grade": None})
    assert timing.working_days == FEWEST
    assert timing.decision["explanation"].startswith(
        "the reconciliation_timing rules cannot decide"
    )
