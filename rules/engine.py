"""The one module that touches business_rules: vocabulary declarations and the reference run.

Vocabularies are declared with business_rules' `BaseVariables`/`BaseActions` and its decorators,
so `export_rule_data` publishes exactly what a rule file may use. business_rules is too slow to
run per decision, so rule sets are compiled (`rules.compiler`); business_rules stays the
reference semantics: every embedded example is run through `run_reference` as well.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from decimal import Decimal
from typing import Any, Final, TypeVar, cast

from business_rules import export_rule_data, run_all
from business_rules.actions import BaseActions, rule_action
from business_rules.operators import (
    BooleanType,
    NumericType,
    SelectMultipleType,
    SelectType,
    StringType,
)
from business_rules.variables import BaseVariables, rule_variable

from rules.facts import normalizer
from rules.vocabcheck import check_vocabulary
from rules.vocabulary import (
    BOOLEAN,
    NUMERIC,
    REQUIRED,
    SELECT,
    SELECT_MULTIPLE,
    STRING,
    ActionSpec,
    Param,
    Variable,
    Vocabulary,
)

F = TypeVar("F", bound=Callable[..., Any])
RecordedAction = tuple[str, dict[str, object]]

NUMERIC_EPSILON: Final[Decimal] = NumericType.EPSILON
"""business_rules compares numbers with this tolerance; the compiled operators do the same."""

_OPERAND_TYPES: Final[dict[str, Any]] = {
    NUMERIC: NumericType,
    STRING: StringType,
    BOOLEAN: BooleanType,
    SELECT: SelectType,
    SELECT_MULTIPLE: SelectMultipleType,
}
_FIRED: Final = "_rule_fired"


class FactVariables(BaseVariables):  # type: ignore[misc]
    """Base of vocabulary variables: each variable method reads or derives from the facts."""

    def __init__(self, values: Mapping[str, object]) -> None:
        self._values = values

    def fact(self, name: str) -> Any:
        """The (already checked) value of the fact `name`."""
        return self._values[name]


class RecordingActions(BaseActions):  # type: ignore[misc]
    """Base of vocabulary actions: acting only records the call, deciding is not doing."""

    def __init__(self) -> None:
        self.calls: list[RecordedAction] = []

    def record(self, name: str, **params: object) -> None:
        """Note that action `name` was taken with `params`."""
        self.calls.append((name, params))

    def _rule_fired(self, rule_id: str) -> None:
        # Not a rule action (not exported): run_all does not say which rule fired, so each rule
        # given to it starts with this marker.
        self.calls.append((_FIRED, {"rule_id": rule_id}))


def variable(
    field_type: str,
    label: str,
    *,
    options: Sequence[str] = (),
    default: object = REQUIRED,
    inputs: Sequence[str] | None = None,
) -> Callable[[F], F]:
    """Declare a variable method; `inputs` makes it derived from those facts, else it is a fact."""

    def declare(func: F) -> F:
        declared = rule_variable(_OPERAND_TYPES[field_type], label=label, options=list(options))
        func = cast(F, declared(func))
        setattr(func, "fact_default", default)  # noqa: B010 - an attribute on a function
        setattr(func, "derived_from", None if inputs is None else tuple(inputs))  # noqa: B010
        return func

    return declare


def numeric_variable(
    label: str, *, default: object = REQUIRED, inputs: Sequence[str] | None = None
) -> Callable[[F], F]:
    """A number (Decimal; ints are accepted, floats are refused)."""
    return variable(NUMERIC, label, default=default, inputs=inputs)


def string_variable(
    label: str, *, options: Sequence[str] = (), default: object = REQUIRED
) -> Callable[[F], F]:
    """A string; with `options`, a fact must be one of them."""
    return variable(STRING, label, options=options, default=default)


def boolean_variable(label: str, *, default: object = REQUIRED) -> Callable[[F], F]:
    """True or False."""
    return variable(BOOLEAN, label, default=default)


def select_variable(
    label: str, *, options: Sequence[str], default: object = REQUIRED
) -> Callable[[F], F]:
    """A list of strings tested for one element (`contains`, `does_not_contain`)."""
    return variable(SELECT, label, options=options, default=default)


def select_multiple_variable(
    label: str, *, options: Sequence[str], default: object = REQUIRED
) -> Callable[[F], F]:
    """A list of strings compared with a list (`contains_all`, `shares_no_elements_with`...)."""
    return variable(SELECT_MULTIPLE, label, options=options, default=default)


def param(field_type: str, label: str, options: Sequence[str] = ()) -> dict[str, object]:
    """An action parameter of a business_rules field type (text, numeric, select...)."""
    return {"label": label, "fieldType": field_type, "options": list(options)}


def action(label: str, **params: dict[str, object]) -> Callable[[F], F]:
    """Declare an action method; its keyword parameters are the action's params."""
    declared = rule_action(
        label=label, params=[{"name": name, **spec} for name, spec in params.items()]
    )

    def declare(func: F) -> F:
        return cast(F, declared(func))

    return declare


def build_vocabulary(name: str, variables_class: type, actions_class: type) -> Vocabulary:
    """Describe a declared vocabulary from what `export_rule_data` publishes, and self-check it."""
    data = export_rule_data(variables_class, actions_class)
    operators = {
        field_type: {op["name"]: op["input_type"] for op in ops}
        for field_type, ops in data["variable_type_operators"].items()
    }
    variables: dict[str, Variable] = {}
    for item in data["variables"]:
        method = getattr(variables_class, item["name"])
        var = Variable(
            name=item["name"],
            field_type=item["field_type"],
            label=item["label"],
            options=tuple(item["options"]),
            inputs=method.derived_from,
            derive=_deriver(variables_class, item["name"]) if method.derived_from else None,
        )
        default = method.fact_default
        if default is not REQUIRED:
            default = normalizer(var)(default)
        variables[var.name] = replace(var, default=default)
    actions = {
        item["name"]: ActionSpec(
            name=item["name"],
            label=item["label"],
            params={
                p["name"]: Param(p["name"], p["fieldType"], p["label"], tuple(p["options"]))
                for p in item["params"] or []
            },
        )
        for item in data["actions"]
    }
    vocabulary = Vocabulary(
        name, variables, actions, operators, data, variables_class, actions_class
    )
    check_vocabulary(vocabulary)
    return vocabulary


def run_reference(
    vocabulary: Vocabulary,
    rules: Sequence[tuple[str, Mapping[str, Any], Sequence[Mapping[str, Any]]]],
    values: Mapping[str, object],
    *,
    first: bool,
) -> tuple[tuple[str, ...], tuple[RecordedAction, ...]]:
    """Run rules (id, conditions, actions in business_rules' format) with business_rules' run_all.

    Returns the ids of the rules that fired and the actions taken, in order.
    """
    variables = vocabulary.variables_class(values)
    actions = vocabulary.actions_class()
    rule_list = [
        {
            "conditions": conditions,
            "actions": [{"name": _FIRED, "params": {"rule_id": rule_id}}, *rule_actions],
        }
        for rule_id, conditions, rule_actions in rules
    ]
    run_all(rule_list, variables, actions, stop_on_first_trigger=first)
    fired = tuple(str(params["rule_id"]) for name, params in actions.calls if name == _FIRED)
    taken = tuple((name, params) for name, params in actions.calls if name != _FIRED)
    return fired, taken


def _deriver(variables_class: type, name: str) -> Callable[[Mapping[str, object]], object]:
    def derive(values: Mapping[str, object]) -> object:
        return getattr(variables_class(values), name)()

    return derive
