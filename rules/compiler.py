"""Compiles condition trees once into plain Python closures over the checked fact values.

Each operator mirrors the business_rules operator of the same type and name (operators.py):
numbers compare with its epsilon, `select` comparisons ignore the case of strings, a regex is
searched anywhere in the string. Embedded examples and a randomised test hold the two equal.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any, Final

from rules.engine import NUMERIC_EPSILON
from rules.model import AllOf, Condition, Node
from rules.vocabulary import BOOLEAN, NUMERIC, SELECT, SELECT_MULTIPLE, STRING

Values = Mapping[str, Any]
Predicate = Callable[[Values], bool]
OperatorFactory = Callable[[str, Any], Predicate]

_EPS: Final = NUMERIC_EPSILON


def compile_node(node: Node, field_types: Mapping[str, str]) -> Predicate:
    """A predicate over the fact values, equal in meaning to business_rules on the same tree."""
    if isinstance(node, Condition):
        factory = OPERATORS[field_types[node.name]][node.operator]
        return factory(node.name, node.value)
    parts = tuple(compile_node(child, field_types) for child in node.conditions)
    if len(parts) == 1:
        return parts[0]
    if isinstance(node, AllOf):
        return _all_of(parts)
    return _any_of(parts)


def _all_of(parts: tuple[Predicate, ...]) -> Predicate:
    if len(parts) == 2:
        first, second = parts
        return lambda v: first(v) and second(v)

    def all_of(values: Values) -> bool:
        # A plain loop: all() over a generator costs more than the parts it calls.
        for part in parts:  # noqa: SIM110
            if not part(values):
                return False
        return True

    return all_of


def _any_of(parts: tuple[Predicate, ...]) -> Predicate:
    if len(parts) == 2:
        first, second = parts
        return lambda v: first(v) or second(v)

    def any_of(values: Values) -> bool:
        for part in parts:  # noqa: SIM110 - as in all_of
            if part(values):
                return True
        return False

    return any_of


# numeric: the same expressions as NumericType, so rounding and epsilon agree to the last digit.
def _num_equal_to(name: str, c: Decimal) -> Predicate:
    return lambda v: abs(v[name] - c) <= _EPS


def _num_greater_than(name: str, c: Decimal) -> Predicate:
    return lambda v: v[name] - c > _EPS


def _num_greater_than_or_equal_to(name: str, c: Decimal) -> Predicate:
    def test(v: Values) -> bool:
        diff: Decimal = v[name] - c
        return diff > _EPS or abs(diff) <= _EPS

    return test


def _num_less_than(name: str, c: Decimal) -> Predicate:
    return lambda v: c - v[name] > _EPS


def _num_less_than_or_equal_to(name: str, c: Decimal) -> Predicate:
    def test(v: Values) -> bool:
        value: Decimal = v[name]
        return c - value > _EPS or abs(value - c) <= _EPS

    return test


# string
def _str_equal_to(name: str, c: str) -> Predicate:
    return lambda v: v[name] == c


def _str_equal_to_case_insensitive(name: str, c: str) -> Predicate:
    lower = c.lower()
    return lambda v: v[name].lower() == lower


def _str_starts_with(name: str, c: str) -> Predicate:
    return lambda v: v[name].startswith(c)


def _str_ends_with(name: str, c: str) -> Predicate:
    return lambda v: v[name].endswith(c)


def _str_contains(name: str, c: str) -> Predicate:
    return lambda v: c in v[name]


def _str_matches_regex(name: str, c: str) -> Predicate:
    search = re.compile(c).search
    return lambda v: search(v[name]) is not None


def _str_non_empty(name: str, _: None) -> Predicate:
    return lambda v: bool(v[name])


# boolean
def _is_true(name: str, _: None) -> Predicate:
    return lambda v: v[name] is True


def _is_false(name: str, _: None) -> Predicate:
    return lambda v: v[name] is False


# select / select_multiple: strings compare without case, as business_rules' SelectType does.
def _lowered(items: tuple[str, ...]) -> frozenset[str]:
    return frozenset(item.lower() for item in items)


def _sel_contains(name: str, c: str) -> Predicate:
    lower = c.lower()
    return lambda v: any(item.lower() == lower for item in v[name])


def _sel_does_not_contain(name: str, c: str) -> Predicate:
    lower = c.lower()
    return lambda v: all(item.lower() != lower for item in v[name])


def _multi_contains_all(name: str, c: tuple[str, ...]) -> Predicate:
    wanted = _lowered(c)
    return lambda v: wanted <= _lowered(v[name])


def _multi_is_contained_by(name: str, c: tuple[str, ...]) -> Predicate:
    allowed = _lowered(c)
    return lambda v: _lowered(v[name]) <= allowed


def _multi_shares_at_least_one(name: str, c: tuple[str, ...]) -> Predicate:
    other = _lowered(c)
    return lambda v: not other.isdisjoint(_lowered(v[name]))


def _multi_shares_exactly_one(name: str, c: tuple[str, ...]) -> Predicate:
    # business_rules counts the operand's items found in the value; operands are validated
    # free of duplicates (ignoring case), so counting the intersection is the same.
    other = _lowered(c)
    return lambda v: len(other & _lowered(v[name])) == 1


def _multi_shares_none(name: str, c: tuple[str, ...]) -> Predicate:
    other = _lowered(c)
    return lambda v: other.isdisjoint(_lowered(v[name]))


OPERATORS: Final[Mapping[str, Mapping[str, OperatorFactory]]] = {
    NUMERIC: {
        "equal_to": _num_equal_to,
        "greater_than": _num_greater_than,
        "greater_than_or_equal_to": _num_greater_than_or_equal_to,
        "less_than": _num_less_than,
        "less_than_or_equal_to": _num_less_than_or_equal_to,
    },
    STRING: {
        "equal_to": _str_equal_to,
        "equal_to_case_insensitive": _str_equal_to_case_insensitive,
        "starts_with": _str_starts_with,
        "ends_with": _str_ends_with,
        "contains": _str_contains,
        "matches_regex": _str_matches_regex,
        "non_empty": _str_non_empty,
    },
    BOOLEAN: {"is_true": _is_true, "is_false": _is_false},
    SELECT: {"contains": _sel_contains, "does_not_contain": _sel_does_not_contain},
    SELECT_MULTIPLE: {
        "contains_all": _multi_contains_all,
        "is_contained_by": _multi_is_contained_by,
        "shares_at_least_one_element_with": _multi_shares_at_least_one,
        "shares_exactly_one_element_with": _multi_shares_exactly_one,
        "shares_no_elements_with": _multi_shares_none,
    },
}
"""Field type → operator name → factory of the compiled test; the operators a file may use."""
