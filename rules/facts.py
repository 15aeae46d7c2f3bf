"""Checking the facts a decision is made on: types, options and defaults, once per decision.

The same checks serve the caller's facts, a rule file's examples and a vocabulary's defaults, so
the compiled evaluator and business_rules always see identical, well-typed values.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal

from rules.errors import FactError
from rules.vocabulary import BOOLEAN, NUMERIC, REQUIRED, STRING, Variable, Vocabulary

Check = Callable[[object], object]
Reader = Callable[[Mapping[str, object]], dict[str, object]]


def normalizer(var: Variable) -> Check:
    """The check for one variable: returns the value in its canonical type or raises FactError."""
    if var.field_type == NUMERIC:
        return _numeric(var.name)
    if var.field_type == STRING:
        return _string(var.name, frozenset(var.options))
    if var.field_type == BOOLEAN:
        return _boolean(var.name)
    return _selection(var.name, frozenset(var.options))


def fact_reader(vocabulary: Vocabulary, names: Iterable[str]) -> Reader:
    """A function reading the variables `names` (and the facts derived ones need) from facts.

    A missing or None fact takes the variable's default, or is refused when it has none.
    """
    wanted = [vocabulary.variables[name] for name in sorted(set(names))]
    inputs = {var.name for var in wanted if not var.derived}
    inputs.update(name for var in wanted for name in var.inputs or ())
    plain = tuple(
        (name, normalizer(vocabulary.variables[name]), vocabulary.variables[name].default)
        for name in sorted(inputs)
    )
    derived = tuple(
        (var.name, var.derive, normalizer(var)) for var in wanted if var.derive is not None
    )

    def read(facts: Mapping[str, object]) -> dict[str, object]:
        values: dict[str, object] = {}
        get = facts.get
        for name, check, default in plain:
            raw = get(name)
            if raw is not None:
                values[name] = check(raw)
            elif default is not REQUIRED:
                values[name] = default
            else:
                raise FactError(name, "missing")
        for name, derive, check in derived:
            values[name] = check(derive(values))
        return values

    return read


def _numeric(name: str) -> Check:
    def check(value: object) -> object:
        kind = type(value)
        if kind is Decimal:
            if value.is_finite():  # type: ignore[attr-defined]
                return value
        elif kind is int:
            return Decimal(value)  # type: ignore[arg-type]
        elif isinstance(value, Decimal | int) and not isinstance(value, bool):
            return check(Decimal(value))
        elif isinstance(value, float):
            raise FactError(name, f"floats are refused, give a Decimal: {value!r}")
        raise FactError(name, f"expected a finite Decimal or int, got {value!r}")

    return check


def _string(name: str, options: frozenset[str]) -> Check:
    def check(value: object) -> object:
        if not isinstance(value, str):
            raise FactError(name, f"expected a string, got {value!r}")
        if options and value not in options:
            raise FactError(name, f"{value!r} is not one of {sorted(options)}")
        return value

    return check


def _boolean(name: str) -> Check:
    def check(value: object) -> object:
        if value is True or value is False:
            return value
        raise FactError(name, f"expected true or false, got {value!r}")

    return check


def _selection(name: str, options: frozenset[str]) -> Check:
    def check(value: object) -> object:
        if isinstance(value, set | frozenset):
            value = sorted(value, key=str)
        if not isinstance(value, list | tuple):
            raise FactError(name, f"expected a list of strings, got {value!r}")
        for item in value:
            if not isinstance(item, str):
                raise FactError(name, f"expected a list of strings, got item {item!r}")
            if options and item not in options:
                raise FactError(name, f"{item!r} is not one of {sorted(options)}")
        return tuple(value)

    return check
