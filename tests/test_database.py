"""The embedded database's transactions: writers hold SQLite's write lock from their first
read to the commit, readers never take it, and a refused write leaves nothing behind."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import DateTime, func, insert, select, update
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import QueuePool

from service.app import create_app
from service.auth import tokens
from service.auth.models import User
from service.db import PING_IDLE_SECONDS, Database, UTCDateTime, table_of
from tests.support import (
    PG_ADMIN_URL,
    Backend,
    make_users,
    migrate,
    pg_conninfo,
    postgres_database,
    run_async,
    settings_for,
    tmp_sqlite_url,
)


@pytest.fixture
def sqlite_db(tmp_path: Path) -> Iterator[tuple[Database, Path]]:
    url = tmp_sqlite_url(tmp_path)
    db = migrate(url)
    yield db, tmp_path / "o2c.sqlite3"
    db.dispose()


def _other_writer_can_start(path: Path) -> bool:
    """Whether another process's writer could begin now (no waiting)."""
    other = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        other.execute("ROLLBACK")
        return True
    except sqlite3.OperationalError as exc:
        assert "locked" in str(exc)
        return False
    finally:
        other.close()


def _users(db: Database) -> int:
    with db.read() as session:
        return int(session.scalar(select(func.count()).select_from(User)) or 0)


def test_a_write_holds_the_write_lock_from_its_first_read(
    sqlite_db: tuple[Database, Path],
) -> None:
    db, path = sqlite_db
    with db.write() as session:
        session.scalar(select(func.count()).select_from(User))
        assert not _other_writer_can_start(path), "a writer's snapshot must not go stale"
    assert _other_writer_can_start(path)


def test_a_read_never_takes_the_write_lock(sqlite_db: tuple[Database, Path]) -> None:
    db, path = sqlite_db
    with db.read() as session:
        session.scalar(select(func.count()).select_from(User))
        assert _other_writer_can_start(path)
    with db.lookup() as connection:
        connection.scalar(select(func.count()).select_from(User))
        assert _other_writer_can_start(path)


def test_a_refused_write_leaves_nothing_and_a_savepoint_rolls_back_alone(
    sqlite_db: tuple[Database, Path],
) -> None:
    db, _ = sqlite_db
    before = _users(db)
    with pytest.raises(RuntimeError), db.write() as session:
        tokens.create_user(session, username="gone", roles=["sales"])
        raise RuntimeError("refused after the insert")
    assert _users(db) == before
    with db.write() as session:
        tokens.create_user(session, username="kept", roles=["sales"])
        with pytest.raises(RuntimeError), session.begin_nested():
            tokens.create_user(session, username="inner", roles=["sales"])
            raise RuntimeError("only the inner part is refused")
    with db.read() as session:
        names = set(session.scalars(select(User.username)))
    assert "kept" in names
    assert not names & {"gone", "inner"}


def _user_row(username: str) -> dict[str, object]:
    return {"username": username, "display_name": "", "roles": ["sales"], "active": True}


def test_a_writes_core_statements_and_orm_changes_commit_and_roll_back_as_one(
    backend: Backend,
) -> None:
    """A write's Core statements on `session.connection()` (the hot paths) and its ORM work
    (queries, adds, savepoints) are one transaction on one connection, on both databases: an
    error anywhere undoes both, and what the ORM left pending is flushed before the commit."""
    db, users = backend.db, table_of(User)
    with pytest.raises(RuntimeError), db.write() as session:
        core = session.connection()
        core.execute(insert(users), [_user_row("core-gone")])
        tokens.create_user(session, username="orm-gone", roles=["sales"])
        assert session.connection() is core, "the ORM joins the write's connection"
        raise RuntimeError("refused after both")
    with db.write() as session:
        session.connection().execute(insert(users), [_user_row("core-kept")])
        with pytest.raises(RuntimeError), session.begin_nested():
            session.connection().execute(insert(users), [_user_row("core-inner")])
            raise RuntimeError("only the savepoint is refused")
        session.add(User(username="orm-pending", display_name="", roles=["sales"], active=True))
    with db.read() as session:
        names = set(session.scalars(select(User.username)))
    assert {"core-kept", "orm-pending"} <= names
    assert not names & {"core-gone", "orm-gone", "core-inner"}


def _terminate_sessions(url: str) -> int:
    """Drop every server session on the test database (as a restart or fail-over would)."""
    name = make_url(url).database
    with psycopg.connect(pg_conninfo(PG_ADMIN_URL), autocommit=True) as admin:
        cursor = admin.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
            " WHERE datname = %s AND pid <> pg_backend_pid()",
            (name,),
        )
        row = cursor.fetchone()
    return int(row[0]) if row else 0


def test_pooled_connections_the_server_dropped_are_replaced_before_a_request_meets_them() -> None:
    """A PostgreSQL restart leaves the pool holding dead connections: a connection idle in the
    pool past `PING_IDLE_SECONDS` is pinged when lent and replaced, so no request fails for it;
    the prepared statements of the busiest paths run on the fresh one."""
    with postgres_database() as url:
        db = migrate(url)
        try:
            make_users(db)
            with db.write() as session:  # a pooled connection, used once
                assert tokens.resolve(session.connection(), "none", demo_mode=False) is None
            assert _terminate_sessions(url) >= 1
            time.sleep(PING_IDLE_SECONDS + 0.1)
            with db.write() as session:
                assert tokens.resolve(session.connection(), "none", demo_mode=False) is None
                assert session.scalar(select(func.count()).select_from(User))
            # Dropped within the window: the statement that meets the dead connection fails as
            # SQLAlchemy's error and throws it away; the next request connects afresh.
            assert _terminate_sessions(url) >= 1
            with pytest.raises(DBAPIError) as lost, db.write() as session:
                tokens.resolve(session.connection(), "none", demo_mode=False)
            assert lost.value.connection_invalidated
            with db.write() as session:
                assert tokens.resolve(session.connection(), "none", demo_mode=False) is None
        finally:
            db.dispose()


def test_the_server_keeps_as_many_connections_open_as_configured(tmp_path: Path) -> None:
    """`O2C_DATABASE_POOL_SIZE`: requests in flight up to it reuse pooled connections instead of
    connecting afresh (on PostgreSQL a new server process each)."""
    url = tmp_sqlite_url(tmp_path)
    migrate(url).dispose()
    app = create_app(settings_for(url, database_pool_size=3))
    pool = app.state.ctx.db.engine.pool
    assert isinstance(pool, QueuePool)
    assert pool.size() == 3


@pytest.mark.parametrize(
    "stamp",
    [
        datetime(2026, 12, 7, 8, 30, tzinfo=UTC),
        datetime(999, 1, 2, 3, 4, 5, 6, tzinfo=UTC),
        datetime(2026, 1, 1, 0, 0, 0, 123456, tzinfo=timezone(timedelta(hours=8))),
    ],
)
def test_timestamps_are_stored_on_sqlite_as_sqlalchemys_datetime_stores_them(
    sqlite_db: tuple[Database, Path], stamp: datetime
) -> None:
    """UTCDateTime formats SQLite's text itself: the very text SQLAlchemy's DATETIME writes for
    the same instant in UTC, and it reads back as that instant."""
    db, _ = sqlite_db
    dialect = db.engine.dialect
    ours = UTCDateTime().dialect_impl(dialect).bind_processor(dialect)
    theirs = DateTime().dialect_impl(dialect).bind_processor(dialect)
    assert ours is not None and theirs is not None
    assert ours(stamp) == theirs(stamp.astimezone(UTC).replace(tzinfo=None))
    assert ours(None) is None
    # Row after row (the last text is kept for the same moment): each one's own text.
    later = stamp + timedelta(microseconds=1)
    texts = [ours(v) for v in (stamp, stamp, later, None, later, stamp)]
    expected = [
        theirs(v.astimezone(UTC).replace(tzinfo=None)) if v else None
        for v in (stamp, stamp, later, None, later, stamp)
    ]
    assert texts == expected
    with pytest.raises(ValueError, match="timezone-aware"):
        ours(stamp.replace(tzinfo=None))
    with db.write() as session:
        session.connection().execute(insert(table_of(User)), [_user_row("stamped")])
        session.connection().execute(
            update(table_of(User)).where(User.username == "stamped").values(locked_until=stamp)
        )
    with db.read() as session:
        stored = select(User.locked_until).where(User.username == "stamped")
        assert session.scalar(stored) == stamp


def test_requests_writes_on_sqlite_wait_their_turn_in_the_event_loop(backend: Backend) -> None:
    """SQLite has one writer: a request's write waits for the one before it as a coroutine (one
    gate per database and event loop), not as a thread blocked on the write lock. PostgreSQL's
    writes run side by side."""
    db = backend.db
    overlapped: list[bool] = []

    async def writes() -> object:
        inside = 0

        async def write() -> None:
            nonlocal inside
            async with db.write_gate():
                inside += 1
                overlapped.append(inside > 1)
                await asyncio.sleep(0.01)
                inside -= 1

        await asyncio.gather(*(write() for _ in range(4)))
        return db.write_gate()

    first, second = run_async(writes()), run_async(writes())
    if backend.name == "sqlite":
        assert not any(overlapped)
        assert first is not second, "a gate belongs to one event loop"
    else:
        assert any(overlapped)
