"""What an importer declares and does, and the run that books a file with it, chunk by chunk."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any, ClassVar

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.exc import DataError, IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session

from service import statistics
from service.auth.models import User
from service.auth.tokens import Actor
from service.context import Context
from service.db import Base
from service.errors import DomainError, Forbidden, NotFound, from_workflow
from service.imports.documents import Document, Row, read_documents
from service.imports.report import ImportReport, ImportStopped
from service.runtime import Runtime
from workflows import WorkflowError

Progress = Callable[[int, int], None]
# What an importer's `book` may raise for a document it cannot book: the document is refused.
REFUSALS = (DomainError, WorkflowError, ValidationError, IntegrityError, DataError)


@dataclass
class Batch:
    """One chunk's write transaction: the session, who imports, and the run's `memo` (kept
    from chunk to chunk, but in a dry run: only for what the import itself does not write, as
    master data)."""

    session: Session
    ctx: Context
    dry_run: bool
    memo: dict[str, Any] = field(default_factory=dict)

    @property
    def actor(self) -> Actor:
        return self.ctx.actor

    @property
    def today(self) -> date:
        return self.ctx.today


class Importer:
    """An importer: declare the class attributes, override `parse`, `look_up` and `book`
    (`key`, `check` and `blame` when the defaults do not fit). See `service.imports`."""

    name: ClassVar[str]  # the command: `o2c import <name>`
    help: ClassVar[str]  # the command's help: the file format and what is booked
    unit: ClassVar[str] = "document"  # what one document is called in the report
    roles: ClassVar[frozenset[str]]  # the importing user holds one of them
    columns: ClassVar[tuple[str, ...]]  # the header, in the documented order
    optional: ClassVar[frozenset[str]] = frozenset()  # columns the file may leave out
    key_columns: ClassVar[tuple[str, ...]] = ()  # rows with the same values are one document
    shared: ClassVar[tuple[str, ...]] = ()  # document columns its rows must agree on
    # The tables that gain about a row per document booked: after a run that booked a bulk of
    # them (`service.statistics`), their planner statistics are gathered again.
    bulk: ClassVar[tuple[type[Base], ...]] = ()

    def key(self, row: Row) -> str:
        """The document the row belongs to (default: its `key_columns`, joined by '/')."""
        return "/".join(row.values[c] for c in self.key_columns)

    def parse(self, row: Row) -> None:
        """Check one row on its own: typed values into `row.parsed`, problems with `row.fail`."""

    def check(self, document: Document) -> None:
        """Check a document whose rows are good, as a whole, without the database."""

    def look_up(self, batch: Batch, documents: Sequence[Document]) -> None:
        """Before booking a chunk: find what its documents name (one query per kind, not per
        document), refuse a document with `document.fail`, mark one booked by an earlier run
        with `document.already(reason)`."""

    def book(self, batch: Batch, documents: Sequence[Document]) -> None:
        """Book the documents (good, not yet booked) on `batch.session`, all at once when it
        can. A document found wrong here is failed (`document.fail`) and not written; raising
        one of REFUSALS rolls the chunk back, and each document is then booked on its own."""
        raise NotImplementedError

    def blame(self, document: Document, error: Exception) -> None:
        """Say on the document's rows why booking it alone raised `error`."""
        column = self.key_columns[0] if self.key_columns else self.columns[0]
        if isinstance(error, WorkflowError):
            error = from_workflow(error)
        if isinstance(error, DomainError):
            found = [(e.field, e.reason()) for e in error.errors] or [(column, error.detail)]
            for where, reason in found:
                document.fail(where if where in self.columns else column, reason)
        elif isinstance(error, ValidationError):
            for problem in error.errors():
                where = str(problem["loc"][0]) if problem["loc"] else column
                document.fail(where if where in self.columns else column, problem["msg"])
        else:
            cause = str(getattr(error, "orig", None) or error).strip().splitlines()
            document.fail(column, f"the database refused it: {cause[0] if cause else error}")


def acting_for(ctx: Context, *roles: str) -> Context:
    """The context of the importing user recording what the old system's people did (approved,
    shipped, received, invoiced): it holds their `roles` too. Only importers use it."""
    actor = ctx.actor
    held = actor.roles | frozenset(roles)
    return replace(ctx, actor=Actor(user_id=actor.user_id, username=actor.username, roles=held))


class _DryRun(Exception):
    """Raised at the end of a dry run's chunk so that its write transaction rolls back."""


def importing_actor(session: Session, username: str, importer: Importer) -> Actor:
    """The active user who imports, holding one of the roles the importer declares."""
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise NotFound("import.user_unknown", field="--user", username=username)
    if not user.active:
        raise Forbidden("import.user_inactive", field="--user", username=username)
    if not importer.roles.intersection(user.roles):
        raise Forbidden(
            "import.role_required",
            field="--user",
            username=username,
            what=importer.name,
            roles=list(user.roles),
            required_roles=sorted(importer.roles),
        )
    return Actor(user_id=user.id, username=user.username, roles=frozenset(user.roles))


def run_import(
    runtime: Runtime,
    importer: Importer,
    *,
    path: Path,
    username: str,
    dry_run: bool = False,
    chunk_size: int = 200,
    progress: Progress | None = None,
) -> ImportReport:
    """Book every good document of the file as `username`, a write transaction per chunk;
    report each row's outcome. A dry run books each chunk and rolls it back."""
    db = runtime.db
    with db.read() as session:
        actor = importing_actor(session, username, importer)
    ctx = runtime.for_actor(actor)
    documents = read_documents(path, importer)
    report = ImportReport(unit=importer.unit, dry_run=dry_run)
    memo: dict[str, Any] = {}
    for start in range(0, len(documents), chunk_size):
        chunk = documents[start : start + chunk_size]
        if dry_run:  # the rollback expired what the memo held
            memo = {}
        try:
            with db.write() as session:
                booked = _chunk(importer, Batch(session, ctx, dry_run, memo), chunk)
                if dry_run:
                    raise _DryRun
        except _DryRun:
            pass
        except SQLAlchemyError as exc:
            raise ImportStopped(report, chunk[0].first.line, exc) from exc
        for document in chunk:
            if document.outcome is not None:
                report.add(document, "already booked")
            elif document in booked:
                report.add(document, "would book" if dry_run else "booked")
            else:
                report.add(document, "refused")
        if progress is not None:
            progress(start + len(chunk), len(documents))
    report.rows.sort(key=lambda r: r.line)
    if importer.bulk and report.booked:
        with db.write() as session:
            for model in importer.bulk:
                statistics.refresh_after(session, model, report.booked)
    return report


def _chunk(importer: Importer, batch: Batch, chunk: list[Document]) -> list[Document]:
    """Book the chunk's good documents at once; when that fails, each one on its own."""
    ready = [d for d in chunk if not d.problems]
    if ready:
        importer.look_up(batch, ready)
    todo = [d for d in ready if d.outcome is None and not d.problems]
    if not todo:
        return []
    try:
        with batch.session.begin_nested():
            importer.book(batch, todo)
        return [d for d in todo if not d.problems]
    except REFUSALS as error:
        if len(todo) == 1:
            importer.blame(todo[0], error)
            return []
    booked = []
    for document in todo:
        if document.problems:
            continue
        try:
            with batch.session.begin_nested():
                importer.book(batch, [document])
        except REFUSALS as error:
            importer.blame(document, error)
            continue
        if not document.problems:
            booked.append(document)
    return booked
