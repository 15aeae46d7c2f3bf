"""Prepared statements (`service.prepared`) give what SQLAlchemy's own execution gives: the same
rows through the columns' types, the same defaults, the same errors, on both databases."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    Integer,
    MetaData,
    String,
    Table,
    bindparam,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError

from service.db import Database, Money, UTCDateTime
from service.prepared import COPY_FROM, Prepared
from tests.support import BACKENDS, fresh_database

_META = MetaData()
_NOTES = Table(
    "prepared_notes",
    _META,
    Column("id", Integer, primary_key=True),
    Column("code", String(20), nullable=False, unique=True),
    Column("amount", Money, nullable=False),
    Column("due", Date),
    Column("at", UTCDateTime, nullable=False),
    Column("payload", JSON, nullable=False, default=dict),
    Column("done", Boolean, nullable=False, default=False),
    Column("touched", String(20), nullable=False, default="new", onupdate="changed"),
)
_ADD = Prepared(insert(_NOTES).returning(_NOTES.c.id), keys=["code", "amount", "due", "at"])
_ADD_MANY = Prepared(insert(_NOTES), keys=["code", "amount", "due", "at", "payload"])
_READ = Prepared(select(_NOTES).where(_NOTES.c.code == bindparam("code")))
_MARK = Prepared(
    update(_NOTES).where(_NOTES.c.code == bindparam("code")).values(done=bindparam("done"))
)


@pytest.fixture(params=BACKENDS)
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    with fresh_database(request.param, tmp_path) as url:
        db = Database(url)
        _META.create_all(db.engine)
        yield db
        db.dispose()


def test_rows_defaults_and_types_are_those_sqlalchemy_gives(database: Database) -> None:
    at = datetime(2026, 12, 7, 9, 30, 15, 120, tzinfo=UTC)
    with database.write() as session:
        connection = session.connection()
        first = _ADD.scalar(
            connection,
            {"code": "A", "amount": Decimal("1234.50"), "due": date(2027, 2, 28), "at": at},
        )
        count = _ADD_MANY.run_many(
            connection,
            [
                {"code": "B", "amount": Decimal("0.01"), "due": None, "at": at, "payload": {}},
                {"code": "C", "amount": Decimal("-7"), "due": None, "at": at, "payload": [1]},
            ],
        )
        assert count == 2
        assert _MARK.run(connection, {"code": "A", "done": True}) == 1
        assert _MARK.run(connection, {"code": "nobody", "done": True}) == 0
    with database.read() as session:
        connection = session.connection()
        ours = _READ.first(connection, {"code": "A"})
        theirs = connection.execute(select(_NOTES).where(_NOTES.c.code == "A")).one()
        assert ours is not None
        assert tuple(ours) == tuple(theirs)
        assert ours.id == first
        assert ours.amount == Decimal("1234.50") and ours.due == date(2027, 2, 28)
        assert ours.at == at and ours.at.tzinfo is not None
        assert ours.payload == {} and ours.done is True and ours.touched == "changed"
        assert _READ.scalar(connection, {"code": "C"}) is not None
        assert _READ.all(connection, {"code": "C"})[0].payload == [1]
        assert _READ.first(connection, {"code": "nobody"}) is None


def test_refusals_are_sqlalchemys_errors_and_a_value_the_column_cannot_hold_is_refused(
    database: Database,
) -> None:
    at = datetime(2026, 12, 7, tzinfo=UTC)
    row = {"code": "A", "amount": Decimal("1"), "due": None, "at": at}
    with database.write() as session:
        _ADD.scalar(session.connection(), row)
    with pytest.raises(IntegrityError), database.write() as session:
        _ADD.scalar(session.connection(), row)
    with pytest.raises(ValueError, match="decimal places"), database.write() as session:
        _ADD.scalar(session.connection(), {**row, "code": "B", "amount": Decimal("0.001")})
    with pytest.raises(TypeError, match="no value for parameter"), database.write() as session:
        _ADD.scalar(session.connection(), {"code": "B"})
    with database.read() as session:
        codes = [r.code for r in session.connection().execute(select(_NOTES.c.code))]
    assert codes == ["A"]


def test_insert_many_gives_the_rows_run_many_gives_and_refuses_what_a_copy_cannot_do(
    database: Database,
) -> None:
    """On PostgreSQL many rows go as one COPY: the same values through the columns' types, a
    duplicate fails the whole statement, and statements a COPY cannot stand for are refused."""
    at = datetime(2026, 12, 7, 9, 30, 15, 120, tzinfo=UTC)
    rows = [
        {
            "code": f"N{n}",
            "amount": Decimal(n) / 100,
            "due": date(2027, 1, n) if n % 2 else None,
            "at": at,
            "payload": {"n": n, "tab\\t": 'quote " and \\n'} if n % 3 else [],
        }
        for n in range(1, COPY_FROM * 2)
    ]
    with database.write() as session:
        assert _ADD_MANY.insert_many(session.connection(), rows) == len(rows)
    with database.read() as session:
        stored = session.connection().execute(select(_NOTES).order_by(_NOTES.c.id)).all()
    assert [(r.code, r.amount, r.due, r.at, r.payload) for r in stored] == [
        (r["code"], r["amount"], r["due"], r["at"], r["payload"]) for r in rows
    ]
    assert {(r.done, r.touched) for r in stored} == {(False, "new")}
    again = [{**r, "code": f"M{n}"} for n, r in enumerate(rows)] + [rows[0]]
    with pytest.raises(IntegrityError), database.write() as session:
        _ADD_MANY.insert_many(session.connection(), again)
    with pytest.raises(TypeError, match="plain INSERT"), database.write() as session:
        _ADD.insert_many(session.connection(), rows)
    with database.read() as session:
        assert session.connection().execute(select(func.count()).select_from(_NOTES)).scalar() == (
            len(rows)
        )
