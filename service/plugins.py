"""What a feature plugs into the service: its routes, lifecycles, rule sets, jobs and words.

Each feature folder has a `plugin.py` with one `Feature`; the composition root
(`service.bootstrap`) lists them and the app, the scheduler and the command line are assembled
from that list. Nothing in the shared plumbing names a feature.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter
from sqlalchemy.orm import Session

from service.context import MoneyFollower
from service.metrics import OpenCount
from service.scheduler.jobs import Job
from service.settings import Settings
from service.workflow import Machine, Workflows

if TYPE_CHECKING:
    from service.imports import Importer
    from service.web.documents import Panel

# One open item of a rule set: its id and the facts the rules see, as the live decision sees them.
OpenItem = tuple[int, dict[str, Any]]


@dataclass(frozen=True)
class RuleSetBinding:
    """A rule set a feature decides with: the kind of item it decides and where the real open
    items come from, for dry runs of candidate rule files (as of a day, with the deployment's
    settings, so the facts are those the live decision sees)."""

    name: str
    item_kind: str
    open_items: Callable[[Session, Workflows, date, Settings], list[OpenItem]]


@dataclass(frozen=True)
class MenuEntry:
    """A link of the pages' menu: where it goes, its words (a catalog code), who sees it."""

    path: str
    label: str
    roles: tuple[str, ...] = ()


@dataclass(frozen=True)
class Feature:
    """One feature's plug-in points.

    - `routers`: its HTTP routes;
    - `machines`: the lifecycles its tables carry, with the guards their YAML names;
    - `tags`: per machine, the groups of states its code asks for (checked at start-up);
    - `rulesets`: the rule sets it decides with;
    - `jobs`: scheduled jobs by name;
    - `catalog`: the folder of its message catalogs (`en.po`, `zh.po`), refusals and page words;
    - `pages`: its routers of server-rendered pages (`/web/...`);
    - `templates`: the folder of its Jinja2 templates (names start with the feature's name);
    - `menu`: the entries it adds to the pages' menu;
    - `panels`: what it adds to other documents' pages (see `service.web.documents`);
    - `follows_money`: what it does when money applied to invoices, or taken from them, changed
      what is owed on them (`ctx.money_moved`, called by whichever feature posted it: a payment,
      a red invoice, a credited return), in that transaction. So a feature moves other
      features' documents without importing their use cases;
    - `importers`: its CSV imports, each one `o2c import <name>` (see `service.imports`).
    - `open_counts`: the items still to be worked that `GET /metrics` counts (`o2c_open_items`).
    """

    name: str
    routers: Sequence[APIRouter] = ()
    machines: Sequence[Machine] = ()
    tags: Mapping[str, Sequence[str]] = field(default_factory=dict)
    rulesets: Sequence[RuleSetBinding] = ()
    jobs: Mapping[str, Job] = field(default_factory=dict)
    catalog: Path | None = None
    pages: Sequence[APIRouter] = ()
    templates: Path | None = None
    menu: Sequence[MenuEntry] = ()
    panels: Sequence[Panel] = ()
    follows_money: Sequence[MoneyFollower] = ()
    importers: Sequence[Importer] = ()
    open_counts: Sequence[OpenCount] = ()
