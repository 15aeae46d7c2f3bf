"""The file an admin loads for a year: the State Council's holidays and make-up working days.

```yaml
year: 2027
source: 国务院办公厅关于2027年部分节假日安排的通知 (国办发明电〔2026〕N号) https://www.gov.cn/...
holidays:                  # days off, each named; one `date`, or `from` and `to` (inclusive)
  - {name: 元旦, date: 2027-01-01}
  - {name: 春节, from: 2027-02-06, to: 2027-02-13}
workdays:                  # make-up working days (调休上班): Saturdays or Sundays worked
  - {name: 春节调休, date: 2027-02-14}
```

Validated strictly, every problem named by its field and line: the year, a source, dates inside
the year, ranges forwards and at most 15 days, no day listed twice or as both a holiday and a
working day, a make-up working day only on a Saturday or Sunday, a holiday that takes at least one
weekday off, no unknown or duplicate key. Pure: no database.
"""

from __future__ import annotations

import contextlib
import hashlib
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from service.errors import FieldError, Invalid
from service.workcalendar import NAME_MAX, SOURCE_MAX

MAX_FILE_BYTES = 64 * 1024
MAX_ENTRIES = 60
MAX_HOLIDAY_DAYS = 15
FIRST_YEAR, LAST_YEAR = 2000, 2099
TOP_KEYS = ("year", "source", "holidays", "workdays")
ENTRY_KEYS = ("name", "date", "from", "to")


@dataclass(frozen=True)
class NamedDay:
    day: date
    working: bool
    name: str


@dataclass(frozen=True)
class Notice:
    """A validated year: its source and the days it names."""

    year: int
    source: str
    file: str
    days: tuple[NamedDay, ...]

    @property
    def holidays(self) -> int:
        return sum(1 for d in self.days if not d.working)

    @property
    def workdays(self) -> int:
        return sum(1 for d in self.days if d.working)

    @property
    def digest(self) -> str:
        """SHA-256 of what the notice says (year, each day, working or not, and its name)."""
        text = "\n".join(
            [str(self.year), *(f"{d.day}:{int(d.working)}:{d.name}" for d in self.days)]
        )
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    def working(self) -> dict[date, bool]:
        return {d.day: d.working for d in self.days}

    def is_working_day(self, day: date) -> bool:
        named = self.working().get(day)
        return named if named is not None else day.weekday() < 5


def differences(year: int, one: Any, other: Any) -> list[date]:
    """The days of `year` on which two calendars (functions of a day) disagree."""
    day, end = date(year, 1, 1), date(year, 12, 31)
    found = []
    while day <= end:
        if one(day) != other(day):
            found.append(day)
        day += timedelta(days=1)
    return found


class _Reader:
    """Walks the YAML nodes, collecting every problem with its field and line."""

    def __init__(self, loader: yaml.SafeLoader) -> None:
        self.loader = loader
        self.errors: list[FieldError] = []

    def refuse(self, field: str, code: str, node: Node | None, **params: Any) -> None:
        line = node.start_mark.line + 1 if node is not None else 1
        self.errors.append(FieldError(field, code, {"line": line, **params}))

    def mapping(self, node: Node, field: str, keys: tuple[str, ...]) -> dict[str, Node] | None:
        if not isinstance(node, MappingNode):
            self.refuse(field or "file", "calendar.not_a_mapping", node, expected=", ".join(keys))
            return None
        found: dict[str, Node] = {}
        for key_node, value_node in node.value:
            key = _clean(str(key_node.value))[:40] if isinstance(key_node, ScalarNode) else "?"
            where = f"{field}.{key}" if field else key
            if key in found:
                self.refuse(where, "calendar.duplicate_key", key_node, key=key)
            elif key not in keys:
                self.refuse(
                    where, "calendar.field_unknown", key_node, key=key, expected=", ".join(keys)
                )
            else:
                found[key] = value_node
        return found

    def value(self, node: Node) -> Any:
        if not isinstance(node, ScalarNode):
            return node
        try:
            value = self.loader.construct_object(node, deep=True)
        except (ValueError, OverflowError, yaml.YAMLError):
            value = str(node.value)  # e.g. 2027-02-30: YAML's date, but no day of the calendar
        return _clean(value) if isinstance(value, str) else value

    def text(self, node: Node | None, field: str, code: str, owner: Node, limit: int) -> str:
        if node is None:
            self.refuse(field, code, owner)
            return ""
        value = self.value(node)
        if not isinstance(value, str | int) or isinstance(value, bool) or not str(value).strip():
            self.refuse(field, code, node)
            return ""
        text = str(value).strip()
        if "\x00" in text:
            self.refuse(field, "calendar.text_nul", node)
        elif len(text) > limit:
            self.refuse(field, "calendar.text_too_long", node, max=limit)
        return text

    def day(self, node: Node, field: str, year: int | None) -> date | None:
        value = self.value(node)
        if isinstance(value, str):
            with contextlib.suppress(ValueError):
                value = date.fromisoformat(value.strip())
        if not isinstance(value, date) or hasattr(value, "hour"):
            shown = _clean(str(node.value)) if isinstance(node, ScalarNode) else "?"
            self.refuse(field, "calendar.date_invalid", node, value=shown[:40])
            return None
        if year is not None and value.year != year:
            self.refuse(field, "calendar.date_outside_year", node, day=value, year=year)
            return None
        return value

    def year(self, node: Node | None, owner: Node) -> int | None:
        if node is None:
            self.refuse("year", "calendar.field_missing", owner, key="year")
            return None
        value = self.value(node)
        if isinstance(value, bool) or not isinstance(value, int):
            self.refuse("year", "calendar.year_invalid", node, first=FIRST_YEAR, last=LAST_YEAR)
            return None
        if not FIRST_YEAR <= value <= LAST_YEAR:
            self.refuse("year", "calendar.year_invalid", node, first=FIRST_YEAR, last=LAST_YEAR)
            return None
        return value

    def entries(
        self, node: Node | None, key: str, year: int | None
    ) -> list[tuple[str, Node, str, list[date]]]:
        """(field, node, name, days) of each entry of `holidays` or `workdays`."""
        if node is None:
            return []
        if not isinstance(node, SequenceNode):
            if isinstance(node, ScalarNode) and self.value(node) is None:
                return []
            self.refuse(key, "calendar.not_a_list", node)
            return []
        if len(node.value) > MAX_ENTRIES:
            self.refuse(key, "calendar.too_many", node, max=MAX_ENTRIES)
            return []
        found = []
        for index, entry in enumerate(node.value):
            field = f"{key}[{index}]"
            keys = self.mapping(entry, field, ENTRY_KEYS)
            if keys is None:
                continue
            name = self.text(
                keys.get("name"), f"{field}.name", "calendar.name_missing", entry, NAME_MAX
            )
            days = self.span(keys, field, entry, year)
            if days is not None and name:
                found.append((field, entry, name, days))
        return found

    def span(
        self, keys: dict[str, Node], field: str, entry: Node, year: int | None
    ) -> list[date] | None:
        if ("date" in keys and ("from" in keys or "to" in keys)) or not (
            "date" in keys or ("from" in keys and "to" in keys)
        ):
            self.refuse(f"{field}.date", "calendar.entry_dates", entry)
            return None
        if "date" in keys:
            one = self.day(keys["date"], f"{field}.date", year)
            return None if one is None else [one]
        start = self.day(keys["from"], f"{field}.from", year)
        end = self.day(keys["to"], f"{field}.to", year)
        if start is None or end is None:
            return None
        if end < start:
            self.refuse(f"{field}.to", "calendar.range_reversed", keys["to"], start=start, end=end)
            return None
        length = (end - start).days + 1
        if length > MAX_HOLIDAY_DAYS:
            self.refuse(
                f"{field}.to",
                "calendar.range_too_long",
                keys["to"],
                start=start,
                end=end,
                days=length,
                max=MAX_HOLIDAY_DAYS,
            )
            return None
        return [start + timedelta(days=n) for n in range(length)]


def _clean(text: str) -> str:
    """Text as UTF-8 can hold it: a lone surrogate ("\\ud800" in a double-quoted YAML string)
    becomes "?"."""
    return text.encode("utf-8", "replace").decode("utf-8")


def file_name(name: str | None) -> str:
    """An uploaded file's own name, as text a problem document can carry (no folders, no
    character that is not UTF-8, at most 200 characters)."""
    bare = (name or "").replace("\\", "/").rsplit("/", 1)[-1].replace("\x00", "")
    return bare.encode("utf-8", "replace").decode("utf-8")[:200] or "calendar.yaml"


def _unreadable(file: str, line: int, reason: str) -> Invalid:
    problem = FieldError("file", "calendar.not_yaml", {"line": line, "reason": reason[:200]})
    return Invalid("calendar.file_refused", errors=[problem], file=file, count=1)


def _document(text: str, file: str) -> tuple[yaml.SafeLoader, Node | None]:
    try:
        loader = yaml.SafeLoader(text)
    except yaml.reader.ReaderError as error:  # a character YAML does not allow
        line = text.count("\n", 0, error.position) + 1
        raise _unreadable(file, line, f"character #x{error.character:04x} is not allowed") from None
    try:
        return loader, loader.get_single_node()
    except RecursionError:
        raise _unreadable(file, 1, "nested too deep") from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 1
        reason = str(getattr(error, "problem", None) or error).strip().splitlines()[0]
        raise _unreadable(file, line, reason) from None
    finally:
        loader.dispose()


def parse(text: str, *, file: str) -> Notice:
    """A validated notice, or Invalid `calendar.file_refused` with every problem by field."""
    try:
        size = len(text.encode("utf-8"))
    except UnicodeEncodeError:  # a lone surrogate: not text a file can hold
        raise Invalid("calendar.file_not_text", field="file") from None
    if size > MAX_FILE_BYTES:
        raise Invalid("calendar.file_too_large", field="file", file=file, max=MAX_FILE_BYTES)
    loader, root = _document(text, file)
    reader = _Reader(loader)
    if root is None:
        reader.refuse("file", "calendar.not_a_mapping", None, expected=", ".join(TOP_KEYS))
        raise Invalid("calendar.file_refused", errors=reader.errors, file=file, count=1)
    top = reader.mapping(root, "", TOP_KEYS)
    if top is None:
        raise Invalid("calendar.file_refused", errors=reader.errors, file=file, count=1)
    year = reader.year(top.get("year"), root)
    source = reader.text(top.get("source"), "source", "calendar.source_missing", root, SOURCE_MAX)
    holidays = reader.entries(top.get("holidays"), "holidays", year)
    workdays = reader.entries(top.get("workdays"), "workdays", year)
    days = _days(reader, holidays, workdays)
    if reader.errors:
        raise Invalid(
            "calendar.file_refused", errors=reader.errors, file=file, count=len(reader.errors)
        )
    assert year is not None
    if not any(not d.working for d in days):
        reader.refuse("holidays", "calendar.no_holidays", root)
        raise Invalid("calendar.file_refused", errors=reader.errors, file=file, count=1)
    return Notice(
        year=year, source=source, file=file, days=tuple(sorted(days, key=lambda d: d.day))
    )


def _days(
    reader: _Reader,
    holidays: list[tuple[str, Node, str, list[date]]],
    workdays: list[tuple[str, Node, str, list[date]]],
) -> list[NamedDay]:
    seen: dict[date, tuple[bool, int]] = {}
    days: list[NamedDay] = []
    for working, entries in ((False, holidays), (True, workdays)):
        for field, node, name, span in entries:
            line = node.start_mark.line + 1
            if not working and all(d.weekday() >= 5 for d in span):
                reader.refuse(
                    field,
                    "calendar.holiday_only_weekend",
                    node,
                    name=name,
                    start=span[0],
                    end=span[-1],
                )
            for day in span:
                if working and day.weekday() < 5:
                    reader.refuse(field, "calendar.workday_on_weekday", node, day=day)
                    continue
                if day in seen:
                    was_working, first = seen[day]
                    code = (
                        "calendar.day_listed_twice"
                        if was_working == working
                        else "calendar.day_holiday_and_workday"
                    )
                    reader.refuse(field, code, node, day=day, first=first)
                    continue
                seen[day] = (working, line)
                days.append(NamedDay(day, working, name))
    return days


def one_line(error: Invalid) -> str:
    """A refused file in one line (start-up, command line): the file, the first problem's field
    and reason, and how many more there are."""
    file = error.params.get("file", "calendar file")
    if not error.errors:
        return f"{file}: {error.message()}"
    first = error.errors[0]
    more = len(error.errors) - 1
    tail = f" (and {more} more problem(s))" if more else ""
    return f"{file}: {first.field}: {first.reason()}{tail}"
