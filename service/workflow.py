"""The one writer of document state: every lifecycle change and creation goes through here.

`Workflows` loads the machines once at start-up and, for any table with a lifecycle (a model with
`__machine__`, `id`, `state` and `version`), fires triggers and journals them:

- firing checks the If-Match version, the state, the roles and the guards (workflows/), then
  moves the row by one versioned `UPDATE ... WHERE version = :seen` and appends the journal row,
  both on the caller's transaction. A concurrent change makes the UPDATE match nothing: 409.
- creation stores the initial state and version 1 and journals the creation.

So a document's version counts its journal rows: one per transition, creation included. Other
columns are written by the use cases in the same transaction, after the versioned UPDATE has
taken the row.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, ClassVar, Protocol, cast
from zoneinfo import ZoneInfo

from sqlalchemy import Update, bindparam, insert, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from service import journal, requestid
from service.auth.tokens import ROLES, Actor
from service.clock import business_date as day_in
from service.db import Base, table_of, utcnow
from service.errors import Conflict
from service.prepared import Prepared
from workflows import (
    DEFINITIONS_DIR,
    Firing,
    Flow,
    Guard,
    GuardContext,
    UnknownTag,
    WorkflowDefinitionError,
    load_flows,
)

_JOURNAL = Prepared(
    insert(table_of(journal.Event)),
    keys=[
        "entity_type",
        "entity_id",
        "trigger",
        "from_state",
        "to_state",
        "actor",
        "occurred_at",
        "business_date",
        "payload",
        "decisions",
        "request_id",
    ],
)
SHANGHAI = ZoneInfo("Asia/Shanghai")


class Document(Protocol):
    """A stored document with a lifecycle (an ORM row of a model with `__machine__`)."""

    __machine__: ClassVar[str]
    id: int
    state: str
    version: int


@dataclass(frozen=True)
class RowRef:
    """A document known by id, state and version without loading it (hot paths)."""

    model: type[Base]
    id: int
    state: str
    version: int


@dataclass(frozen=True)
class Machine:
    """A feature's lifecycle binding: the table that carries it and the guards it names."""

    model: type[Base]
    guards: Mapping[str, Guard]

    @property
    def name(self) -> str:
        return machine_of(self.model)


def machine_of(model: type[Base]) -> str:
    name = getattr(model, "__machine__", None)
    if not isinstance(name, str):
        raise TypeError(f"{model.__name__} has no lifecycle (__machine__)")
    return name


class Workflows:
    """All machines, built once at start-up from the packaged or configured directory."""

    def __init__(
        self,
        directory: str | Path | None = None,
        *,
        machines: Sequence[Machine] = (),
        tags: Mapping[str, Sequence[str]] | None = None,
        tz: ZoneInfo = SHANGHAI,
    ) -> None:
        """Load and check the definitions: every bound machine has a file, every tag the
        service asks for is declared. WorkflowDefinitionError names the file otherwise. `tz`:
        the business time zone, for creations journaled without a business date (seeds, jobs:
        today's)."""
        self.tz = tz
        self.directory = Path(directory) if directory else DEFINITIONS_DIR
        if not self.directory.is_dir():
            raise WorkflowDefinitionError(f"{self.directory}: no such workflow directory")
        guards = {m.name: m.guards for m in machines}
        self.flows: dict[str, Flow] = load_flows(self.directory, guards=guards, roles=ROLES)
        self.models = {m.name: m.model for m in machines}
        for name in self.models:
            if name not in self.flows:
                raise WorkflowDefinitionError(
                    f"{self.directory / (name + '.yaml')}: missing; the service needs the "
                    f"{name} lifecycle"
                )
        for name, needed in (tags or {}).items():
            for tag in needed:
                try:
                    self.flows[name].tagged(tag)
                except UnknownTag as error:
                    raise WorkflowDefinitionError(f"{error} (the service needs it)") from None
        self._updates: dict[type[Base], Update] = {}
        self._prepared_updates: dict[type[Base], Prepared] = {}

    def __getitem__(self, machine: str) -> Flow:
        return self.flows[machine]

    def flow(self, model: type[Base]) -> Flow:
        return self.flows[machine_of(model)]

    def tagged(self, model: type[Base], tag: str) -> tuple[str, ...]:
        """The states of `model`'s lifecycle tagged `tag` (open, billable, ...)."""
        return self.flow(model).tagged(tag)

    def _update(self, model: type[Base]) -> Update:
        """The versioned state UPDATE of a table, built once per table."""
        stmt = self._updates.get(model)
        if stmt is None:
            table = table_of(model)
            values: dict[str, Any] = {"state": bindparam("dest"), "version": bindparam("next")}
            if "updated_at" in table.c:
                values["updated_at"] = bindparam("at")
            stmt = (
                update(table)
                .where(table.c.id == bindparam("entity_id"), table.c.version == bindparam("seen"))
                .values(values)
            )
            self._updates[model] = stmt
        return stmt

    def _prepared_update(self, model: type[Base]) -> Prepared:
        """The same UPDATE for one document at a time (every request that moves a document runs
        it), prepared on the driver's cursor."""
        prepared = self._prepared_updates.get(model)
        if prepared is None:
            prepared = self._prepared_updates[model] = Prepared(self._update(model))
        return prepared

    def fire(
        self,
        session: Session,
        document: Document | RowRef,
        trigger: str,
        *,
        actor: Actor,
        today: date,
        payload: dict[str, Any] | None = None,
        decisions: list[dict[str, Any]] | None = None,
        expected_version: int | None = None,
        business_date: date | None = None,
    ) -> Firing:
        """Move `document` by `trigger` and journal it on `business_date` (default `today`);
        WorkflowError or Conflict when refused. Guards see the real `today`."""
        model = document.model if isinstance(document, RowRef) else cast(type[Base], type(document))
        machine = machine_of(model)
        flow = self.flows[machine]
        if expected_version is not None and expected_version != document.version:
            raise Conflict(
                "document.version_mismatch",
                field="If-Match",
                machine=machine,
                document_id=document.id,
                current_version=document.version,
                sent_version=expected_version,
            )
        context = None
        if flow.guards_for(document.state, trigger):
            loaded = session.get(model, document.id) if isinstance(document, RowRef) else document
            context = GuardContext(document=loaded, actor=actor, today=today)
        firing = flow.fire(document.state, trigger, roles=actor.roles, context=context)
        self._store(session, model, document, firing)
        self._journal(
            session,
            [
                self._event(
                    machine,
                    document.id,
                    firing.trigger,
                    firing.source,
                    firing.dest,
                    actor.username,
                    payload,
                    decisions,
                    business_date or today,
                )
            ],
        )
        return firing

    def fire_many(
        self,
        session: Session,
        documents: Sequence[RowRef],
        trigger: str,
        *,
        actor: Actor,
        today: date,
        payload: dict[str, Any] | None = None,
        business_date: date | None = None,
    ) -> list[Firing]:
        """Move many documents of one table by `trigger` (one journal row each, on
        `business_date`, default `today`): each checked as `fire` checks it, then one versioned
        UPDATE and one journal INSERT for all (executemany).
        A document changed concurrently refuses the whole batch (409)."""
        if not documents:
            return []
        model = documents[0].model
        machine = machine_of(model)
        flow = self.flows[machine]
        firings = []
        # Without guards a firing depends on the source state alone: checked once per state.
        unguarded: dict[str, Firing] = {}
        for document in documents:
            firing = unguarded.get(document.state)
            if firing is None:
                context = None
                guarded = bool(flow.guards_for(document.state, trigger))
                if guarded:
                    loaded = session.get(document.model, document.id)
                    context = GuardContext(document=loaded, actor=actor, today=today)
                firing = flow.fire(document.state, trigger, roles=actor.roles, context=context)
                if not guarded:
                    unguarded[document.state] = firing
            firings.append(firing)
        now = utcnow()
        changed = session.connection().execute(
            self._update(model),
            [
                {
                    "entity_id": d.id,
                    "seen": d.version,
                    "dest": f.dest,
                    "next": d.version + 1,
                    "at": now,
                }
                for d, f in zip(documents, firings, strict=True)
            ],
        )
        if changed.rowcount != len(documents):
            raise Conflict(
                "document.changed_concurrently", machine=machine, document_id=documents[0].id
            )
        # Rows of the table the session holds (few), found in one pass over its identity map.
        rows = {
            cast(Document, row).id: row
            for row in session.identity_map.values()
            if type(row) is model
        }
        for document, firing in zip(documents, firings, strict=True):
            held = rows.get(document.id)
            if held is not None:  # the session holds the row: keep it as stored
                set_committed_value(held, "state", firing.dest)
                set_committed_value(held, "version", document.version + 1)
        stored = journal.jsonable(payload or {})
        request_id = requestid.get()
        self._journal(
            session,
            [
                {
                    "entity_type": machine,
                    "entity_id": d.id,
                    "trigger": trigger,
                    "from_state": f.source,
                    "to_state": f.dest,
                    "actor": actor.username,
                    "occurred_at": now,
                    "business_date": business_date or today,
                    "payload": stored,
                    "decisions": [],
                    "request_id": request_id,
                }
                for d, f in zip(documents, firings, strict=True)
            ],
        )
        return firings

    def _store(
        self, session: Session, model: type[Base], document: Document | RowRef, firing: Firing
    ) -> None:
        now = utcnow()
        changed = self._prepared_update(model).run(
            session.connection(),
            {
                "entity_id": document.id,
                "seen": document.version,
                "dest": firing.dest,
                "next": document.version + 1,
                "at": now,
            },
        )
        if changed != 1:
            raise Conflict(
                "document.changed_concurrently",
                machine=firing.machine,
                document_id=document.id,
            )
        loaded = (
            session.identity_map.get(session.identity_key(model, document.id))
            if isinstance(document, RowRef)
            else document
        )
        if loaded is not None:  # the session holds the row: keep it as stored, with no change
            set_committed_value(loaded, "state", firing.dest)
            set_committed_value(loaded, "version", document.version + 1)
            if "updated_at" in table_of(model).c:
                set_committed_value(loaded, "updated_at", now)

    def create(
        self,
        session: Session,
        document: Document,
        *,
        actor: Actor | str,
        payload: dict[str, Any] | None = None,
        decisions: list[dict[str, Any]] | None = None,
        how: str = "create",
        business_date: date | None = None,
    ) -> Document:
        """Store a new document in its initial state, version 1, and journal its creation on
        `business_date` (default: today).

        The flush may raise IntegrityError (a unique key taken meanwhile); the caller says what
        that means.
        """
        flow = self.flow(cast(type[Base], type(document)))
        document.state, document.version = flow.initial, 1
        session.add(document)
        session.flush()
        username = actor if isinstance(actor, str) else actor.username
        self._journal(
            session,
            [
                self._event(
                    flow.name,
                    document.id,
                    how,
                    None,
                    flow.initial,
                    username,
                    payload,
                    decisions,
                    business_date or day_in(self.tz),
                )
            ],
        )
        return document

    def initial(self, model: type[Base]) -> dict[str, Any]:
        """Column values of a new row of `model` inserted in bulk (see `created`)."""
        return {"state": self.flow(model).initial, "version": 1}

    def created(
        self,
        session: Session,
        model: type[Base],
        rows: Sequence[tuple[int, dict[str, Any]]],
        *,
        actor: str,
        how: str = "create",
        decisions: Mapping[int, list[dict[str, Any]]] | None = None,
        business_date: date | None = None,
        state: str | None = None,
    ) -> None:
        """Journal the creation of rows inserted in bulk with `initial(model)` values, each with
        the rule decisions made for it (by row id), on `business_date` (default: today).
        `state`: the rows were inserted in that state of the lifecycle, version 1, instead
        (imports: documents arrive in the state the old system left them in)."""
        flow = self.flow(model)
        if state is not None and state not in flow.states:
            raise ValueError(f"{flow.name} has no state {state!r}")
        made = decisions or {}
        day = business_date or day_in(self.tz)
        now = utcnow()
        self._journal(
            session,
            [
                self._event(
                    flow.name,
                    row_id,
                    how,
                    None,
                    state or flow.initial,
                    actor,
                    payload,
                    made.get(row_id),
                    day,
                    now,
                )
                for row_id, payload in rows
            ],
        )

    @staticmethod
    def _event(
        machine: str,
        entity_id: int,
        trigger: str,
        source: str | None,
        dest: str,
        actor: str,
        payload: dict[str, Any] | None,
        decisions: list[dict[str, Any]] | None,
        business_date: date,
        occurred_at: datetime | None = None,
    ) -> dict[str, Any]:
        return {
            "entity_type": machine,
            "entity_id": entity_id,
            "trigger": trigger,
            "from_state": source,
            "to_state": dest,
            "actor": actor,
            "occurred_at": occurred_at or utcnow(),
            "business_date": business_date,
            "payload": journal.jsonable(payload or {}),
            "decisions": journal.jsonable(decisions or []),
            "request_id": requestid.get(),
        }

    @staticmethod
    def _journal(session: Session, events: list[dict[str, Any]]) -> None:
        # On the session's connection: the same transaction as the change it records, run on the
        # driver's cursor without SQLAlchemy's per-row parameter handling; many rows (a scheduler
        # run or an import journals thousands) as one COPY on PostgreSQL.
        _JOURNAL.insert_many(session.connection(), events)
