"""The compiled evaluator decides exactly as business_rules' run_all, its reference semantics."""

import random
from decimal import Decimal
from typing import Any

import pytest

from rules import DEFAULT_DIR, RuleSet, RuleSetError, load_default, load_text
from rules.compiler import OPERATORS
from rules.engine import (
    FactVariables,
    RecordingActions,
    action,
    boolean_variable,
    build_vocabulary,
    numeric_variable,
    param,
    select_multiple_variable,
    select_variable,
    string_variable,
)
from rules.errors import Site
from rules.model import HitPolicy
from rules.validate import Header, validate_rules
from rules.vocabularies.invoice_exception import DISCOUNT_MODES, EVIDENCE, KINDS


class OperatorVariables(FactVariables):
    """One variable of every type, without options so that case matters to the operators."""

    @numeric_variable("Number")
    def number(self) -> object:
        return self.fact("number")

    @numeric_variable("Twice the number", inputs=("number",))
    def twice(self) -> object:
        return self.fact("number") * 2

    @string_variable("Text")
    def text(self) -> object:
        return self.fact("text")

    @boolean_variable("Flag")
    def flag(self) -> object:
        return self.fact("flag")

    @select_variable("Tags", options=())
    def tags(self) -> object:
        return self.fact("tags")

    @select_multiple_variable("Labels", options=())
    def labels(self) -> object:
        return self.fact("labels")


class OperatorActions(RecordingActions):
    @action(
        "Note",
        code=param("text", "Code"),
        weight=param("numeric", "Weight"),
        colour=param("select", "Colour", ("red", "green")),
        marks=param("select_multiple", "Marks", ("x", "y")),
    )
    def note(self, code: str, weight: Decimal, colour: str, marks: tuple[str, ...]) -> None:
        self.record("note", code=code, weight=weight, colour=colour, marks=marks)


VOCABULARY = build_vocabulary("operators", OperatorVariables, OperatorActions)
OPERANDS: dict[str, list[Any]] = {
    "number": [0, Decimal("1.5"), -2, Decimal("0.000001")],
    "twice": [Decimal(3)],
    "text": ["ab", "AB", "", "a.c", "^b"],
    "flag": [None],
    "tags": ["Red", "blue"],
    "labels": [["red"], ["Red", "blue"], [], ["green", "BLUE", "red"]],
}
WORDS = ["", "ab", "AB", "abc", "xab", "a.c", "abc\n", "bab", "Ab", "aXc"]
COLOURS = ["red", "Red", "blue", "green", "BLUE"]


def condition(name: str, operator: str, value: Any) -> dict[str, Any]:
    found = {"name": name, "operator": operator}
    return found if value is None else {**found, "value": value}


def operator_rules() -> list[dict[str, Any]]:
    conditions = [
        condition(name, operator, value)
        for name, values in OPERANDS.items()
        for operator in OPERATORS[VOCABULARY.variables[name].field_type]
        for value in values
        if (value is None)
        == (VOCABULARY.operators[VOCABULARY.variables[name].field_type][operator] == "none")
    ]
    nested = [
        {"any": [conditions[i], {"all": [conditions[j], conditions[k]]}]}
        for i, j, k in zip(range(0, 60, 3), range(1, 60, 3), range(2, 60, 3), strict=True)
    ]
    params: dict[str, Any] = {"weight": 1, "colour": "red", "marks": ["x"]}
    return [
        {
            "id": f"r{index}",
            "description": "operator under test",
            "priority": index % 3,
            "conditions": tree if "any" in tree else {"all": [tree]},
            "actions": [{"name": "note", "params": {**params, "code": f"r{index}"}}],
        }
        for index, tree in enumerate([*conditions, *nested])
    ]


def operator_ruleset(policy: HitPolicy) -> RuleSet:
    rules = validate_rules(operator_rules(), VOCABULARY, Site("operators.yaml"))
    header = Header("operators", 1, "", policy, None, None)
    return RuleSet(header, VOCABULARY, rules, checksum="-", source="operators.yaml")


def random_operator_facts(rng: random.Random) -> dict[str, object]:
    near = ["1.5", "1.4999995", "1.500001", "0.0000005", "-1.999999", "1.5000005"]
    number = rng.choice(
        [0, 3, -2, *map(Decimal, near), Decimal(rng.randint(-3_000_000, 3_000_000)).scaleb(-6)]
    )
    return {
        "number": number,
        "text": rng.choice(WORDS),
        "flag": rng.random() < 0.5,
        "tags": rng.sample(COLOURS, rng.randint(0, 3)),
        "labels": rng.sample(COLOURS, rng.randint(0, 3)),
    }


def assert_agree(ruleset: RuleSet, facts: dict[str, object]) -> None:
    decision = ruleset.decide(facts)
    assert (decision.rules, decision.actions) == ruleset.decide_with_business_rules(facts), facts


def test_compiled_operators_are_the_ones_business_rules_exports() -> None:
    exported = {kind: set(ops) for kind, ops in VOCABULARY.operators.items()}

    assert {kind: set(ops) for kind, ops in OPERATORS.items()} == exported


@pytest.mark.parametrize("policy", list(HitPolicy))
def test_every_operator_agrees_with_business_rules_on_random_facts(policy: HitPolicy) -> None:
    ruleset = operator_ruleset(policy)
    rng = random.Random(1417)
    assert len(ruleset.rules) > 60

    for _ in range(1500):
        assert_agree(ruleset, random_operator_facts(rng))


def test_shipped_invoice_exception_agrees_with_business_rules_on_random_facts() -> None:
    ruleset = load_default().versions("invoice_exception")[0]
    rng = random.Random(2026)
    tax = ["0", "0.05", "0.06", "0.0600005", "0.060001", "0.07", "1.26", "1.27", "1.270001", "2"]

    for _ in range(3000):
        assert_agree(
            ruleset,
            {
                "kind": rng.choice(KINDS),
                "quantity_difference": rng.choice([-3, -1, 0, 1, 2, Decimal("0.5")]),
                "amount_difference": Decimal(rng.randint(-10_000, 10_000)).scaleb(-2),
                "line_tax_difference": Decimal(rng.choice(tax)),
                "invoice_tax_difference": Decimal(rng.choice(tax)),
                "branch_certified": rng.random() < 0.5,
                "customer_discount_mode": rng.choice(DISCOUNT_MODES),
                "evidence_on_file": rng.sample(EVIDENCE, rng.randint(0, 2)),
            },
        )


def test_shipped_credit_release_agrees_with_business_rules_on_random_facts() -> None:
    ruleset = load_default().versions("credit_release")[0]
    rng = random.Random(3032)

    for _ in range(3000):
        limit = Decimal(rng.randint(0, 1_000_000)).scaleb(-2)
        order = Decimal(rng.randint(0, 300_000)).scaleb(-2)
        days = rng.choice([0, 0, 1, 15, 16, 30, 31, rng.randint(0, 120)])
        assert_agree(
            ruleset,
            {
                "order_amount": order,
                "credit_limit": limit,
                "open_receivables": rng.choice([limit - order, limit - order + Decimal("0.01")])
                if rng.random() < 0.3
                else Decimal(rng.randint(0, 1_000_000)).scaleb(-2),
                "overdue_amount": Decimal(rng.randint(0, 5000)) if days else Decimal(0),
                "max_days_overdue": days,
                "customer_grade": rng.choice("ABC"),
            },
        )


def test_file_is_refused_when_compiled_rules_and_business_rules_disagree(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def wrong_greater_than(name: str, value: Decimal) -> Any:
        return lambda v: v[name] >= value

    monkeypatch.setitem(OPERATORS["numeric"], "greater_than", wrong_greater_than)
    text = (DEFAULT_DIR / "credit_release.yaml").read_text(encoding="utf-8")

    with pytest.raises(RuleSetError, match="but business_rules decided") as caught:
        load_text(text, file="credit_release.yaml")

    assert caught.value.field == "tests[1]"
