"""Loads the lifecycle definitions once and fires triggers on stored documents.

Firing checks state, role and guards (workflows/), stores the new state, and appends the journal
row in the caller's transaction; the version column catches concurrent updates at flush.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import Update, bindparam, insert, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from service import journal
from service.auth.tokens import ROLES, Actor
from service.db import Base, table_of, utcnow
from service.discrepancies.guards import EXCEPTION_GUARDS
from service.errors import Conflict
from service.orders.guards import ORDER_GUARDS
from service.tasks.guards import TASK_GUARDS
from workflows import DEFINITIONS_DIR, Firing, Flow, load_flows
from workflows.flow import Guard

_JOURNAL_INSERT = insert(table_of(journal.Event))

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
        self._row_updates: dict[type[Base], Update] = {}

    def __getitem__(self, machine: str) -> Flow:
        return self.flows[machine]

    def _row_update(self, model: type[Base]) -> Update:
        """The versioned state UPDATE of a table, built once per table."""
        stmt = self._row_updates.get(model)
        if stmt is None:
            table = table_of(model)
            stmt = (
                update(table)
                .where(table.c.id == bindparam("entity_id"), table.c.version == bindparam("seen"))
                .values(
                    state=bindparam("dest"), version=bindparam("next"), updated_at=bindparam("at")
                )
                .returning(table.c.id)
            )
            self._row_updates[model] = stmt
        return stmt

    def _check_version(
        self, machine: str, entity_id: int, version: int, expected: int | None
    ) -> None:
        if expected is not None and expected != version:
            raise Conflict(
                f"{machine} {entity_id} was changed by someone else (it is at version "
                f"{version}, you sent {expected}); reload it and try again",
                field="If-Match",
                current_version=version,
            )

    def fire_row(
        self,
        session: Session,
        machine: str,
        model: type[Base],
        *,
        entity_id: int,
        state: str,
        version: int,
        trigger: str,
        actor: Actor,
        context: Any = None,
        payload: dict[str, Any] | None = None,
        expected_version: int | None = None,
    ) -> Firing:
        """`fire` for hot paths: move a row known by id, state and version, without loading it.

        The state change is one `UPDATE ... WHERE version = :v`; a concurrent update makes it
        match nothing and raises StaleDataError (HTTP 409), as the ORM version column does.
        """
        self._check_version(machine, entity_id, version, expected_version)
        firing = self.flows[machine].fire(state, trigger, roles=actor.roles, context=context)
        # Core statements run on the session's connection: same transaction, no ORM dispatch.
        connection = session.connection()
        changed = connection.execute(
            self._row_update(model),
            {
                "entity_id": entity_id,
                "seen": version,
                "dest": firing.dest,
                "next": version + 1,
                "at": utcnow(),
            },
        ).first()
        if changed is None:
            raise StaleDataError(f"{machine} {entity_id} changed under version {version}")
        loaded = session.identity_map.get(session.identity_key(model, entity_id))
        if loaded is not None:  # this session holds the row as an object: reload it on use
            session.expire(loaded)
        connection.execute(
            _JOURNAL_INSERT,
            [
                {
                    "entity_type": machine,
                    "entity_id": entity_id,
                    "trigger": trigger,
                    "from_state": firing.source,
                    "to_state": firing.dest,
                    "actor": actor.username,
                    "occurred_at": utcnow(),
                    "payload": journal.jsonable(payload or {}),
                    "decisions": [],
                }
            ],
        )
        return firing

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
        self._check_version(machine, entity.id, entity.version, expected_version)
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
