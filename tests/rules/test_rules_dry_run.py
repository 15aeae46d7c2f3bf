"""Dry run: what a candidate rule set would change on open items, without changing anything."""

from decimal import Decimal

import pytest

from rules import DEFAULT_DIR, FactError, dry_run, load_default, load_text

LIVE = load_default().versions("credit_release")[0]


def candidate_with_grade_a_allowance(days: int) -> object:
    text = (DEFAULT_DIR / "credit_release.yaml").read_text(encoding="utf-8")
    text = text.replace("version: 1", "version: 2")
    text = text.replace("value: 30}", f"value: {days}}}")
    text = text.replace("max_days_overdue: 31", f"max_days_overdue: {days + 1}")
    text = text.replace("max_days_overdue: 30\n", f"max_days_overdue: {days}\n")
    return load_text(text, file="candidate.yaml")


def facts(grade: str, days: int) -> dict[str, object]:
    return {
        "order_amount": Decimal("1000.00"),
        "credit_limit": Decimal("100000.00"),
        "open_receivables": Decimal("5000.00"),
        "overdue_amount": Decimal("5000.00") if days else Decimal(0),
        "max_days_overdue": days,
        "customer_grade": grade,
    }


def test_dry_run_lists_only_the_items_decided_differently() -> None:
    candidate = candidate_with_grade_a_allowance(20)
    items = [("o-1", facts("A", 25)), ("o-2", facts("A", 10)), ("o-3", facts("B", 25))]

    changes = dry_run(LIVE, candidate, items)  # type: ignore[arg-type]

    assert [change.item_id for change in changes] == ["o-1"]
    (change,) = changes
    assert change.live.rules == ("release",)
    assert change.candidate.rules == ("grade-a-overdue",)
    assert change.candidate.version == 2
    assert change.to_dict()["candidate"]["actions"][0]["name"] == "hold"


def test_dry_run_of_an_identical_candidate_changes_nothing() -> None:
    items = [(f"o-{days}", facts(grade, days)) for grade in "ABC" for days in range(0, 40, 7)]

    assert dry_run(LIVE, LIVE, items) == []


def test_dry_run_names_the_item_whose_facts_are_wrong() -> None:
    bad = {**facts("A", 0), "order_amount": 1000.0}

    with pytest.raises(FactError) as caught:
        dry_run(LIVE, LIVE, [("o-9", bad)])

    assert "item 'o-9'" in caught.value.__notes__


def test_dry_run_refuses_rule_sets_of_different_names() -> None:
    other = load_default().versions("invoice_exception")[0]

    with pytest.raises(ValueError, match="cannot compare"):
        dry_run(LIVE, other, [])
