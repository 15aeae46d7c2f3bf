"""Idempotency-Key handling: a retried create returns the first result and books nothing twice.

The key and the response are recorded in the same transaction as the work they guard. Two
identical requests at the same moment race: the loser fails (on the unique (user, key) index, on
the version of the document the winner changed, or on the state the winner moved it to), rolls
back, finds the winner's record and replays its stored response.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    ForeignKey,
    String,
    UniqueConstraint,
    bindparam,
    insert,
    select,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from service.db import Base, Database, UTCDateTime, table_of, utcnow
from service.errors import Conflict, Invalid
from service.prepared import Prepared

MAX_KEY_LENGTH = 200


class IdempotencyRecord(Base):
    __tablename__ = "idempotency_records"
    __table_args__ = (UniqueConstraint("user_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    key: Mapped[str] = mapped_column(String(MAX_KEY_LENGTH))
    method: Mapped[str] = mapped_column(String(8))
    path: Mapped[str] = mapped_column(String(500))
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int]
    response: Mapped[Any] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


@dataclass(frozen=True)
class Outcome:
    status_code: int
    body: Any
    replayed: bool = False


def fingerprint(method: str, path: str, body: Any) -> str:
    """The request as a digest; `body` is JSON-safe (`journal.jsonable`)."""
    canonical = json.dumps([method, path, body], sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


_RECORDS = table_of(IdempotencyRecord)
# Every write with a key runs both: prepared, on the driver's cursor.
_STORED = Prepared(
    select(
        _RECORDS.c.method,
        _RECORDS.c.path,
        _RECORDS.c.request_hash,
        _RECORDS.c.status_code,
        _RECORDS.c.response,
    ).where(_RECORDS.c.user_id == bindparam("user_id"), _RECORDS.c.key == bindparam("key"))
)
_RECORD = Prepared(
    insert(_RECORDS),
    keys=[
        "user_id",
        "key",
        "method",
        "path",
        "request_hash",
        "status_code",
        "response",
        "created_at",
    ],
)


def _stored(session: Session, user_id: int, key: str) -> Any | None:
    """The record of (user, key), read on the session's connection (no ORM dispatch)."""
    return _STORED.first(session.connection(), {"user_id": user_id, "key": key})


def _replay(record: Any, request_hash: str) -> Outcome:
    if record.request_hash != request_hash:
        raise Conflict(
            "idempotency.key_reused",
            field="Idempotency-Key",
            method=record.method,
            path=record.path,
        )
    return Outcome(record.status_code, record.response, replayed=True)


def run(
    db: Database,
    *,
    caller: Callable[[Session], int],
    key: str | None,
    method: str,
    path: str,
    body: Any,
    work: Callable[[Session], Any],
    status_code: int = 201,
) -> Outcome:
    """Run `work` in one write transaction, at most once per (user, Idempotency-Key).

    `caller` runs first in that transaction: it authenticates and authorises the request
    (raising when refused) and returns the user whose keys are looked up. `body` and what `work`
    returns are JSON-safe already (a model's `model_dump(mode="json")`, or `journal.jsonable`):
    every write passes here, so they are not walked again.
    """
    if key is not None and (
        not key or len(key) > MAX_KEY_LENGTH or not key.isprintable() or not key.isascii()
    ):
        raise Invalid("idempotency.key_invalid", field="Idempotency-Key", max=MAX_KEY_LENGTH)
    if key is None:
        with db.write() as session:
            caller(session)
            return Outcome(status_code, work(session))
    request_hash = fingerprint(method, path, body)
    user_id: int | None = None
    try:
        with db.write() as session:
            user_id = caller(session)
            existing = _stored(session, user_id, key)
            if existing is not None:
                return _replay(existing, request_hash)
            result = work(session)
            # Recorded with the work it guards, in one transaction: both or neither happen.
            _RECORD.run(
                session.connection(),
                {
                    "user_id": user_id,
                    "key": key,
                    "method": method,
                    "path": path,
                    "request_hash": request_hash,
                    "status_code": status_code,
                    "response": result,
                    "created_at": utcnow(),
                },
            )
            return Outcome(status_code, result)
    except Exception:
        if user_id is None:
            raise  # refused before the key mattered (unknown token, missing role)
        # Whatever stopped this request (the unique key, the document's version, or a state
        # the twin already moved on), if a twin with the same key has committed meanwhile,
        # its stored response is the answer to this retry.
        with db.read() as session:
            existing = _stored(session, user_id, key)
        if existing is None:
            raise
        return _replay(existing, request_hash)
