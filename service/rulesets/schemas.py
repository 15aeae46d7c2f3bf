"""Request and response bodies of /rules: status, reload, dry run, and a decision explained."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import Field

from service.schemas import Request, Response

MAX_RULE_FILE = 1_000_000


class ActionOut(Response):
    name: str
    params: dict[str, Any]


class DecisionOut(Response):
    """What a rule set decided and why (R18): the rules that fired on which values."""

    ruleset: str
    version: int
    checksum: str
    hit_policy: str
    rules: list[str] = Field(description="the rules that matched; empty: a person must decide")
    actions: list[ActionOut]
    values: dict[str, Any] = Field(description="every variable the rules read, as they saw it")
    explanation: str


class RuleSetOut(Response):
    name: str
    version: int
    checksum: str
    effective_from: date | None
    effective_to: date | None
    file: str
    loaded_at: datetime
    in_force: bool = Field(description="in force today")


class RuleErrorOut(Response):
    """A refused rule file: the file, and where known the rule and the field in it."""

    file: str
    rule: str | None
    field: str | None
    reason: str
    message: str
    at: datetime


class RulesStatusOut(Response):
    directory: str = Field(description="'packaged', or the configured rules directory")
    loaded_at: datetime
    checked_at: datetime = Field(description="when the files were last looked at")
    reload_seconds: float = Field(description="how often files are checked; 0: only on request")
    rulesets: list[RuleSetOut]
    last_error: RuleErrorOut | None = Field(
        description="why the last reload was refused (the rule sets in force stayed)"
    )


class DryRunIn(Request):
    """A candidate rule file, as text."""

    yaml: str = Field(min_length=1, max_length=MAX_RULE_FILE, description="the rule file (YAML)")
    file: str = Field(
        default="candidate.yaml", min_length=1, max_length=200, description="named in errors"
    )
    limit: int = Field(default=500, ge=1, le=10000, description="most changes listed")


class ChangeOut(Response):
    item_id: int
    live: DecisionOut
    candidate: DecisionOut


class DryRunCounts(Response):
    items: int
    changed: int
    unchanged: int
    undecided: int = Field(description="items whose facts did not fit the vocabulary")
    moves: dict[str, int] = Field(description="'live rules -> candidate rules': how many")


class UndecidedOut(Response):
    item_id: int
    reason: str


class DryRunOut(Response):
    ruleset: str
    item_kind: str
    day: date
    live_version: int
    live_checksum: str
    candidate_version: int
    candidate_checksum: str
    counts: DryRunCounts
    changes: list[ChangeOut]
    truncated: bool = Field(description="more changes than `limit`; the counts hold them all")
    undecided: list[UndecidedOut]
