"""Reading import files: a UTF-8 CSV with a header, rows numbered as in the file (GBK/GB18030
too when the caller accepts it, as Chinese spreadsheets save it).

Every row is checked on its own for the columns it must have; type checks are the importer's.
Problems with the file as a whole raise Invalid naming FILE.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Collection, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from service.errors import Invalid


@dataclass
class CsvRow:
    """One data row: its line in the file, its values by column, what is wrong with it."""

    line: int
    values: dict[str, str]
    problems: list[str] = field(default_factory=list)


def _header(
    header: list[str] | None, path: Path, columns: tuple[str, ...], optional: Collection[str]
) -> list[str]:
    if header is None:
        raise Invalid("csv.empty", field="FILE", file=path.name, columns=",".join(columns))
    names = [name.strip().lower() for name in header]
    missing = [c for c in columns if c not in names and c not in optional]
    unknown = [n for n in names if n not in columns] + [n for n in set(names) if names.count(n) > 1]
    problems = [f"missing {', '.join(missing)}"] if missing else []
    problems += [f"unknown or repeated {', '.join(unknown)}"] if unknown else []
    if problems:
        may = f" ({', '.join(sorted(optional))} may be left out)" if optional else ""
        raise Invalid(
            "csv.bad_header",
            field="FILE",
            columns=",".join(columns) + may,
            problems="; ".join(problems),
        )
    return names


def _row(
    line: int,
    names: list[str],
    fields: list[str],
    columns: tuple[str, ...],
    optional: Collection[str],
) -> CsvRow:
    values = {name: value.strip() for name, value in zip(names, fields, strict=False)}
    row = CsvRow(line, values)
    if len(fields) > len(names):
        row.problems.append(f"the row has {len(fields)} fields, the header {len(names)}")
    for name in names[len(fields) :]:
        if name not in optional:
            row.problems.append(f"{name}: missing column")
        values[name] = ""
    for name in columns:
        values.setdefault(name, "")
        if name not in optional and name in names[: len(fields)] and not values[name]:
            row.problems.append(f"{name}: is empty")
        elif not values[name].isprintable():
            row.problems.append(f"{name}: contains control characters")
            values[name] = ""
    return row


def read_rows(
    path: Path,
    columns: tuple[str, ...],
    optional: Collection[str] = (),
    *,
    gbk: bool = False,
) -> Iterator[CsvRow]:
    """The file's non-blank data rows; a bad header or unreadable file raises Invalid. With
    `gbk`, a file that is not UTF-8 is read as GB18030 (GBK's superset)."""
    previous = 0
    try:
        with _opened(path, gbk) as handle:
            reader = csv.reader(handle)
            names = _header(next(reader, None), path, columns, optional)
            previous = reader.line_num
            for fields in reader:
                line, previous = previous + 1, reader.line_num
                if any(value.strip() for value in fields):
                    yield _row(line, names, fields, columns, optional)
    except UnicodeDecodeError:
        code = "csv.not_utf8_or_gbk" if gbk else "csv.not_utf8"
        raise Invalid(code, field="FILE", file=path.name) from None
    except csv.Error as exc:
        raise Invalid(
            "csv.malformed", field="FILE", file=path.name, line=previous + 1, error=str(exc)
        ) from None
    except OSError as exc:
        raise Invalid(
            "csv.unreadable", field="FILE", file=str(path), error=exc.strerror or str(exc)
        ) from None


def _opened(path: Path, gbk: bool) -> TextIO:
    """The file as text: streamed as UTF-8, or decoded whole when GBK is accepted too."""
    if not gbk:
        return path.open(encoding="utf-8-sig", newline="")
    content = path.read_bytes()
    try:
        return io.StringIO(content.decode("utf-8-sig"), newline="")
    except UnicodeDecodeError:
        return io.StringIO(content.decode("gb18030"), newline="")
