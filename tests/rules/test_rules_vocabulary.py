"""Vocabularies are published by business_rules' export_rule_data and checked when declared."""

import json

import pytest

from rules import VOCABULARIES
from rules.engine import (
    FactVariables,
    RecordingActions,
    action,
    build_vocabulary,
    numeric_variable,
    param,
)


def test_invoice_exception_vocabulary_is_published_with_types_and_options() -> None:
    data = VOCABULARIES["invoice_exception"].rule_data
    variables = {v["name"]: v for v in data["variables"]}
    (resolve,) = data["actions"]

    assert variables["kind"]["field_type"] == "string"
    assert "quantity_over_invoiced" in variables["kind"]["options"]
    assert variables["line_tax_difference"]["field_type"] == "numeric"
    assert variables["branch_certified"]["field_type"] == "boolean"
    assert resolve["name"] == "resolve"
    assert [p["name"] for p in resolve["params"]] == ["resolution", "evidence", "confirm_by"]
    assert "accept_rounding" in resolve["params"][0]["options"]
    assert "contains_all" in {
        op["name"] for op in data["variable_type_operators"]["select_multiple"]
    }
    json.dumps(data)


def test_credit_release_vocabulary_holds_and_releases_with_a_reason() -> None:
    vocabulary = VOCABULARIES["credit_release"]

    assert set(vocabulary.actions) == {"hold", "release"}
    assert all(list(a.params) == ["reason"] for a in vocabulary.actions.values())
    assert vocabulary.variables["customer_grade"].options == ("A", "B", "C")
    derived = vocabulary.variables["amount_over_credit_limit"]
    assert derived.inputs == ("order_amount", "open_receivables", "credit_limit")


class Actions(RecordingActions):
    @action("Hold", reason=param("text", "Reason"))
    def hold(self, reason: str) -> None:
        self.record("hold", reason=reason)


def test_variable_reading_another_fact_is_caught_when_declared() -> None:
    class Variables(FactVariables):
        @numeric_variable("Amount")
        def amount(self) -> object:
            return self.fact("limit")

        @numeric_variable("Limit")
        def limit(self) -> object:
            return self.fact("limit")

    with pytest.raises(TypeError, match=r"variable 'amount' must return self.fact\('amount'\)"):
        build_vocabulary("slips", Variables, Actions)


def test_derived_variable_reading_an_undeclared_fact_is_caught_when_declared() -> None:
    class Variables(FactVariables):
        @numeric_variable("Amount")
        def amount(self) -> object:
            return self.fact("amount")

        @numeric_variable("Limit")
        def limit(self) -> object:
            return self.fact("limit")

        @numeric_variable("Headroom", inputs=("limit",))
        def headroom(self) -> object:
            return self.fact("limit") - self.fact("amount")

    with pytest.raises(TypeError, match="derived 'headroom' reads"):
        build_vocabulary("slips", Variables, Actions)


def test_action_recording_another_name_is_caught_when_declared() -> None:
    class Variables(FactVariables):
        @numeric_variable("Amount")
        def amount(self) -> object:
            return self.fact("amount")

    class WrongActions(RecordingActions):
        @action("Release", reason=param("text", "Reason"))
        def release(self, reason: str) -> None:
            self.record("hold", reason=reason)

    with pytest.raises(TypeError, match="action 'release' must record itself"):
        build_vocabulary("slips", Variables, WrongActions)
