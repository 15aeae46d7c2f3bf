"""Loads the lifecycle definitions once and fires triggers on stored documents.

Firing checks state, role and guards (workflows/), stores the new state, and appends the journal
row in the caller's transaction; the version column catches concurrent updates at flush.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy.orm import Session

from service import journal
from service.auth.tokens import ROLES, Actor
from service.discrepancies.guards import EXCEPTION_GUARDS
from service.errors import Conflict
from service.orders.guards import ORDER_GUARDS
from service.tasks.guards import TASK_GUARDS
from workflows import DEFINITIONS_DIR, Firing, Flow, load_flows
from workflows.flow import Guard

GUARDS: dict[str, Mapping[str, Guard]] = {
    "order": ORDER_GUARDS,
    "task": TASK_GUARDS,
    "invoice_exception": EXCEPTION_GUARDS,
}


class Stateful(Protocol):
    id: int
    state: str
    version: int


class Workflows:
    """All machines, built once at start-up from the packaged or configured directory."""

    def __init__(self, directory: str | Path | None = None) -> None:
        self.directory = Path(directory) if directory else DEFINITIONS_DIR
        self.flows: dict[str, Flow] = load_flows(self.directory, guards=GUARDS, roles=ROLES)

    def __getitem__(self, machine: str) -> Flow:
        return self.flows[machine]

    def fire(
        self,
        session: Session,
        machine: str,
        entity: Stateful,
        trigger: str,
        *,
        actor: Actor,
        context: Any = None,
        payload: dict[str, Any] | None = None,
        decisions: list[dict[str, Any]] | None = None,
        expected_version: int | None = None,
    ) -> Firing:
        """Move `entity` by `trigger` and journal it; raises a WorkflowError when refused.

        A concurrent update of the same row surfaces as StaleDataError (HTTP 409) when the
        transaction flushes.
        """
        if expected_version is not None and expected_version != entity.version:
            raise Conflict(
                f"{machine} {entity.id} was changed by someone else (it is at version "
                f"{entity.version}, you sent {expected_version}); reload it and try again",
                field="If-Match",
                current_version=entity.version,
            )
        firing = self.flows[machine].fire(entity.state, trigger, roles=actor.roles, context=context)
        entity.state = firing.dest
        journal.append(
            session,
            entity_type=machine,
            entity_id=entity.id,
            trigger=trigger,
            from_state=firing.source,
            to_state=firing.dest,
            actor=actor.username,
            payload=payload,
            decisions=decisions,
        )
        # No flush here: the state change, its journal row and the version check reach the
        # database with the caller's next flush or commit, in the same transaction.
        return firing
