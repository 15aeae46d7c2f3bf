"""Deciding: hit policies, priorities, effective dates, facts and the decision's explanation."""

import json
from datetime import date
from decimal import Decimal

import pytest

from rules import FactError, HitPolicy, RuleBook, RuleSet, load_text
from rules.model import AllOf, Condition

FACTS: dict[str, object] = {
    "order_amount": Decimal("100.00"),
    "credit_limit": Decimal("1000.00"),
    "open_receivables": Decimal("2000.00"),
    "overdue_amount": Decimal("50.00"),
    "max_days_overdue": 40,
    "customer_grade": "C",
}


def ruleset(
    hit_policy: str = "first",
    *,
    version: int = 1,
    effective: str = "",
    low_priority: int = 10,
) -> RuleSet:
    both = ["over-limit", "overdue"] if low_priority < 20 else ["overdue", "over-limit"]
    expect = ", ".join(both if hit_policy == "collect" else both[:1])
    text = f"""
ruleset: credit_release
version: {version}
hit_policy: {hit_policy}
{effective}
rules:
  - id: overdue
    description: R30 anything overdue
    priority: {low_priority}
    conditions: {{all: [{{name: max_days_overdue, operator: greater_than, value: 0}}]}}
    actions: [{{name: hold, params: {{reason: overdue}}}}]
  - id: over-limit
    description: R30 over the limit
    priority: 20
    conditions: {{all: [{{name: amount_over_credit_limit, operator: greater_than, value: 0}}]}}
    actions: [{{name: hold, params: {{reason: over the limit}}}}]
tests:
  - name: both apply
    given: {{order_amount: 100, credit_limit: 1000, open_receivables: 2000,
             max_days_overdue: 40}}
    expect: {{rules: [{expect}]}}
  - name: only overdue
    given: {{order_amount: 100, credit_limit: 5000, open_receivables: 2000,
             max_days_overdue: 40}}
    expect: {{rules: [overdue]}}
"""
    return load_text(text, file="credit_release.yaml")


def test_hit_policy_first_lets_the_highest_priority_rule_decide() -> None:
    decision = ruleset("first").decide(FACTS)

    assert decision.hit_policy is HitPolicy.FIRST
    assert decision.rules == ("over-limit",)
    assert [a.params["reason"] for a in decision.actions] == ["over the limit"]


def test_hit_policy_collect_lets_every_matching_rule_act_in_priority_order() -> None:
    decision = ruleset("collect").decide(FACTS)

    assert decision.rules == ("over-limit", "overdue")
    assert [a.params["reason"] for a in decision.actions] == ["over the limit", "overdue"]


def test_equal_priorities_keep_file_order() -> None:
    decision = ruleset("collect", low_priority=20).decide(FACTS)

    assert decision.rules == ("overdue", "over-limit")


def test_no_matching_rule_is_a_decision_without_rules_for_a_person() -> None:
    decision = ruleset("collect").decide({**FACTS, "max_days_overdue": 0, "credit_limit": 10**6})

    assert not decision.matched
    assert decision.actions == ()
    assert "a person must decide" in decision.explain()


def test_explanation_holds_the_values_the_rules_read() -> None:
    decision = ruleset("collect").decide(FACTS)

    assert dict(decision.values) == {
        "credit_limit": Decimal("1000.00"),
        "max_days_overdue": Decimal(40),
        "open_receivables": Decimal("2000.00"),
        "order_amount": Decimal("100.00"),
        "amount_over_credit_limit": Decimal("1100.00"),
    }
    assert json.loads(json.dumps(decision.to_dict()))["values"]["order_amount"] == "100.00"


def test_yaml_numbers_become_exact_decimals() -> None:
    text = """
ruleset: invoice_exception
version: 1
hit_policy: first
rules:
  - id: tiny
    description: Money and tax, a tolerance of one tenth of a fen
    conditions: {all: [{name: line_tax_difference, operator: less_than_or_equal_to, value: 0.001}]}
    actions: [{name: resolve, params: {resolution: accept_rounding, evidence: [],
               confirm_by: finance}}]
tests:
  - name: within
    given: {kind: tax_difference, line_tax_difference: 0.001, customer_discount_mode: on_invoice}
    expect: {rules: [tiny]}
"""
    loaded = load_text(text, file="invoice_exception.yaml")

    tree = loaded.rules[0].conditions
    assert isinstance(tree, AllOf)
    condition = tree.conditions[0]
    assert isinstance(condition, Condition)
    assert condition.value == Decimal("0.001")
    assert str(condition.value) == "0.001"
    assert loaded.examples[0].given["line_tax_difference"] == Decimal("0.001")


def test_missing_fact_is_refused_by_name() -> None:
    facts = dict(FACTS)
    del facts["credit_limit"]

    with pytest.raises(FactError, match="fact 'credit_limit': missing"):
        ruleset("collect").decide(facts)


def test_float_money_is_refused() -> None:
    with pytest.raises(FactError, match="floats are refused"):
        ruleset("collect").decide({**FACTS, "order_amount": 100.0})


def test_fact_outside_the_options_is_refused() -> None:
    from rules import load_default

    invoice = load_default().versions("invoice_exception")[0]
    with pytest.raises(FactError, match="'quantity_wrong' is not one of"):
        invoice.decide({"kind": "quantity_wrong", "customer_discount_mode": "on_invoice"})


def test_fact_with_a_default_may_be_left_out() -> None:
    from rules import load_default

    invoice = load_default().versions("invoice_exception")[0]
    decision = invoice.decide({"kind": "model_mismatch", "customer_discount_mode": "on_invoice"})

    assert decision.values["branch_certified"] is False


def test_rule_set_is_in_force_between_its_effective_dates_inclusive() -> None:
    loaded = ruleset(effective="effective_from: 2026-01-01\neffective_to: 2026-06-30")

    assert not loaded.in_force(date(2025, 12, 31))
    assert loaded.in_force(date(2026, 1, 1))
    assert loaded.in_force(date(2026, 6, 30))
    assert not loaded.in_force(date(2026, 7, 1))


def test_rule_book_picks_the_version_in_force_on_a_date() -> None:
    old = ruleset(effective="effective_to: 2026-06-30")
    new = ruleset(version=2, effective="effective_from: 2026-07-01")
    book = RuleBook((old, new))

    assert book.in_force("credit_release", date(2026, 3, 1)) is old
    assert book.in_force("credit_release", date(2026, 9, 1)) is new
    assert book.versions("credit_release") == (old, new)
    with pytest.raises(LookupError):
        book.in_force("invoice_exception", date(2026, 3, 1))
