"""Pages for the rule sets: what is in force, one rule set as finance reads it, and a dry run of a
candidate file against the real open items (R18).

Shared plumbing like the rest of `service.rulesets`: it reads the rule registry and the rule-set
bindings the features plug in, and names no feature. The dry run is the API's (`POST
/rules/dry-run`), for the same roles; nothing is changed by it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi import Path as PathParam
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse
from pydantic import ValidationError
from starlette.datastructures import FormData, UploadFile

from rules import RuleSet
from rules.model import AllOf, AnyOf, Condition, Node
from service.errors import DomainError, Invalid, NotFound
from service.plugins import MenuEntry
from service.problems import input_error
from service.rulesets import usecases
from service.rulesets.registry import RuleRegistry, RuleSetStatus
from service.rulesets.schemas import MAX_RULE_FILE, DryRunIn, DryRunOut
from service.web.forms import FormRefused
from service.web.pages import Anyone, Page, page

router = APIRouter(prefix="/web/rules", include_in_schema=False)
TEMPLATES = Path(__file__).parent / "templates"
CATALOG = Path(__file__).parent / "locale"
MENU = MenuEntry("/web/rules", "rules.menu")

# Who may dry-run a candidate file: the roles of POST /rules/dry-run.
DRY_RUN_ROLES = ("finance", "hq", "admin")
DryRunners = Annotated[Page, page(*DRY_RUN_ROLES)]

# A rule set's name in a path or a query (rule set names are lower-case words).
NAME = r"^[a-z][a-z0-9_]*$"
# An uploaded candidate: at most MAX_RULE_FILE characters, each at most 4 bytes in UTF-8.
MAX_UPLOAD_BYTES = 4 * MAX_RULE_FILE

# The operators of a condition, in words (the vocabulary's operators, rules.compiler).
OPERATORS = {
    "equal_to": "rules.op.equal_to",
    "equal_to_case_insensitive": "rules.op.equal_to_case_insensitive",
    "greater_than": "rules.op.greater_than",
    "greater_than_or_equal_to": "rules.op.greater_than_or_equal_to",
    "less_than": "rules.op.less_than",
    "less_than_or_equal_to": "rules.op.less_than_or_equal_to",
    "starts_with": "rules.op.starts_with",
    "ends_with": "rules.op.ends_with",
    "contains": "rules.op.contains",
    "does_not_contain": "rules.op.does_not_contain",
    "matches_regex": "rules.op.matches_regex",
    "non_empty": "rules.op.non_empty",
    "is_true": "rules.op.is_true",
    "is_false": "rules.op.is_false",
    "contains_all": "rules.op.contains_all",
    "is_contained_by": "rules.op.is_contained_by",
    "shares_at_least_one_element_with": "rules.op.shares_at_least_one_element_with",
    "shares_exactly_one_element_with": "rules.op.shares_exactly_one_element_with",
    "shares_no_elements_with": "rules.op.shares_no_elements_with",
}

# The kinds of open item the features' rule-set bindings declare, in words, and their pages.
ITEMS = {
    "order": "rules.item.order",
    "invoice_exception": "rules.item.invoice_exception",
}
ITEM_PAGES = {"order": "/web/orders/{id}", "invoice_exception": "/web/exceptions/{id}"}


def _value(value: object) -> str:
    """A value of a rule file as written: numbers plainly, lists joined, nothing as nothing."""
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return ", ".join(_value(v) for v in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def condition_tree(node: Node) -> dict[str, Any]:
    """A rule's conditions as nested parts a page lists: all of / any of, and each test."""
    if isinstance(node, Condition):
        return {
            "kind": "condition",
            "name": node.name,
            "operator": OPERATORS.get(node.operator, "rules.op.other"),
            "operator_name": node.operator,
            "value": _value(node.value),
            "children": [],
        }
    kind = "all" if isinstance(node, AllOf) else "any"
    assert isinstance(node, AllOf | AnyOf)
    return {"kind": kind, "children": [condition_tree(child) for child in node.conditions]}


def _actions(actions: Any) -> list[dict[str, Any]]:
    return [
        {"name": a.name, "params": [(k, _value(v)) for k, v in dict(a.params).items()]}
        for a in actions
    ]


@dataclass(frozen=True)
class Shown:
    """One loaded rule-set version with what its file says about itself."""

    status: RuleSetStatus
    ruleset: RuleSet | None

    @property
    def rule_count(self) -> int:
        return len(self.ruleset.rules) if self.ruleset is not None else 0


def _loaded(registry: RuleRegistry, day: date) -> tuple[Any, list[Shown]]:
    status = registry.status(day)
    book = registry.book
    by_key = {(r.name, r.version): r for r in book.rulesets}
    return status, [Shown(s, by_key.get((s.name, s.version))) for s in status.rulesets]


def _item_kind(kind: str) -> tuple[str, dict[str, str]]:
    return ITEMS.get(kind, "rules.item.other"), {"kind": kind}


@router.get("")
async def rules(view: Anyone) -> HTMLResponse:
    """The rule sets loaded, which version is in force today, and the last refused reload."""
    status, shown = await run_in_threadpool(_loaded, view.runtime.rules, view.runtime.today())
    tried_on = {name: _item_kind(b.item_kind) for name, b in view.runtime.rulesets.items()}
    return view.render(
        "rules/list.html",
        status=status,
        rulesets=shown,
        tried_on=tried_on,
        may_dry_run=bool(view.signed_in.actor.roles.intersection(DRY_RUN_ROLES)),
    )


def _file_text(registry: RuleRegistry, ruleset: RuleSet) -> str | None:
    """The rule set's file as loaded; None when the file has changed since (or is gone)."""
    path = registry.directory / ruleset.source
    try:
        text = path.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    if hashlib.sha256(text.encode("utf-8")).hexdigest() != ruleset.checksum:
        return None
    return text


@router.get("/dry-run")
async def dry_run_form(
    view: DryRunners,
    ruleset: Annotated[str | None, Query(max_length=64, pattern=NAME)] = None,
) -> HTMLResponse:
    """The form for a candidate file; `ruleset` starts it from the version in force today."""
    text = ""
    if ruleset is not None:
        registry = view.runtime.rules
        try:
            current = registry.in_force(ruleset, view.runtime.today())
        except LookupError:
            raise NotFound("rules.not_loaded", field="ruleset", ruleset=ruleset) from None
        loaded = await run_in_threadpool(_file_text, registry, current)
        text = loaded or ""
    return _dry_run_page(view, values={"yaml": text})


def _dry_run_page(
    view: Page,
    *,
    values: dict[str, str],
    report: DryRunOut | None = None,
    candidate_file: str = "",
    error: DomainError | None = None,
) -> HTMLResponse:
    shown: dict[str, Any] = {
        "values": values,
        "report": report,
        "candidate_file": candidate_file,
        "item": _item_kind(report.item_kind) if report is not None else None,
        "item_page": ITEM_PAGES.get(report.item_kind) if report is not None else None,
        "rulesets": sorted(view.runtime.rulesets),
    }
    return view.show("rules/dry_run.html", error, **shown)


async def _candidate(form: FormData) -> DryRunIn:
    """The candidate file from the form: the uploaded file if one was chosen, else the pasted
    text; refused (naming the `yaml` field) when it is neither, not UTF-8 text, or too large."""
    upload = form.get("upload")
    name = "candidate.yaml"
    text = str(form.get("yaml") or "")
    if isinstance(upload, UploadFile) and upload.filename:
        content = await upload.read(MAX_UPLOAD_BYTES + 1)
        if len(content) > MAX_UPLOAD_BYTES:
            raise Invalid("rules.candidate_too_large", field="yaml", max=MAX_RULE_FILE)
        try:
            text = content.decode("utf-8")
        except UnicodeDecodeError:
            raise Invalid("rules.candidate_not_text", field="yaml") from None
        name = Path(upload.filename).name[:200] or name
    if not text.strip():
        raise Invalid("rules.candidate_missing", field="yaml")
    try:
        return DryRunIn(yaml=text, file=name)
    except ValidationError as error:
        raise FormRefused([input_error(e) for e in error.errors()]) from None


@router.post("/dry-run")
async def dry_run(view: DryRunners) -> HTMLResponse:
    """What the candidate would decide differently on the open items (nothing is changed);
    a refused candidate is shown next to the file field with the reason."""
    form = await view.form()
    typed = str(form.get("yaml") or "")
    try:
        body = await _candidate(form)
        typed = body.yaml
        report = await view.read(usecases.dry_run, body=body, bindings=view.runtime.rulesets)
    except DomainError as error:
        return _dry_run_page(view, values={"yaml": typed}, error=error)
    return _dry_run_page(view, values={"yaml": typed}, report=report, candidate_file=body.file)


@router.get("/{name}")
async def ruleset_page(
    name: Annotated[str, PathParam(max_length=64, pattern=NAME)],
    view: Anyone,
    version: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
) -> HTMLResponse:
    """One rule set: its versions, and the chosen one (default: in force today) rule by rule,
    with its file as loaded."""
    registry = view.runtime.rules
    status, shown = await run_in_threadpool(_loaded, registry, view.runtime.today())
    # (A version reloaded away between the two looks is left out, as if not loaded.)
    versions = [s for s in shown if s.status.name == name and s.ruleset is not None]
    if not versions:
        raise NotFound("rules.not_loaded", field="name", ruleset=name)
    if version is None:
        chosen = next((s for s in versions if s.status.in_force), versions[-1])
    else:
        found = [s for s in versions if s.status.version == version]
        if not found:
            raise NotFound(
                "rules.version_not_loaded", field="version", ruleset=name, version=version
            )
        chosen = found[0]
    ruleset = chosen.ruleset
    assert ruleset is not None  # only loaded versions are in `versions`
    binding = view.runtime.rulesets.get(name)
    return view.render(
        "rules/ruleset.html",
        status=status,
        versions=versions,
        chosen=chosen,
        ruleset=ruleset,
        rules=[
            {
                "id": r.id,
                "description": r.description,
                "priority": r.priority,
                "conditions": condition_tree(r.conditions),
                "actions": _actions(r.actions),
            }
            for r in ruleset.rules
        ],
        variables=[
            (v, ruleset.vocabulary.variables[v].label)
            for v in ruleset.variables_read
            if v in ruleset.vocabulary.variables
        ],
        examples=len(ruleset.examples),
        text=await run_in_threadpool(_file_text, registry, ruleset),
        tried_on=_item_kind(binding.item_kind) if binding is not None else None,
        may_dry_run=bool(view.signed_in.actor.roles.intersection(DRY_RUN_ROLES)),
    )
