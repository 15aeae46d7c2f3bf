"""Every refusal has a stable code whose words exist in English and Chinese.

The source is read for every refusal raised with a literal code (`Invalid("order.too_many_lines",
max=..., count=...)`, `Refusal.of(...)`, Pydantic custom errors): the code must be in both
catalogs, and the words may only use parameters the refusal passes. Catalog entries nobody raises
are refused too, so the catalogs stay what the code says.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from service import bootstrap, i18n
from workflows import RoleNotAllowed, TriggerNotAllowed

ROOT = Path(__file__).resolve().parent.parent
# `t("orders.page.title")` in a page template: a code of the page's words.
TEMPLATE_CODE = re.compile(r"""\bt\(\s*["']([A-Za-z_][A-Za-z0-9_.]*)["']""")
# How documents come to exist besides their lifecycle's triggers (the journal names it).
CREATIONS = ("create", "raise", "import")
RAISERS = {
    "DomainError",
    "Invalid",
    "NotFound",
    "Conflict",
    "Forbidden",
    "Unauthenticated",
    "PayloadTooLarge",
    "Unavailable",
    "PydanticCustomError",
}
# Parameters a refusal gets on its way to the reader besides its own.
ADDED = {"trigger", "guard"}
# Codes made from data rather than written in a call.
DYNAMIC_PREFIXES = ("input.", "problem.")


def _refusals() -> Iterator[tuple[str, str, frozenset[str]]]:
    """(where, code, parameter names) of every refusal with a literal code in the service."""
    for path in (ROOT / "service").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            func = node.func
            name = (
                func.id
                if isinstance(func, ast.Name)
                else f"{getattr(func.value, 'id', '')}.{func.attr}"
                if isinstance(func, ast.Attribute)
                else ""
            )
            first = node.args[0]
            if name in RAISERS | {"Refusal.of"} and isinstance(first, ast.Constant):
                params = frozenset(k.arg for k in node.keywords if k.arg not in {None, "field"})
                yield f"{path.relative_to(ROOT)}:{node.lineno}", str(first.value), params


@pytest.fixture(scope="module")
def messages() -> i18n.Messages:
    return bootstrap.messages()


def test_every_catalog_loads_in_both_languages(messages: i18n.Messages) -> None:
    assert messages.problems() == []
    assert len(messages.codes()) > 100


def test_every_refusal_has_words_in_english_and_chinese_with_its_own_parameters(
    messages: i18n.Messages,
) -> None:
    missing, unknown_params = [], []
    for where, code, params in _refusals():
        if not messages.has(code):
            missing.append(f"{where}: {code}")
            continue
        for locale in i18n.LOCALES:
            used = i18n.placeholders(messages.template(code, locale) or "")
            extra = used - params - ADDED
            if extra:
                unknown_params.append(f"{where}: {code} ({locale}) uses {sorted(extra)}")
    assert missing == []
    assert unknown_params == []


def test_lifecycle_refusals_have_words(messages: i18n.Messages) -> None:
    for error in (TriggerNotAllowed, RoleNotAllowed):
        assert messages.has(error.code)
    assert messages.has("workflow.guard_refused")  # a guard that names no refusal of its own


def _constants() -> set[str]:
    """Every string constant of the service and the lifecycle package (codes passed around)."""
    found = set()
    for package in ("service", "workflows"):
        for path in (ROOT / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Constant) and isinstance(node.value, str):
                    found.add(node.value)
    return found


def _template_codes() -> dict[str, str]:
    """Every literal code a page template asks words for, with where it is asked."""
    found: dict[str, str] = {}
    for path in (ROOT / "service").rglob("*.html"):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            for code in TEMPLATE_CODE.findall(line):
                if code.endswith("."):
                    continue  # a prefix the template completes (`"state.order." ~ o.state`)
                found.setdefault(code, f"{path.relative_to(ROOT)}:{number}")
    return found


def _lifecycle_codes() -> set[str]:
    """The words of every state and trigger of every lifecycle (pages and diagrams show them)."""
    codes: set[str] = set()
    for name, flow in bootstrap.workflows().flows.items():
        codes.update(f"state.{name}.{state}" for state in flow.states)
        triggers = {t.trigger for t in flow.transitions} | set(CREATIONS)
        codes.update(f"trigger.{name}.{trigger}" for trigger in triggers)
    return codes


def test_every_word_a_page_asks_for_is_in_both_catalogs(messages: i18n.Messages) -> None:
    missing = [f"{where}: {code}" for code, where in _template_codes().items()]
    assert [m for m in missing if not messages.has(m.rsplit(": ", 1)[1])] == []


def test_every_state_and_trigger_has_words(messages: i18n.Messages) -> None:
    needed = {c for c in _lifecycle_codes() if not c.endswith(tuple(f".{h}" for h in CREATIONS))}
    assert sorted(c for c in needed if not messages.has(c)) == []
    # Creations have words where the lifecycle's documents are created that way.
    for name in bootstrap.workflows().flows:
        assert messages.has(f"trigger.{name}.create"), name


def test_no_catalog_entry_is_left_without_a_refusal(messages: i18n.Messages) -> None:
    raised = _constants() | set(_template_codes()) | _lifecycle_codes()
    stale = sorted(
        c for c in messages.codes() if c not in raised and not c.startswith(DYNAMIC_PREFIXES)
    )
    assert stale == []


def test_words_are_chosen_by_accept_language() -> None:
    assert i18n.negotiate(None) == "en"
    assert i18n.negotiate("zh-CN,zh;q=0.9,en;q=0.8") == "zh"
    assert i18n.negotiate("en-GB,zh;q=0.5") == "en"
    assert i18n.negotiate("fr, zh-Hans;q=0.4") == "zh"
    assert i18n.negotiate("fr, de") == "en"
    assert i18n.negotiate("zh;q=0, en") == "en"
    assert i18n.negotiate("garbage;;;q=x") == "en"
