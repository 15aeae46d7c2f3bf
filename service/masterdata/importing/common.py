"""What the master data importers share: a document's cells as the API's request body,
validated as the API validates it; refusals put on the row and column their field stands for;
and the comparison that tells a rerun (same data: already booked) from a clash (other data:
refused naming the columns, nothing changed)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from service.errors import DomainError, from_workflow
from service.imports import Document
from workflows import WorkflowError

M = TypeVar("M", bound=BaseModel)
# Where a field of the request body stands in the file: (index of the row in the document, column).
Locate = Callable[[str], tuple[int, str]]
_INDEXED = re.compile(r"(\w+)\[(\d+)\](?:\.(\w+))?")


def cells(values: Mapping[str, str], columns: Iterable[str]) -> dict[str, Any]:
    """The non-empty cells of `columns`: an empty optional cell takes the API's default."""
    return {name: values[name] for name in columns if values.get(name)}


def listed(value: str) -> list[str]:
    """A cell holding several values, separated by `;` or `|`."""
    return [part.strip() for part in re.split(r"[;|]", value) if part.strip()]


def validated(model: type[M], body: dict[str, Any], document: Document, locate: Locate) -> M | None:
    """The request body validated as the API validates it; its errors go to their rows."""
    try:
        return model.model_validate(body)
    except ValidationError as exc:
        blame(exc, document, locate)
        return None


def _dotted(loc: Iterable[int | str]) -> str:
    return "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in loc).lstrip(".")


def blame(error: Exception, document: Document, locate: Locate) -> None:
    """Put a refusal's reasons on the rows and columns its fields stand for."""
    if isinstance(error, ValidationError):
        found = [(_dotted(e["loc"]) or e["type"], e["msg"]) for e in error.errors()]
    elif isinstance(error, DomainError | WorkflowError):
        refusal = error if isinstance(error, DomainError) else from_workflow(error)
        found = [(e.field, e.reason()) for e in refusal.errors] or [(refusal.code, refusal.detail)]
    else:
        cause = str(getattr(error, "orig", None) or error).strip().splitlines()
        found = [("", f"the database refused it: {cause[0] if cause else error}")]
    for name, reason in found:
        index, column = locate(name)
        document.rows[min(index, len(document.rows) - 1)].fail(column, reason)


def indexed(name: str) -> tuple[str, int, str] | None:
    """`prices[3].item_code` as ("prices", 3, "item_code")."""
    match = _INDEXED.fullmatch(name)
    return (match[1], int(match[2]), match[3] or "") if match else None


def differing(wanted: Mapping[str, Any], stored: Mapping[str, Any]) -> dict[str, Any]:
    """The columns whose value in the file is not the one stored, with the stored value."""
    return {name: stored.get(name) for name, value in wanted.items() if stored.get(name) != value}


def _shown(value: Any) -> str:
    if isinstance(value, list):
        return ";".join(map(str, value))
    return "(empty)" if value in (None, "") else str(value)


def already_or_differs(document: Document, what: str, stored: Mapping[str, Any]) -> None:
    """A document found booked: the same data is already booked; other data is refused on
    each column that differs, saying what is stored (nothing is changed: changes go through
    the API)."""
    for column, value in stored.items():
        document.fail(
            column, f"{what} {document.key} is stored with {_shown(value)}; nothing was changed"
        )
    if not document.problems:
        document.already(f"{what} {document.key} is stored with the same data")
