"""Typed checks of values read from a rule file, each failing with the file, rule and field."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from rules.errors import Site
from rules.vocabulary import NUMERIC, SELECT, SELECT_MULTIPLE, TEXT_INPUT, Param


def at(field: str, key: str | int) -> str:
    """The path of `key` inside `field`: `conditions.all[1]`, `actions[0].params.evidence`."""
    if isinstance(key, int):
        return f"{field}[{key}]"
    return f"{field}.{key}" if field else key


def need_keys(
    value: object,
    site: Site,
    field: str,
    *,
    required: Sequence[str],
    optional: Sequence[str] = (),
) -> Mapping[str, Any]:
    """A mapping with all `required` keys and no keys outside `required` and `optional`."""
    if not isinstance(value, Mapping):
        raise site.error(field or "(top level)", f"expected a mapping, got {_shown(value)}")
    for key in required:
        if key not in value:
            raise site.error(at(field, key), "missing")
    allowed = (*required, *optional)
    for key in value:
        if key not in allowed:
            raise site.error(at(field, str(key)), f"unknown key (expected: {', '.join(allowed)})")
    return value


def need_list(value: object, site: Site, field: str, *, empty: bool = False) -> list[Any]:
    """A list, not empty unless `empty`."""
    if not isinstance(value, list):
        raise site.error(field, f"expected a list, got {_shown(value)}")
    if not value and not empty:
        raise site.error(field, "must not be empty")
    return value


def need_str(value: object, site: Site, field: str) -> str:
    """A non-empty string."""
    if not isinstance(value, str) or not value.strip():
        raise site.error(field, f"expected a non-empty string, got {_shown(value)}")
    return value


def need_int(value: object, site: Site, field: str) -> int:
    """An integer (booleans are not integers here)."""
    if not isinstance(value, int) or isinstance(value, bool):
        raise site.error(field, f"expected an integer, got {_shown(value)}")
    return value


def need_number(value: object, site: Site, field: str) -> Decimal:
    """A number, as an exact Decimal; floats never get this far from YAML, and are refused."""
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        raise site.error(field, f"expected a number, got {_shown(value)}")
    number = Decimal(value)
    if not number.is_finite():
        raise site.error(field, f"expected a finite number, got {value}")
    return number


def need_choice(value: object, options: Sequence[str], site: Site, field: str) -> str:
    """A string, one of `options` when there are any."""
    if not isinstance(value, str):
        raise site.error(field, f"expected a string, got {_shown(value)}")
    if options and value not in options:
        raise site.error(field, f"{value!r} is not one of: {', '.join(options)}")
    return value


def need_choices(value: object, options: Sequence[str], site: Site, field: str) -> tuple[str, ...]:
    """A list of distinct strings (ignoring case), each one of `options` when there are any."""
    items = need_list(value, site, field, empty=True)
    seen: set[str] = set()
    for index, item in enumerate(items):
        need_choice(item, options, site, at(field, index))
        if item.lower() in seen:
            raise site.error(at(field, index), f"{item!r} is listed twice")
        seen.add(item.lower())
    return tuple(items)


def need_date(value: object, site: Site, field: str) -> date | None:
    """A date (YAML `2026-01-01` or an ISO string), or None."""
    if value is None or (isinstance(value, date) and not isinstance(value, datetime)):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise site.error(field, f"expected a date like 2026-01-01, got {_shown(value)}")


def param_value(param: Param, value: object, site: Site, field: str) -> object:
    """The value of an action parameter, checked against the parameter's type and options."""
    if param.field_type == NUMERIC:
        return need_number(value, site, field)
    if param.field_type == SELECT:
        return need_choice(value, param.options, site, field)
    if param.field_type == SELECT_MULTIPLE:
        return need_choices(value, param.options, site, field)
    if param.field_type == TEXT_INPUT:
        return need_str(value, site, field)
    raise site.error(field, f"parameter type {param.field_type!r} is not supported")


def _shown(value: object) -> str:
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return f"{type(value).__name__} {value!r}"
