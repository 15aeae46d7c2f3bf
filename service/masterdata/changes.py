"""What a change of master data changed: the `update` journal row's before and after.

A PUT sends the whole document back; only what differs is journalled, as
`{"changes": {field: {"before": ..., "after": ...}}}`. A PUT that changes nothing journals
nothing and keeps the version, but its If-Match is checked all the same.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.orm import Session

from service.context import Context
from service.errors import Conflict
from service.workflow import Document

Changes = dict[str, dict[str, Any]]


def fields(before: Mapping[str, Any], after: Mapping[str, Any]) -> Changes:
    """The fields whose value differs, each with its value before and after."""
    return {k: {"before": before[k], "after": v} for k, v in after.items() if before[k] != v}


def entries(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, Any]:
    """The entries of a keyed collection (DCs by code, prices by item) that were removed,
    changed or added: `before` holds the removed and changed ones, `after` the changed and
    added ones; empty when nothing differs."""
    removed_or_changed = {k: v for k, v in before.items() if k not in after or after[k] != v}
    added_or_changed = {k: v for k, v in after.items() if before.get(k) != v}
    if not removed_or_changed and not added_or_changed:
        return {}
    return {"before": removed_or_changed, "after": added_or_changed}


def journal_update(session: Session, ctx: Context, document: Document, changes: Changes) -> None:
    """Fire `update` with what changed (If-Match checked); nothing changed: only If-Match."""
    if changes:
        ctx.fire(session, document, "update", payload={"changes": changes}, if_match=True)
    elif ctx.expected_version is not None and ctx.expected_version != document.version:
        raise Conflict(
            "document.version_mismatch",
            field="If-Match",
            machine=document.__machine__,
            document_id=document.id,
            current_version=document.version,
            sent_version=ctx.expected_version,
        )
