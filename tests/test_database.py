"""The embedded database's transactions: writers hold SQLite's write lock from their first
read to the commit, readers never take it, and a refused write leaves nothing behind."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from service.auth import tokens
from service.auth.models import User
from service.db import Database
from tests.support import migrate, tmp_sqlite_url


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
