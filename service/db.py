"""Engine, sessions and column types shared by every feature.

SQLite (the embedded default) runs in WAL mode with a busy timeout; write transactions start
with BEGIN IMMEDIATE so a transaction reads and writes one snapshot and writers queue instead of
failing half-way. PostgreSQL is used as is (READ COMMITTED, optimistic version columns).
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
import weakref
from collections.abc import Iterator
from contextlib import (
    AbstractAsyncContextManager,
    AbstractContextManager,
    contextmanager,
    nullcontext,
)
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, cast

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Connection,
    CursorResult,
    DateTime,
    Dialect,
    Engine,
    Executable,
    Numeric,
    String,
    Table,
    any_,
    bindparam,
    create_engine,
    event,
    exc,
    func,
    select,
)
from sqlalchemy.dialects import registry
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.sqlite.pysqlite import SQLiteDialect_pysqlite
from sqlalchemy.engine import make_url
from sqlalchemy.orm import DeclarativeBase, QueryableAttribute, Session, sessionmaker
from sqlalchemy.types import TypeDecorator


class Base(DeclarativeBase):
    """Declarative base of every table; Alembic owns the schema."""


class ScaledDecimal(TypeDecorator[Decimal]):
    """An exact decimal with a fixed number of places.

    PostgreSQL stores NUMERIC; SQLite, which has no exact decimal type, stores the value scaled to
    an integer (fen for money), so sums and comparisons in SQL stay exact there too. A value with
    more places than the column holds is refused rather than rounded silently.
    """

    impl = Numeric
    cache_ok = True

    def __init__(self, scale: int = 2, precision: int = 18) -> None:
        super().__init__()
        self.scale = scale
        self.precision = precision
        self._quantum = Decimal(1).scaleb(-scale)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(scale={self.scale}, precision={self.precision})"

    def load_dialect_impl(self, dialect: Dialect) -> Any:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(BigInteger())
        return dialect.type_descriptor(Numeric(self.precision, self.scale, asdecimal=True))

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        if not isinstance(value, Decimal):
            if isinstance(value, float):
                raise TypeError("money and quantities are Decimal, never float")
            value = Decimal(value)
        exact = value.quantize(self._quantum)
        if exact != value:
            raise ValueError(f"{value} has more than {self.scale} decimal places")
        if dialect.name == "sqlite":
            return int(exact.scaleb(self.scale))
        return exact

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        if dialect.name == "sqlite":
            return Decimal(int(value)).scaleb(-self.scale).quantize(self._quantum)
        return Decimal(value).quantize(self._quantum)


Money = ScaledDecimal(2)


class UTCDateTime(TypeDecorator[datetime]):
    """Timestamps stored in UTC and always returned timezone-aware."""

    impl = DateTime
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> Any:
        return dialect.type_descriptor(DateTime(timezone=dialect.name != "sqlite"))

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("timestamps must be timezone-aware")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def bind_processor(self, dialect: Dialect) -> Any:
        """On SQLite, the text SQLAlchemy's DATETIME stores (`2026-12-07 08:30:00.000000`, UTC),
        made by `isoformat` in one step instead of its format string over a dict of the fields
        (a few microseconds for every timestamp of every write)."""
        if dialect.name != "sqlite":
            return super().bind_processor(dialect)
        to_utc = self.process_bind_param
        # The last timestamp written and its text: a bulk write binds the same moment in row
        # after row (created_at, updated_at, a run's `now`). One tuple, swapped whole.
        last: tuple[Any, str | None] = (None, None)

        def process(value: Any) -> str | None:
            nonlocal last
            seen, text = last
            if value is seen and value is not None:
                return text
            stamp = to_utc(value, dialect)
            text = None if stamp is None else stamp.isoformat(" ", "microseconds")
            last = (value, text)
            return text

        return process

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        stamp: datetime = value
        return stamp.replace(tzinfo=UTC) if stamp.tzinfo is None else stamp.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


class SQLiteDialect(SQLiteDialect_pysqlite):
    """pysqlite, with each transaction begun by the service: `BEGIN IMMEDIATE` for writers (one
    snapshot from the first read to the commit, writers queue instead of failing half-way),
    plain `BEGIN` for readers.

    The driver's own implicit transactions are switched off at connect. Beginning here rather
    than in a "begin" event listener keeps the engine free of connection events, whose dispatch
    SQLAlchemy then checks on every statement.
    """

    supports_statement_cache = True

    def __init__(self, begin: str = "BEGIN IMMEDIATE", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.begin = begin

    def do_begin(self, dbapi_connection: Any) -> None:
        dbapi_connection.execute(self.begin)


registry.register("sqlite.o2c", __name__, "SQLiteDialect")


# A pooled connection unused for this long is pinged before it is lent again.
PING_IDLE_SECONDS = 0.5


def _ping_when_idle(engine: Engine) -> None:
    """Ping a pooled connection before lending it, unless it came back within the last
    `PING_IDLE_SECONDS` (as HikariCP does): a connection the server dropped while it sat in the
    pool (a restart, an idle timeout, a fail-over) is replaced before any request meets it, and
    under load, where connections go straight from one request to the next, a request costs no
    extra round trip. A connection lost within the window fails its statement; it is invalidated
    then (`service.prepared` does the same) and the next checkout connects afresh."""

    @event.listens_for(engine, "checkin")
    def _returned(_dbapi_connection: Any, record: Any) -> None:
        record.info["returned_at"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _lent(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        returned = record.info.get("returned_at")
        if returned is not None and time.monotonic() - returned < PING_IDLE_SECONDS:
            return
        try:
            alive = engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as error:
            # The pool discards this connection and lends a fresh one.
            raise exc.DisconnectionError(f"connection lost while pooled: {error}") from error
        if not alive:
            raise exc.DisconnectionError("connection lost while pooled")


def make_engine(database_url: str, *, read_only: bool = False, **kwargs: Any) -> Engine:
    """Create the engine; on SQLite with its pragmas, and transactions begun for writers
    (`BEGIN IMMEDIATE`) or, with `read_only`, for readers (`BEGIN`)."""
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite":
        engine = create_engine(url, **kwargs)
        _ping_when_idle(engine)
        return engine
    if url.database and url.database != ":memory:":
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(
        url.set(drivername="sqlite+o2c"),
        connect_args={"timeout": 30},
        begin="BEGIN" if read_only else "BEGIN IMMEDIATE",
        **kwargs,
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # No implicit transactions from the driver: SQLiteDialect.do_begin starts each one.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    return engine


class WriteSession(Session):
    """The session of `Database.write`: its transaction is a connection's, begun at the first
    use (the first statement, as a session begins) and committed or rolled back by `end`. The
    session joins it for the ORM's work and leaves it alone (`join_transaction_mode=
    "rollback_only"`: the session's commit only flushes; a rollback, from the ORM or the block,
    rolls the whole transaction back).

    Until the ORM begins its own bookkeeping, `connection()` is that connection as it is: the
    busiest writes (a receipt, a state change) run only Core statements on it, and SQLAlchemy's
    session transaction around them cost about 20 µs a request. Once the ORM has begun (a
    query, an add, a savepoint), it is the session's connection as usual: the same one."""

    def __init__(self, engine: Engine, **kwargs: Any) -> None:
        super().__init__(expire_on_commit=False, join_transaction_mode="rollback_only", **kwargs)
        self._engine = engine
        self._joined: Connection | None = None

    def _transaction_connection(self) -> Connection:
        joined = self._joined
        if joined is None:
            joined = self._engine.connect()
            try:
                joined.begin()
            except BaseException:
                joined.close()
                raise
            self._joined = self.bind = joined
        return joined

    def connection(
        self,
        bind_arguments: Any = None,
        execution_options: Any = None,
    ) -> Connection:
        joined = self._transaction_connection()
        if bind_arguments is None and execution_options is None and self._transaction is None:
            return joined
        return super().connection(bind_arguments, execution_options)

    def get_bind(self, *args: Any, **kwargs: Any) -> Engine | Connection:
        self._transaction_connection()
        return super().get_bind(*args, **kwargs)

    def end(self, *, commit: bool) -> None:
        """Flush what the ORM holds and commit the transaction (`commit`), or roll it back; then
        close the session and return the connection."""
        try:
            if commit and self._transaction is not None:
                self.commit()  # flushes: the connection's transaction commits below
        finally:
            self.close()
            joined, self._joined = self._joined, None
            if joined is not None:
                try:
                    if commit:
                        joined.commit()
                finally:
                    joined.close()  # rolls back what was not committed


_NO_GATE: AbstractAsyncContextManager[object] = nullcontext()


class Database:
    """The engines, the writers' sessions (`write`, `write_gate`) and the readers' (`read`,
    `lookup`)."""

    def __init__(self, database_url: str, **engine_kwargs: Any) -> None:
        self.url = database_url
        self.engine = make_engine(database_url, **engine_kwargs)
        self.is_sqlite = self.engine.dialect.name == "sqlite"
        # SQLite has one writer at a time. Writers of this process queue on a lock instead of
        # polling in SQLite's busy handler, whose growing sleeps push p99 latency up; other
        # processes are still held off by BEGIN IMMEDIATE and the busy timeout.
        self._write_lock: AbstractContextManager[object] = (
            threading.RLock() if self.is_sqlite else nullcontext()
        )
        self._write_gates: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = (
            weakref.WeakKeyDictionary()
        )
        # On SQLite, readers have engine and pool of their own, beginning plain (deferred)
        # transactions; an in-memory database exists once per engine, so it has one engine.
        in_memory = make_url(database_url).database in (None, "", ":memory:")
        self._read_engine = (
            make_engine(database_url, read_only=True, **engine_kwargs)
            if self.is_sqlite and not in_memory
            else self.engine
        )
        self._reader = sessionmaker(self._read_engine, expire_on_commit=False)

    @contextmanager
    def write(self) -> Iterator[Session]:
        """One write transaction: committed when the block ends, rolled back on any error.

        The transaction is a connection's, which the session joins (`WriteSession`): a write
        that only runs Core statements on `session.connection()` costs no ORM transaction
        bookkeeping, and one that uses the ORM is flushed before the commit."""
        with self._write_lock:
            session = WriteSession(self.engine)
            try:
                yield session
            except BaseException:
                session.end(commit=False)
                raise
            session.end(commit=True)

    def write_gate(self) -> AbstractAsyncContextManager[object]:
        """Where a request's write waits its turn, in the event loop, before its thread-pool hop:
        on SQLite (one writer) a lock of this database per event loop, so queued writes wait as
        coroutines instead of as threads blocked on the write lock, each woken in turn (fewer
        thread switches; on the receipts benchmark about a tenth less server CPU a receipt and a
        lower p99); elsewhere nothing. The write lock stays: other writers (the scheduler, the
        command line) still queue on it."""
        if not self.is_sqlite:
            return _NO_GATE
        loop = asyncio.get_running_loop()
        gate = self._write_gates.get(loop)
        if gate is None:
            gate = self._write_gates[loop] = asyncio.Lock()
        return gate

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A read-only session; nothing it does is committed.

        Closing ends the transaction without expiring what was loaded, so rows read here stay
        usable (detached) after the block.
        """
        with self._reader() as session:
            yield session

    @contextmanager
    def lookup(self) -> Iterator[Connection]:
        """A read-only connection for a single query: lighter than a Session (reads
        authenticate through one)."""
        with self._read_engine.connect() as connection:
            yield connection

    @property
    def read_engine(self) -> Engine:
        """The readers' engine (on SQLite a second engine; elsewhere the writers')."""
        return self._read_engine

    def dispose(self) -> None:
        self.engine.dispose()
        if self._read_engine is not self.engine:
            self._read_engine.dispose()


def rows_changed(session: Session, statement: Executable) -> int:
    """Rows a bulk UPDATE, DELETE or INSERT ... SELECT changed (SQLAlchemy keeps an INSERT's row
    count only when asked)."""
    result = session.execute(statement, execution_options={"preserve_rowcount": True})
    return int(cast(CursorResult[Any], result).rowcount)


def table_of(model: type[Base]) -> Table:
    """A mapped class's table, for Core statements on hot paths."""
    table = model.__table__
    assert isinstance(table, Table)
    return table


# Values `among` lists as parameters on SQLite; beyond, one JSON array parameter (a list of
# parameters lets the planner count them, which it does not do for the array).
SQLITE_LISTED = 10_000


def among(
    session: Session, column: ColumnElement[Any] | QueryableAttribute[Any], values: list[Any]
) -> ColumnElement[bool]:
    """`column IN values` for a long list (ids of a bulk step): one array parameter on
    PostgreSQL, where a list of thousands of parameters is otherwise rendered, sent and parsed
    again by the driver and the server for every statement that names it; on SQLite, beyond
    SQLITE_LISTED values, one JSON array parameter (`json_each`), so that no list is too long."""
    if session.get_bind().dialect.name == "postgresql":
        return column == any_(bindparam(None, values, type_=ARRAY(column.type)))
    if len(values) <= SQLITE_LISTED:
        return column.in_(values)
    # A statement binds at most 32,766 parameters on SQLite: a longer list is one JSON array.
    listed = func.json_each(bindparam(None, json.dumps(values), type_=String)).table_valued("value")
    return column.in_(select(listed.c.value))
