"""Statements of the busiest paths, compiled once per dialect and run on the driver's cursor.

Every write request resolves its token, looks up and records its Idempotency-Key, moves a
document and journals it; logistics posts receipts all day. Run through SQLAlchemy's `Connection`,
each of these statements costs some 15-25 µs of Python besides the driver's 1-2 µs (execution
context, parameter construction, result metadata), a third of such a request's CPU.

A `Prepared` keeps what makes SQLAlchemy worth having here: the statement is written once in
Core and compiled by the dialect of the connection it runs on (one statement for both databases),
and its parameters and results go through the columns' own types (money scaled to fen on SQLite,
timestamps in UTC, JSON, dates), the same processors SQLAlchemy applies. It leaves out the
rest: it runs in the caller's transaction, on the connection SQLAlchemy holds for it, with no
connection events (nothing on these paths listens) and no statement cache lookups. A driver error
comes back as SQLAlchemy's exception (`IntegrityError`, ...), and a lost connection is
invalidated, as through `Connection.execute`.

Use it where a profile shows the statement's overhead; everywhere else `Connection.execute` is
the rule. Statements with expanding IN lists are not supported (build one per list length).
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Dialect, exc
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ClauseElement

Processor = Callable[[Any], Any]
# From how many rows `insert_many` copies on PostgreSQL (a COPY's own round trips cost more than
# a few rows).
COPY_FROM = 8
_tuple_type: Any = namedtuple  # rows' attribute names come from the statement, at run time


@dataclass
class _Compiled:
    """One statement as one dialect runs it."""

    sql: str
    positional: bool
    # The binds in the order the SQL takes them: each one's name with its type's processor, and
    # the same names as the driver's named style spells them.
    binds: tuple[tuple[str, Processor | None], ...]
    keys: tuple[str, ...]
    defaults: tuple[tuple[str, Callable[[], Any]], ...]  # binds the caller may leave out
    columns: tuple[Any, ...]  # the columns it returns, for their types' result processors
    row: Callable[[Iterable[Any]], tuple[Any, ...]]
    # The result processors, made at the first run: some depend on the type code the driver
    # describes the column with (PostgreSQL's numerics).
    results: tuple[Processor | None, ...] | None = None


def _default_of(compiled: SQLCompiler, name: str) -> Callable[[], Any] | None:
    """How an absent bind gets its value: a column's Python-side default (INSERT) or on-update
    value (UPDATE), or the value the statement itself carries (a literal compared in WHERE)."""
    prefetched: list[tuple[Any, Any]] = [(c, c.default) for c in compiled.insert_prefetch]
    prefetched += [(c, c.onupdate) for c in compiled.update_prefetch]
    for column, default in prefetched:
        if column.key == name and default is not None:
            if default.is_scalar:
                return lambda: default.arg
            if default.is_callable:
                return lambda: default.arg(None)
            raise TypeError(f"column {column.key}: a SQL default cannot be prefetched here")
    bind = compiled.binds[name]
    if bind.callable is not None:
        return bind.callable
    if not bind.required:
        value = bind.value
        return lambda: value
    return None


class Prepared:
    """A Core statement (`select`, `insert` with the columns in `keys`, `update`, with or without
    RETURNING) run on the driver's cursor of a `Connection` in its transaction."""

    def __init__(self, statement: ClauseElement, *, keys: Sequence[str] | None = None) -> None:
        self.statement = statement
        self.keys = list(keys) if keys is not None else None
        self._by_dialect: dict[type[Dialect], _Compiled] = {}

    def _compiled(self, dialect: Dialect) -> _Compiled:
        # Keyed by the dialect's class: the SQL and the types' processors depend on it alone
        # (the service configures no per-engine JSON serializer).
        found = self._by_dialect.get(type(dialect))
        if found is not None:
            return found
        compiled = self.statement.compile(dialect=dialect, column_keys=self.keys)
        assert isinstance(compiled, SQLCompiler)
        if compiled.literal_execute_params or compiled.post_compile_params:
            raise TypeError("expanding and literal-execute parameters are not supported")
        names = tuple(compiled.positiontup or ()) if compiled.positional else tuple(compiled.binds)
        escaped = compiled.escaped_bind_names
        defaults = []
        for name in names:
            made = _default_of(compiled, name)
            if made is not None:
                defaults.append((name, made))
        columns = list(getattr(self.statement, "exported_columns", ()))
        made_row = _tuple_type(
            "Row", [c.key or f"c{i}" for i, c in enumerate(columns)], rename=True
        )
        found = _Compiled(
            sql=compiled.string,
            positional=compiled.positional,
            keys=tuple(escaped.get(n, n) for n in names),
            defaults=tuple(defaults),
            binds=tuple(
                (n, compiled.binds[n].type.dialect_impl(dialect).bind_processor(dialect))
                for n in names
            ),
            columns=tuple(columns),
            row=made_row._make,
        )
        self._by_dialect[type(dialect)] = found
        return found

    @staticmethod
    def _ordered(compiled: _Compiled, values: Mapping[str, Any]) -> list[Any]:
        """The values of the binds, processed, in the order the SQL takes them."""
        if compiled.defaults:
            missing = [(n, make) for n, make in compiled.defaults if n not in values]
            if missing:
                values = {**values, **{n: make() for n, make in missing}}
        try:
            # One pass, no zips or generators: this runs for every statement of every write.
            return [
                values[name]
                if process is None
                else (None if (value := values[name]) is None else process(value))
                for name, process in compiled.binds
            ]
        except KeyError as missing_key:
            raise TypeError(f"no value for parameter {missing_key}") from None

    @classmethod
    def _parameters(cls, compiled: _Compiled, values: Mapping[str, Any]) -> Any:
        ordered = cls._ordered(compiled, values)
        return ordered if compiled.positional else dict(zip(compiled.keys, ordered, strict=True))

    @staticmethod
    def _rows(compiled: _Compiled, cursor: Any, dialect: Dialect) -> list[tuple[Any, ...]]:
        fetched = cursor.fetchall()
        processors = compiled.results
        if processors is None:
            processors = compiled.results = tuple(
                column.type.dialect_impl(dialect).result_processor(dialect, described[1])
                for column, described in zip(compiled.columns, cursor.description, strict=True)
            )
        if any(p is not None for p in processors):
            return [
                compiled.row(
                    v if p is None or v is None else p(v)
                    for v, p in zip(raw, processors, strict=True)
                )
                for raw in fetched
            ]
        return [compiled.row(raw) for raw in fetched]

    def _run(self, connection: Connection, parameters: Any, many: bool) -> tuple[_Compiled, Any]:
        dialect = connection.dialect
        compiled = self._compiled(dialect)
        driver_connection: Any = connection.connection.driver_connection
        cursor = driver_connection.cursor()
        bound = (
            [self._parameters(compiled, p) for p in parameters]
            if many
            else self._parameters(compiled, parameters)
        )
        try:
            if many:
                cursor.executemany(compiled.sql, bound)
            else:
                cursor.execute(compiled.sql, bound)
        except dialect.loaded_dbapi.Error as error:
            cursor.close()
            invalidated = dialect.is_disconnect(error, driver_connection, cursor)
            if invalidated:
                connection.invalidate(error)
            raise exc.DBAPIError.instance(
                compiled.sql,
                bound,
                error,
                dialect.loaded_dbapi.Error,
                connection_invalidated=invalidated,
                dialect=dialect,
                ismulti=many,
            ) from error
        return compiled, cursor

    def all(self, connection: Connection, values: Mapping[str, Any]) -> list[Any]:
        """Every row (attributes named after the statement's columns)."""
        compiled, cursor = self._run(connection, values, many=False)
        try:
            return self._rows(compiled, cursor, connection.dialect)
        finally:
            cursor.close()

    def first(self, connection: Connection, values: Mapping[str, Any]) -> Any | None:
        rows = self.all(connection, values)
        return rows[0] if rows else None

    def scalar(self, connection: Connection, values: Mapping[str, Any]) -> Any:
        """The first column of the first row, or None when there is none."""
        row = self.first(connection, values)
        return None if row is None else row[0]

    def run(self, connection: Connection, values: Mapping[str, Any]) -> int:
        """Run a statement returning no rows; the number of rows it changed."""
        _, cursor = self._run(connection, values, many=False)
        count: int = cursor.rowcount
        cursor.close()
        return count

    def insert_many(self, connection: Connection, rows: Sequence[Mapping[str, Any]]) -> int:
        """Insert rows with a plain INSERT of `keys` (no RETURNING, no ON CONFLICT); how many.

        On PostgreSQL, as one COPY: an executemany is one INSERT executed per row on the server
        (some 30-50 µs each), where COPY takes thousands of rows as one statement. A unique or
        foreign key violation fails the whole COPY, as it would fail the executemany."""
        dialect = connection.dialect
        compiled = self._compiled(dialect)
        statement: Any = self.statement
        if not statement.is_insert or compiled.columns or statement._post_values_clause is not None:
            raise TypeError("insert_many takes a plain INSERT without RETURNING or ON CONFLICT")
        if len(rows) < COPY_FROM or dialect.name != "postgresql":
            return self.run_many(connection, rows)
        table = statement.table
        preparer = dialect.identifier_preparer
        columns = ", ".join(preparer.quote(table.c[name].name) for name, _ in compiled.binds)
        sql = f"COPY {preparer.format_table(table)} ({columns}) FROM STDIN"
        driver_connection: Any = connection.connection.driver_connection
        cursor = driver_connection.cursor()
        try:
            with cursor.copy(sql) as copy:
                for values in rows:
                    copy.write_row(self._ordered(compiled, values))
        except dialect.loaded_dbapi.Error as error:
            invalidated = dialect.is_disconnect(error, driver_connection, cursor)
            if invalidated:
                connection.invalidate(error)
            raise exc.DBAPIError.instance(
                sql,
                [],
                error,
                dialect.loaded_dbapi.Error,
                connection_invalidated=invalidated,
                dialect=dialect,
                ismulti=True,
            ) from error
        finally:
            cursor.close()
        return len(rows)

    def run_many(self, connection: Connection, rows: Sequence[Mapping[str, Any]]) -> int:
        """Run a statement returning no rows once per row of parameters (executemany)."""
        if not rows:
            return 0
        if len(rows) == 1:
            # One row: a plain execute. psycopg runs every executemany in pipeline mode (entered,
            # synchronised, left), which for one row costs more than the row.
            return self.run(connection, rows[0])
        _, cursor = self._run(connection, rows, many=True)
        count: int = cursor.rowcount
        cursor.close()
        return count
