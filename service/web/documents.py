"""A document's page, shared by every feature: where it is in its lifecycle, what may be done
next by whom is looking, its history, and the panels other features add to it.

Panels are how features meet on a page without importing each other: the shipments feature adds
its panel to the order's page, invoicing adds the order's invoices, and so on (see
`Feature.panels`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from service import i18n, journal
from service.context import Context
from workflows import Flow
from workflows.diagram import svg


@dataclass(frozen=True)
class Panel:
    """A part of another document's page: its template and what it shows (None: nothing).
    Panels are shown by `place`, low first: the order of the steps in the document's flow."""

    machine: str
    template: str
    load: Callable[[Session, Context, int], Mapping[str, Any] | None]
    place: int = 100


def labels(flow: Flow, locale: str) -> dict[str, str]:
    """The machine's states and triggers in words, for the diagram."""
    words = {s: i18n.text(f"state.{flow.name}.{s}", locale, {}) for s in flow.states}
    for transition in flow.transitions:
        code = f"trigger.{flow.name}.{transition.trigger}"
        words[transition.trigger] = i18n.text(code, locale, {})
    return words


def next_steps(flow: Flow, state: str, ctx: Context) -> list[str]:
    """The triggers this person may fire from `state` (guards are checked when they do)."""
    return [t for t in flow.allowed_triggers(state) if flow.roles_for(t) & ctx.actor.roles]


def lifecycle(
    session: Session,
    ctx: Context,
    *,
    machine: str,
    document_id: int,
    state: str,
    locale: str,
    panels: Sequence[Panel] = (),
) -> dict[str, Any]:
    """What every document page shows around the document itself."""
    flow = ctx.workflows[machine]
    words = labels(flow, locale)
    shown = []
    for panel in panels:
        data = panel.load(session, ctx, document_id)
        if data is not None:
            shown.append((panel.template, data))
    return {
        "diagram": svg(flow, current=state, labels=words, title=words.get(state, state)),
        "next_steps": next_steps(flow, state, ctx),
        "history": journal.history(session, machine, document_id),
        "panels": shown,
        "machine": machine,
    }
