"""The words a rule set may use: variables, operators and actions, as our own plain types.

A vocabulary is declared with business_rules' classes (see `rules.engine`) so that
`export_rule_data` publishes it; this module holds the description the loader, the compiler and
the service work with, without touching business_rules.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final

NUMERIC: Final = "numeric"
STRING: Final = "string"
BOOLEAN: Final = "boolean"
SELECT: Final = "select"
SELECT_MULTIPLE: Final = "select_multiple"
FIELD_TYPES: Final = (NUMERIC, STRING, BOOLEAN, SELECT, SELECT_MULTIPLE)

# Input types of operators and action parameters, as business_rules names them (fields.py).
TEXT_INPUT: Final = "text"
NO_INPUT: Final = "none"


class _Required:
    """Marker for a fact that has no default and must be given."""

    def __repr__(self) -> str:
        return "REQUIRED"


REQUIRED: Final[Any] = _Required()


@dataclass(frozen=True, slots=True)
class Variable:
    """One variable: a fact given by the caller, or derived from other facts."""

    name: str
    field_type: str
    label: str
    options: tuple[str, ...] = ()
    default: object = REQUIRED
    inputs: tuple[str, ...] | None = None
    derive: Callable[[Mapping[str, object]], object] | None = None

    @property
    def derived(self) -> bool:
        """True when the value is computed from `inputs` instead of given."""
        return self.inputs is not None


@dataclass(frozen=True, slots=True)
class Param:
    """One parameter of an action; `field_type` is text, numeric, select or select_multiple."""

    name: str
    field_type: str
    label: str
    options: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ActionSpec:
    """An action a rule may take, with its typed parameters (all of them required)."""

    name: str
    label: str
    params: Mapping[str, Param]


@dataclass(frozen=True, slots=True)
class Vocabulary:
    """Everything a rule set of one name may use, and the classes business_rules runs with."""

    name: str
    variables: Mapping[str, Variable]
    actions: Mapping[str, ActionSpec]
    operators: Mapping[str, Mapping[str, str]]
    """Field type → operator name → the operator's input type."""
    rule_data: Mapping[str, Any]
    """What business_rules' `export_rule_data` publishes, for editors and pages."""
    variables_class: type
    actions_class: type

    def known_variables(self) -> str:
        """The variable names, for error messages."""
        return ", ".join(sorted(self.variables))
