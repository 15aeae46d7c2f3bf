"""Self-checks of a declared vocabulary, run once when it is built.

Declarations repeat each name (the method, and the fact it reads or the action it records); a
slip there would otherwise show only as a wrong decision, so it is caught at import time.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import suppress
from decimal import Decimal
from typing import Final

from rules.vocabulary import (
    BOOLEAN,
    NUMERIC,
    SELECT,
    SELECT_MULTIPLE,
    STRING,
    TEXT_INPUT,
    Variable,
    Vocabulary,
)


class _Probe(Mapping[str, object]):
    """Facts that remember which names were read."""

    def __init__(self, facts: dict[str, object]) -> None:
        self._facts = facts
        self.read: set[str] = set()

    def __getitem__(self, key: str) -> object:
        self.read.add(key)
        return self._facts[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._facts)

    def __len__(self) -> int:
        return len(self._facts)


_SAMPLES: Final[dict[str, object]] = {
    NUMERIC: Decimal(1),
    STRING: "",
    BOOLEAN: False,
    SELECT: (),
    SELECT_MULTIPLE: (),
}


def _sample(var: Variable) -> object:
    return var.options[0] if var.field_type == STRING and var.options else _SAMPLES[var.field_type]


def check_vocabulary(vocabulary: Vocabulary) -> None:
    """Catch declaration slips (a variable reading another fact, an action recording another
    name) when the vocabulary is built, not when a decision goes wrong."""
    where = f"vocabulary {vocabulary.name!r}"
    facts = {n: v for n, v in vocabulary.variables.items() if not v.derived}
    tokens = {name: object() for name in facts}
    instance = vocabulary.variables_class(tokens)
    for name in facts:
        if getattr(instance, name)() is not tokens[name]:
            raise TypeError(f"{where}: variable {name!r} must return self.fact({name!r})")
    for var in vocabulary.variables.values():
        if var.inputs is None:
            continue
        unknown = [n for n in var.inputs if n not in facts]
        if unknown:
            raise TypeError(f"{where}: derived {var.name!r} reads unknown facts {unknown}")
        probe = _Probe({n: _sample(facts[n]) for n in var.inputs})
        with suppress(Exception):  # only which facts it reads matters here
            getattr(vocabulary.variables_class(probe), var.name)()
        if not probe.read <= set(var.inputs):
            raise TypeError(f"{where}: derived {var.name!r} reads {sorted(probe.read)}")
    for spec in vocabulary.actions.values():
        if spec.name.startswith("_"):
            raise TypeError(f"{where}: action names may not start with '_': {spec.name!r}")
        if any(
            p.field_type not in {TEXT_INPUT, NUMERIC, SELECT, SELECT_MULTIPLE}
            for p in spec.params.values()
        ):
            raise TypeError(f"{where}: action {spec.name!r} has a parameter of unknown type")
        actions = vocabulary.actions_class()
        sample = {name: object() for name in spec.params}
        getattr(actions, spec.name)(**sample)
        if actions.calls != [(spec.name, sample)]:
            raise TypeError(f"{where}: action {spec.name!r} must record itself with its params")
