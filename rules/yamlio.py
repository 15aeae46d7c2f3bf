"""Reads rule-file YAML safely: numbers with a point become exact Decimals, duplicate keys fail.

`0.06` in a rule file is a tolerance in yuan; it must reach the rules as Decimal('0.06'), never
as the float 0.059999..., and a key written twice must not silently drop the first value.
"""

from __future__ import annotations

from collections.abc import Hashable
from decimal import Decimal, InvalidOperation
from typing import Any

import yaml
from yaml.constructor import ConstructorError
from yaml.nodes import MappingNode, ScalarNode

from rules.errors import RuleSetError


class _RuleFileLoader(yaml.SafeLoader):
    """SafeLoader with Decimal numbers and refused duplicate keys."""

    def construct_mapping(self, node: MappingNode, deep: bool = False) -> dict[Hashable, Any]:
        seen: set[str] = set()
        for key_node, _ in node.value:
            if isinstance(key_node, ScalarNode) and key_node.value != "<<":
                if key_node.value in seen:
                    raise ConstructorError(
                        "while reading a mapping",
                        node.start_mark,
                        f"duplicate key {key_node.value!r}",
                        key_node.start_mark,
                    )
                seen.add(key_node.value)
        return super().construct_mapping(node, deep)


def _decimal(loader: yaml.SafeLoader, node: yaml.Node) -> Decimal:
    text = str(loader.construct_scalar(node)).replace("_", "")  # type: ignore[arg-type]
    try:
        number = Decimal(text)
    except InvalidOperation:
        number = Decimal("NaN")
    if not number.is_finite():
        raise ConstructorError(
            None, None, f"not a finite decimal number: {text!r}", node.start_mark
        )
    return number


def _timestamp(loader: yaml.SafeLoader, node: yaml.Node) -> object:
    """A date as YAML writes it; an impossible one (2026-02-30) names its line."""
    try:
        return loader.construct_yaml_timestamp(node)  # type: ignore[arg-type]
    except ValueError as error:
        raise ConstructorError(
            None, None, f"not a date: {node.value!r} ({error})", node.start_mark
        ) from None


_RuleFileLoader.add_constructor("tag:yaml.org,2002:float", _decimal)
_RuleFileLoader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp)


def parse_yaml(text: str, file: str) -> object:
    """The document in `text`; malformed YAML raises RuleSetError naming the file and line."""
    try:
        return yaml.load(text, Loader=_RuleFileLoader)  # a SafeLoader subclass
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        raise RuleSetError(file, f"malformed YAML: {where}{error.problem}") from None
    except (yaml.YAMLError, ValueError, TypeError) as error:
        raise RuleSetError(file, f"malformed YAML: {error}") from None
