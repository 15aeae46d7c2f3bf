"""The import framework (service.imports) with a tiny importer of items: rows grouped into
documents, problems by line and column, atomic documents, reruns, dry runs, the CSV report."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path

import pytest
from sqlalchemy import insert, select

from service.auth import tokens
from service.db import table_of
from service.errors import Forbidden, Invalid, NotFound
from service.imports import (
    Batch,
    Document,
    Importer,
    ImportReport,
    Row,
    run_import,
    write_report,
)
from service.masterdata.models import Item
from tests.support import Backend, unique


class ItemImporter(Importer):
    """Items, one document per code; rows of one item each state a quantity (checked only)."""

    name = "test-items"
    help = "items"
    unit = "item"
    roles = frozenset({"admin"})
    columns = ("code", "name", "qty")
    optional = frozenset({"qty"})
    key_columns = ("code",)
    shared = ("name",)

    def __init__(self) -> None:
        self.bulk_calls = 0

    def parse(self, row: Row) -> None:
        row.parsed["qty"] = row.whole("qty", low=1, high=99)
        row.text("name", longest=20)

    def look_up(self, batch: Batch, documents: Sequence[Document]) -> None:
        codes = {d.key for d in documents}
        found = batch.session.execute(select(Item.code, Item.name).where(Item.code.in_(codes)))
        known: dict[str, str] = dict(found.all())
        for document in documents:
            name = known.get(document.key)
            if name == document.agreed("name"):
                document.already(f"item {document.key} exists")
            elif name is not None:
                document.fail("name", f"item {document.key} exists as {name!r}")

    def book(self, batch: Batch, documents: Sequence[Document]) -> None:
        self.bulk_calls += len(documents) > 1
        if any(d.agreed("name") == "BOOM" for d in documents):
            raise Invalid("input.invalid_fields", field="name")
        for document in documents:
            if document.agreed("name") == "LATE":
                document.fail("name", "refused while booking")
        batch.session.execute(
            insert(table_of(Item)),
            [{"code": d.key, "name": d.agreed("name")} for d in documents if not d.problems],
        )


def _file(
    folder: Path,
    rows: list[tuple[object, ...]],
    header: Sequence[str] = ("code", "name", "qty"),
    encoding: str = "utf-8",
) -> Path:
    path = folder / f"{unique('items')}.csv"
    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def _admin(backend: Backend, *roles: str, active: bool = True) -> str:
    username = unique("importer")
    with backend.db.write() as session:
        user = tokens.create_user(session, username=username, roles=list(roles or ["admin"]))
        user.active = active
    return username


def _run(backend: Backend, path: Path, **kwargs: object) -> ImportReport:
    kwargs.setdefault("username", _admin(backend))
    return run_import(backend.runtime, ItemImporter(), path=path, **kwargs)  # type: ignore[arg-type]


def _stored(backend: Backend, *codes: str) -> dict[str, str]:
    with backend.db.read() as session:
        rows = session.execute(select(Item.code, Item.name).where(Item.code.in_(codes)))
        return dict(rows.all())


def test_documents_are_booked_whole_and_bad_rows_named_by_line_and_column(
    backend: Backend, tmp_path: Path
) -> None:
    a, b, c, d = (unique("IT") for _ in range(4))
    rows: list[tuple[object, ...]] = [
        (a, "alpha", 1),  # line 2: booked with line 6
        (b, "beta", "two"),  # line 3: not a whole number
        (b, "beta", 2),  # line 4: not booked because of line 3
        (c, "gamma", 1),  # line 5
        (a, "alpha", 3),  # line 6
        (c, "GAMMA", 1),  # line 7: contradicts line 5
        (d, "a name much too long to keep", 1),  # line 8: too long
    ]
    report = _run(backend, _file(tmp_path, rows))

    assert (report.rows_read, report.booked, report.already_booked, report.refused) == (7, 1, 0, 3)
    outcomes = [(r.line, r.outcome) for r in report.rows]
    assert outcomes == [
        (2, "booked"),
        (3, "refused"),
        (4, "not booked"),
        (5, "not booked"),
        (6, "booked"),
        (7, "refused"),
        (8, "refused"),
    ]
    reasons = {r.line: r.reason for r in report.rows}
    assert reasons[3] == "qty: 'two' is not a whole number"
    assert reasons[4] == f"item {b} is refused: see line 3"
    assert reasons[7] == "name: GAMMA differs from gamma on line 5 of the same document"
    assert reasons[8] == "name: is longer than 20 characters"
    assert _stored(backend, a, b, c, d) == {a: "alpha"}


def test_a_rerun_books_nothing_twice_and_a_dry_run_books_nothing(
    backend: Backend, tmp_path: Path
) -> None:
    a, b = unique("IT"), unique("IT")
    path = _file(tmp_path, [(a, "alpha", 1), (b, "beta", 1)])

    dry = _run(backend, path, dry_run=True)
    assert (dry.would_book, dry.booked, dry.refused) == (2, 0, 0)
    assert {r.outcome for r in dry.rows} == {"would book"}
    assert "dry run, nothing booked" in dry.summary()
    assert _stored(backend, a, b) == {}

    assert _run(backend, path).booked == 2
    again = _run(backend, path)
    assert (again.booked, again.already_booked) == (0, 2)
    assert again.rows[0].reason == f"item {a} exists"
    assert _stored(backend, a, b) == {a: "alpha", b: "beta"}


def test_a_chunk_that_fails_at_once_is_booked_document_by_document(
    backend: Backend, tmp_path: Path
) -> None:
    codes = [unique("IT") for _ in range(5)]
    names = ["one", "BOOM", "three", "LATE", "five"]
    importer = ItemImporter()
    report = run_import(
        backend.runtime,
        importer,
        path=_file(tmp_path, [(c, n, 1) for c, n in zip(codes, names, strict=True)]),
        username=_admin(backend),
        chunk_size=3,
    )
    assert (report.booked, report.refused) == (3, 2)
    reasons = {r.line: r.reason for r in report.problems}
    assert reasons[3].startswith("name: ")
    assert reasons[5] == "name: refused while booking"
    assert _stored(backend, *codes) == {codes[0]: "one", codes[2]: "three", codes[4]: "five"}
    assert importer.bulk_calls == 2  # each chunk was tried at once first


def test_the_report_is_written_as_csv_and_gbk_files_are_read(
    backend: Backend, tmp_path: Path
) -> None:
    a = unique("IT")
    report = _run(backend, _file(tmp_path, [(a, "空调", 1)], encoding="gbk"))
    assert report.booked == 1
    assert _stored(backend, a) == {a: "空调"}
    out = tmp_path / "report.csv"
    write_report(out, report)
    assert out.read_text(encoding="utf-8").splitlines() == [
        "line,document,outcome,reason",
        f"2,{a},booked,",
    ]


def test_the_file_and_the_user_are_checked_before_anything_is_booked(
    backend: Backend, tmp_path: Path
) -> None:
    path = _file(tmp_path, [("X", "x", 1)])
    with pytest.raises(NotFound):
        _run(backend, path, username="nobody-" + unique("u"))
    with pytest.raises(Forbidden):
        _run(backend, path, username=_admin(backend, "admin", active=False))
    with pytest.raises(Forbidden) as refused:
        _run(backend, path, username=_admin(backend, "sales"))
    assert "importing test-items needs one of: admin" in str(refused.value)
    with pytest.raises(Invalid) as bad:
        _run(backend, _file(tmp_path, [("X",)], header=("code",)))
    assert "missing name" in str(bad.value)
