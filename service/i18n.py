"""Message catalogs: the words of every refusal (and later every page) in English and Chinese.

Catalogs are gettext `.po` files read with Babel, one pair per feature (`locale/en.po`,
`locale/zh.po`), keyed by the refusal's stable code: `msgid "receipt.quantity_exceeds_shipped"`,
`msgstr "received {received} exceeds the {shipped} shipped on line {line_no}"`. Translators edit
them with any gettext tool. The composition root loads the catalogs of every feature at start-up
(`install`); a code that appears in two catalogs, or in one language only, or with different
placeholders per language, stops the start.
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from babel.messages.pofile import read_po

DEFAULT_LOCALE = "en"
LOCALES = ("en", "zh")
_FIELDS = string.Formatter()


class CatalogError(Exception):
    """A message catalog is unreadable or inconsistent; the message names the file."""


@dataclass(frozen=True)
class Entry:
    text: str
    source: str


def placeholders(text: str) -> frozenset[str]:
    return frozenset(name for _, name, _, _ in _FIELDS.parse(text) if name)


def _read(path: Path) -> dict[str, str]:
    try:
        with path.open("rb") as handle:
            catalog = read_po(handle, abort_invalid=True)
    except (OSError, ValueError, SyntaxError) as error:
        raise CatalogError(f"{path}: cannot read the catalog: {error}") from None
    found = {}
    for message in catalog:
        if message.id and isinstance(message.id, str):
            if not isinstance(message.string, str) or not message.string:
                raise CatalogError(f"{path}: {message.id} has no text")
            found[message.id] = message.string
    return found


class Messages:
    """Every code's text per locale."""

    def __init__(self, entries: Mapping[str, Mapping[str, Entry]]) -> None:
        self._entries = {locale: dict(entries.get(locale, {})) for locale in LOCALES}

    @classmethod
    def load(cls, directories: Iterable[Path]) -> Messages:
        """Read `<dir>/<locale>.po` of every directory; refuse duplicates and gaps."""
        entries: dict[str, dict[str, Entry]] = {locale: {} for locale in LOCALES}
        for directory in directories:
            for locale in LOCALES:
                path = directory / f"{locale}.po"
                if not path.is_file():
                    raise CatalogError(f"{path}: missing ({locale} catalog of {directory})")
                for code, text in _read(path).items():
                    before = entries[locale].get(code)
                    if before is not None:
                        raise CatalogError(f"{path}: {code} is already defined in {before.source}")
                    entries[locale][code] = Entry(text, str(path))
        messages = cls(entries)
        problems = messages.problems()
        if problems:
            raise CatalogError(problems[0])
        return messages

    def problems(self) -> list[str]:
        """Codes missing in a language, or whose placeholders differ between languages."""
        found = []
        english = self._entries[DEFAULT_LOCALE]
        for locale in LOCALES:
            for code, entry in sorted(self._entries[locale].items()):
                other = english if locale != DEFAULT_LOCALE else self._entries[LOCALES[1]]
                if code not in other:
                    found.append(f"{entry.source}: {code} has no text in the other language")
                elif placeholders(entry.text) != placeholders(other[code].text):
                    found.append(
                        f"{entry.source}: {code} uses {sorted(placeholders(entry.text))}, the "
                        f"other language {sorted(placeholders(other[code].text))}"
                    )
        return found

    def codes(self) -> frozenset[str]:
        return frozenset(self._entries[DEFAULT_LOCALE])

    def has(self, code: str) -> bool:
        return code in self._entries[DEFAULT_LOCALE]

    def template(self, code: str, locale: str) -> str | None:
        entry = self._entries.get(locale, {}).get(code) or self._entries[DEFAULT_LOCALE].get(code)
        return entry.text if entry else None

    def text(self, code: str, locale: str, params: Mapping[str, Any]) -> str:
        template = self.template(code, locale)
        if template is None:
            return _fallback(code, params)
        return template.format_map(_Params(params))


class _Params(dict[str, str]):
    """Parameters as the words show them; a placeholder without a value stays visible."""

    def __init__(self, params: Mapping[str, Any]) -> None:
        super().__init__({k: shown(v) for k, v in params.items()})

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def shown(value: Any) -> str:
    """A parameter as words show it: lists joined, money and dates as written."""
    if isinstance(value, list | tuple | set | frozenset):
        return ", ".join(shown(v) for v in value) or "-"
    if isinstance(value, datetime | date):
        return value.isoformat()
    if value is None:
        return "-"
    return str(value)


def plain(params: Mapping[str, Any]) -> dict[str, Any]:
    """Parameters as JSON members: money as decimal strings, dates ISO, lists kept."""

    def one(value: Any) -> Any:
        if isinstance(value, Decimal):
            return str(value)
        if isinstance(value, datetime | date):
            return value.isoformat()
        if isinstance(value, list | tuple | set | frozenset):
            return [one(v) for v in value]
        if isinstance(value, dict):
            return {str(k): one(v) for k, v in value.items()}
        return value

    return {k: one(v) for k, v in params.items()}


def _fallback(code: str, params: Mapping[str, Any]) -> str:
    if not params:
        return code
    return f"{code} ({', '.join(f'{k}={shown(v)}' for k, v in sorted(params.items()))})"


_TAG = re.compile(r"^\s*([A-Za-z]{1,8})(?:[-_][A-Za-z0-9]{1,8})*\s*(?:;\s*q\s*=\s*([0-9.]+))?\s*$")


def negotiate(accept_language: str | None) -> str:
    """The catalog locale the `Accept-Language` header prefers most (English by default)."""
    if not accept_language:
        return DEFAULT_LOCALE
    ranked: list[tuple[float, int, str]] = []
    for index, part in enumerate(accept_language.split(",")[:20]):
        found = _TAG.match(part)
        if found is None:
            continue
        try:
            weight = float(found.group(2)) if found.group(2) else 1.0
        except ValueError:
            continue
        language = found.group(1).lower()
        if weight > 0 and language in LOCALES:
            ranked.append((-weight, index, language))
    return min(ranked)[2] if ranked else DEFAULT_LOCALE


_installed: Messages | None = None


def install(messages: Messages) -> None:
    """Make `messages` the catalogs in force (the composition root does this at start-up)."""
    global _installed  # noqa: PLW0603 (one set of catalogs per process, like the locale)
    _installed = messages


def installed() -> Messages | None:
    return _installed


def text(code: str, locale: str, params: Mapping[str, Any]) -> str:
    """The words of `code` in `locale`, with its parameters filled in."""
    if _installed is None:
        return _fallback(code, params)
    return _installed.text(code, locale, params)
