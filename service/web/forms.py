"""HTML forms to the use cases' models: nested names, empty fields, and refusals by field.

A form names nested fields as the API's problems do (`lines[0].received_qty`), so a refusal's
field is the name of the input it belongs to and the page shows it there. A form that changes a
document carries the version it was shown at; the use case gets it as the API's If-Match, so a
change made by someone else meanwhile is refused (`document.version_mismatch`).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from service.context import Context
from service.errors import DomainError, FieldError, from_workflow
from service.problems import input_error
from service.schemas import Id, Request
from workflows import WorkflowError

M = TypeVar("M", bound=BaseModel)
_PART = re.compile(r"([^.\[\]]+)|\[(\d+)\]")
# Fields of the page itself, not of the document.
CONTROL = frozenset({"csrf", "form_key", "next"})


def nested(pairs: Iterable[tuple[str, Any]]) -> dict[str, Any]:
    """`lines[1].received_qty=3` → `{"lines": [..., {"received_qty": "3"}]}`; empty inputs are
    left out, so an optional field left blank is simply not given."""
    result: dict[str, Any] = {}
    for name, value in pairs:
        if name in CONTROL or (isinstance(value, str) and not value.strip()):
            continue
        parts = [int(i) if i else key for key, i in _PART.findall(name)]
        _put(result, parts, value.strip() if isinstance(value, str) else value)
    shaped: dict[str, Any] = _lists(result)
    return shaped


def _put(target: dict[str, Any], parts: list[str | int], value: Any) -> None:
    node: Any = target
    for part, following in zip(parts, [*parts[1:], None], strict=True):
        key = str(part) if isinstance(part, int) else part
        if following is None:
            node[key] = value
        else:
            node = node.setdefault(key, {})


def _lists(node: Any) -> Any:
    """Dicts whose keys are all numbers become lists, in their order."""
    if not isinstance(node, dict):
        return node
    items = {k: _lists(v) for k, v in node.items()}
    if items and all(k.isdigit() for k in items):
        return [items[k] for k in sorted(items, key=int)]
    return items


def parse(model: type[M], form: FormData) -> M:
    """The form as `model`; a DomainError naming each field at fault when it is not one."""
    try:
        return model.model_validate(nested(form.multi_items()))
    except ValidationError as error:
        raise FormRefused([input_error(e) for e in error.errors()]) from None


class FormRefused(DomainError):
    """Several inputs refused at once (the page shows each next to its field)."""

    status = 422
    title = "problem.invalid"

    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__("input.invalid_fields", errors=errors)


def by_field(error: DomainError, locale: str) -> dict[str, str]:
    """The words of each field's refusal, by field name, as the page shows them."""
    return {e.field: e.reason(locale) for e in error.errors}


def refusal(error: DomainError | WorkflowError) -> DomainError:
    """A refusal as a page shows it: a lifecycle's (wrong state, role or guard) as the API
    states it."""
    return error if isinstance(error, DomainError) else from_workflow(error)


def typed(form: FormData, leave: Iterable[str] = CONTROL) -> dict[str, str]:
    """What was typed, by input name, to show again with a refusal (files and the page's own
    fields left out)."""
    skip = frozenset(leave)
    return {k: v for k, v in form.multi_items() if isinstance(v, str) and k not in skip}


def on_rows(
    error: DomainError, rows: list[int], *, sent: str = "lines", shown: str = "lines"
) -> DomainError:
    """A refusal of a use case's `lines[k]` (`sent`) named by the form's row `rows[k]` (its
    inputs named `shown`): the form lists more rows than it sends, only the ticked or filled
    ones go to the use case."""
    moved = []
    for e in error.errors:
        field = e.field
        if field.startswith(f"{sent}["):
            index, _, rest = field[len(sent) + 1 :].partition("]")
            if index.isdigit() and int(index) < len(rows):
                field = f"{shown}[{rows[int(index)]}]{rest}"
        moved.append(FieldError(field, e.code, e.params))
    error.errors = moved
    return error


class Shown(Request):
    """The version of the document the form was shown at (sent back as If-Match)."""

    version: Id


def at_version(usecase: Callable[..., Any]) -> Callable[..., Any]:
    """`usecase` with the version the form was shown at as its If-Match: the API's check."""

    def run(session: Session, ctx: Context, *, version: int, **kwargs: Any) -> Any:
        return usecase(session, dataclasses.replace(ctx, expected_version=version), **kwargs)

    return run


def shown_version(form: FormData) -> int:
    """The version the form carries; refused (as the field `version`) when it carries none."""
    return parse(Shown, FormData([(k, v) for k, v in form.multi_items() if k == "version"])).version


def without(form: FormData, *names: str) -> FormData:
    """The form without the inputs `names` (the page's own, not the use case's)."""
    return FormData([(k, v) for k, v in form.multi_items() if k not in names])
