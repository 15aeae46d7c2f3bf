"""A refused rule file names the file, the rule and the field at fault."""

import copy
from collections.abc import Callable
from typing import Any

import pytest
import yaml

from rules import RuleSet, RuleSetError, load_text

FILE = "credit_release.yaml"
GIVEN: dict[str, Any] = {
    "order_amount": 100,
    "credit_limit": 1000,
    "open_receivables": 950,
    "overdue_amount": 0,
    "max_days_overdue": 0,
    "customer_grade": "A",
}
BASE: dict[str, Any] = {
    "ruleset": "credit_release",
    "version": 1,
    "description": "a small valid rule set to break in many ways",
    "hit_policy": "first",
    "rules": [
        {
            "id": "over-limit",
            "description": "R30 over the limit",
            "priority": 10,
            "conditions": {
                "all": [
                    {"name": "amount_over_credit_limit", "operator": "greater_than", "value": 0},
                    {"name": "credit_limit", "operator": "greater_than", "value": 0},
                ]
            },
            "actions": [{"name": "hold", "params": {"reason": "over the limit"}}],
        },
        {
            "id": "release",
            "description": "R32 within the limit",
            "conditions": {
                "all": [
                    {
                        "name": "amount_over_credit_limit",
                        "operator": "less_than_or_equal_to",
                        "value": 0,
                    }
                ]
            },
            "actions": [{"name": "release", "params": {"reason": "within the limit"}}],
        },
    ],
    "tests": [
        {"name": "over", "given": GIVEN, "expect": {"rules": ["over-limit"]}},
        {
            "name": "within",
            "given": {**GIVEN, "open_receivables": 900},
            "expect": {"rules": ["release"], "actions": [{"name": "release"}]},
        },
    ],
}


def load(document: dict[str, Any]) -> RuleSet:
    return load_text(yaml.safe_dump(document, sort_keys=False, allow_unicode=True), file=FILE)


def refusal(change: Callable[[dict[str, Any]], None]) -> RuleSetError:
    document = copy.deepcopy(BASE)
    change(document)
    with pytest.raises(RuleSetError) as caught:
        load(document)
    return caught.value


def condition(document: dict[str, Any], rule: int = 0, index: int = 1) -> dict[str, Any]:
    found: dict[str, Any] = document["rules"][rule]["conditions"]["all"][index]
    return found


def test_the_base_document_is_valid() -> None:
    assert load(BASE).name == "credit_release"


def test_unknown_variable_is_named_with_file_rule_and_field() -> None:
    error = refusal(lambda d: condition(d).update(name="credit_limt"))

    assert str(error) == (
        "credit_release.yaml: rule 'over-limit': conditions.all[1].name: unknown variable"
        " 'credit_limt' (known: amount_over_credit_limit, credit_limit, customer_grade,"
        " max_days_overdue, open_receivables, order_amount, overdue_amount)"
    )
    assert (error.file, error.rule, error.field) == (FILE, "over-limit", "conditions.all[1].name")


def test_malformed_yaml_is_refused_with_its_line() -> None:
    with pytest.raises(RuleSetError) as caught:
        load_text("ruleset: credit_release\nrules: [\n  {id: x\n", file=FILE)

    assert str(caught.value).startswith("credit_release.yaml: malformed YAML: line ")


def test_duplicate_yaml_key_is_refused() -> None:
    text = yaml.safe_dump(BASE, sort_keys=False) + "version: 2\n"

    with pytest.raises(RuleSetError, match="duplicate key 'version'"):
        load_text(text, file=FILE)


def test_document_must_be_a_mapping() -> None:
    with pytest.raises(RuleSetError, match=r"\(top level\): expected a mapping"):
        load_text("- one\n- two\n", file=FILE)


@pytest.mark.parametrize("key", ["ruleset", "version", "hit_policy", "rules"])
def test_missing_top_level_key_is_named(key: str) -> None:
    error = refusal(lambda d: d.pop(key))

    assert (error.rule, error.field, error.reason) == (None, key, "missing")


def test_unknown_top_level_key_is_named() -> None:
    error = refusal(lambda d: d.update(colour="red"))

    assert error.field == "colour"
    assert error.reason.startswith("unknown key")


@pytest.mark.parametrize("key", ["id", "description", "conditions", "actions"])
def test_missing_rule_key_is_named(key: str) -> None:
    error = refusal(lambda d: d["rules"][1].pop(key))

    if key == "id":
        assert (error.rule, error.field) == (None, "rules[1].id")
    else:
        assert (error.rule, error.field, error.reason) == ("release", key, "missing")


def test_unknown_ruleset_name_is_refused() -> None:
    error = refusal(lambda d: d.update(ruleset="credit_relase"))

    assert error.field == "ruleset"
    assert (
        "unknown ruleset 'credit_relase' (known: collection, credit_release, credit_review, "
        "invoice_exception, receipt_exception, reconciliation_timing, return_credit)" in str(error)
    )


def test_operator_not_valid_for_the_variable_type_is_refused() -> None:
    error = refusal(lambda d: condition(d).update(operator="starts_with"))

    assert error.rule == "over-limit"
    assert error.field == "conditions.all[1].operator"
    assert "not valid for numeric variable 'credit_limit'" in error.reason
    assert "greater_than_or_equal_to" in error.reason


def test_condition_value_of_the_wrong_type_is_refused() -> None:
    error = refusal(lambda d: condition(d).update(value="a lot"))

    assert error.field == "conditions.all[1].value"
    assert "expected a number" in error.reason


def test_condition_value_outside_the_variable_options_is_refused() -> None:
    error = refusal(
        lambda d: condition(d).update(name="customer_grade", operator="equal_to", value="D")
    )

    assert error.field == "conditions.all[1].value"
    assert "'D' is not one of: A, B, C" in error.reason


def test_operator_without_input_refuses_a_value() -> None:
    error = refusal(
        lambda d: condition(d).update(name="customer_grade", operator="non_empty", value="A")
    )

    assert (error.field, error.reason) == (
        "conditions.all[1].value",
        "this operator takes no value",
    )


def test_invalid_regex_is_refused() -> None:
    error = refusal(
        lambda d: condition(d).update(name="customer_grade", operator="matches_regex", value="[")
    )

    assert error.field == "conditions.all[1].value"
    assert error.reason.startswith("invalid regex")


def test_empty_all_is_refused_rather_than_matching_everything() -> None:
    error = refusal(lambda d: d["rules"][0]["conditions"].update(all=[]))

    assert (error.rule, error.field, error.reason) == (
        "over-limit",
        "conditions.all",
        "must not be empty",
    )


def test_all_must_be_alone_in_its_mapping() -> None:
    error = refusal(lambda d: d["rules"][0]["conditions"].update(any=[condition(d)]))

    assert error.field == "conditions"


def test_unknown_action_is_refused() -> None:
    error = refusal(lambda d: d["rules"][0]["actions"][0].update(name="block"))

    assert (error.rule, error.field) == ("over-limit", "actions[0].name")
    assert "unknown action 'block' (known: hold, release)" in error.reason


def test_unknown_action_param_is_refused() -> None:
    error = refusal(lambda d: d["rules"][0]["actions"][0]["params"].update(note="x"))

    assert (error.rule, error.field) == ("over-limit", "actions[0].params.note")
    assert "unknown parameter of action 'hold' (known: reason)" in error.reason


def test_missing_action_param_is_refused() -> None:
    error = refusal(lambda d: d["rules"][0]["actions"][0].pop("params"))

    assert (error.rule, error.field) == ("over-limit", "actions[0].params.reason")


def test_action_param_of_the_wrong_type_is_refused() -> None:
    error = refusal(lambda d: d["rules"][0]["actions"][0]["params"].update(reason=12))

    assert (error.rule, error.field) == ("over-limit", "actions[0].params.reason")
    assert "expected a non-empty string" in error.reason


def test_bad_hit_policy_is_refused() -> None:
    error = refusal(lambda d: d.update(hit_policy="all"))

    assert error.field == "hit_policy"
    assert "unknown hit policy 'all' (known: first, collect)" in error.reason


@pytest.mark.parametrize("version", [0, "1", True])
def test_version_must_be_a_positive_integer(version: object) -> None:
    assert refusal(lambda d: d.update(version=version)).field == "version"


def test_duplicate_rule_ids_are_refused() -> None:
    error = refusal(lambda d: d["rules"][1].update(id="over-limit"))

    assert (error.rule, error.field) == ("over-limit", "id")
    assert "duplicate rule id (rules[0] and rules[1])" in error.reason


def test_effective_dates_must_be_dates_in_order() -> None:
    assert refusal(lambda d: d.update(effective_from="soon")).field == "effective_from"
    error = refusal(lambda d: d.update(effective_from="2026-02-01", effective_to="2026-01-31"))
    assert error.field == "effective_to"


def test_failing_example_names_the_expected_and_the_matched_rules() -> None:
    error = refusal(lambda d: d["tests"][0]["expect"].update(rules=["release"]))

    assert error.field == "tests[0].expect.rules"
    assert error.reason == "example 'over': expected [release] to match, but [over-limit] matched"


def test_failing_example_action_is_named() -> None:
    def change(document: dict[str, Any]) -> None:
        document["tests"][1]["expect"]["actions"] = [{"name": "hold"}]

    error = refusal(change)

    assert error.field == "tests[1].expect.actions[0]"
    assert "expected hold(), got release(reason=within the limit)" in error.reason


def test_example_expecting_an_unknown_rule_is_refused() -> None:
    error = refusal(lambda d: d["tests"][0]["expect"].update(rules=["over-limt"]))

    assert error.field == "tests[0].expect.rules[0]"


def test_rule_no_example_reaches_is_refused() -> None:
    error = refusal(lambda d: d["tests"].pop(1))

    assert (error.rule, error.field) == ("release", "tests")
    assert "no example matches this rule" in error.reason


def test_example_with_an_unknown_fact_is_refused() -> None:
    error = refusal(lambda d: d["tests"][0]["given"].update(colour="red"))

    assert error.field == "tests[0].given.colour"


def test_example_giving_a_derived_variable_is_refused() -> None:
    error = refusal(lambda d: d["tests"][0]["given"].update(amount_over_credit_limit=5))

    assert error.field == "tests[0].given.amount_over_credit_limit"
    assert "derived variable" in error.reason


def test_example_fact_of_the_wrong_type_is_refused() -> None:
    error = refusal(lambda d: d["tests"][0]["given"].update(order_amount="100"))

    assert error.field == "tests[0].given.order_amount"


def test_example_missing_a_required_fact_is_refused() -> None:
    error = refusal(lambda d: d["tests"][0]["given"].pop("credit_limit"))

    assert error.field == "tests[0].given"
    assert "fact 'credit_limit': missing" in error.reason
