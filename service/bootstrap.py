"""The composition root: the one place that names every feature.

A feature is one folder with a `plugin.py`; adding it to `FEATURES` plugs in its routes,
lifecycles and guards, rule sets, scheduler jobs and message catalogs. The app, the scheduler and
the command line are assembled from here; nothing else imports every feature.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

from fastapi import APIRouter

from rules import RuleSetError
from service import i18n, workdays
from service.attachments.plugin import FEATURE as ATTACHMENTS
from service.books.plugin import FEATURE as BOOKS
from service.calendar_years import startup as calendar_files
from service.calendar_years.plugin import FEATURE as CALENDAR
from service.carriers.plugin import FEATURE as CARRIERS
from service.collection.plugin import FEATURE as COLLECTION
from service.context import Clock
from service.credit.plugin import FEATURE as CREDIT
from service.db import Database
from service.imports import Importer
from service.invoices.plugin import FEATURE as INVOICES
from service.masterdata.plugin import FEATURE as MASTERDATA
from service.metrics import OpenCount
from service.orders.plugin import FEATURE as ORDERS
from service.payments.plugin import FEATURE as PAYMENTS
from service.plugins import Feature, RuleSetBinding
from service.receipts.plugin import FEATURE as RECEIPTS
from service.receivables.plugin import FEATURE as RECEIVABLES
from service.returns.plugin import FEATURE as RETURNS
from service.rulesets import pages as rules_pages
from service.rulesets.registry import RuleRegistry
from service.runtime import Runtime
from service.scheduler.jobs import Job
from service.settings import Settings
from service.settlement.plugin import FEATURE as SETTLEMENT
from service.shipments.plugin import FEATURE as SHIPMENTS
from service.statements.plugin import FEATURE as STATEMENTS
from service.tasks.plugin import FEATURE as TASKS
from service.web.documents import Panel
from service.web.templating import Renderer
from service.workflow import Workflows
from workflows import WorkflowDefinitionError

# Routes are matched in this order: the busiest call (logistics posting signed receipts) first.
FEATURES: tuple[Feature, ...] = (
    RECEIPTS,
    ORDERS,
    SHIPMENTS,
    CARRIERS,
    INVOICES,
    RETURNS,
    RECEIVABLES,
    TASKS,
    ATTACHMENTS,
    MASTERDATA,
    STATEMENTS,
    SETTLEMENT,
    PAYMENTS,
    COLLECTION,
    CALENDAR,
    CREDIT,
    BOOKS,
)

SHARED_CATALOG = Path(__file__).resolve().parent / "locale"


def catalog_dirs(features: Iterable[Feature] = FEATURES) -> list[Path]:
    return [
        SHARED_CATALOG,
        rules_pages.CATALOG,
        *(f.catalog for f in features if f.catalog is not None),
    ]


@cache
def messages() -> i18n.Messages:
    """Every catalog, loaded and checked once; installed for the whole process."""
    loaded = i18n.Messages.load(catalog_dirs())
    i18n.install(loaded)
    return loaded


def workflows(directory: str | Path | None = None, tz: ZoneInfo | None = None) -> Workflows:
    """The machines of every feature from `directory` (default: the packaged definitions);
    `tz` the business time zone (default Asia/Shanghai)."""
    tags: dict[str, set[str]] = {}
    for feature in FEATURES:
        for machine, names in feature.tags.items():
            tags.setdefault(machine, set()).update(names)
    return Workflows(
        directory or None,
        machines=[m for f in FEATURES for m in f.machines],
        tags={machine: sorted(names) for machine, names in tags.items()},
        **({"tz": tz} if tz is not None else {}),
    )


def jobs() -> dict[str, Job]:
    return {name: job for feature in FEATURES for name, job in feature.jobs.items()}


def rulesets() -> Mapping[str, RuleSetBinding]:
    return {b.name: b for feature in FEATURES for b in feature.rulesets}


def importers() -> dict[str, Importer]:
    """Every feature's CSV importers by command name (`o2c import <name>`)."""
    found: dict[str, Importer] = {}
    for feature in FEATURES:
        for importer in feature.importers:
            if importer.name in found:
                raise ValueError(f"two importers are named {importer.name!r}")
            found[importer.name] = importer
    return found


def open_counts() -> list[OpenCount]:
    return [count for feature in FEATURES for count in feature.open_counts]


def routers() -> list[APIRouter]:
    return [router for feature in FEATURES for router in feature.routers]


def pages() -> list[APIRouter]:
    """Every feature's pages, and the shared ones of the rule sets."""
    return [*(router for feature in FEATURES for router in feature.pages), rules_pages.router]


def panels() -> dict[str, list[Panel]]:
    """What features add to other documents' pages, by the machine of the page."""
    found: dict[str, list[Panel]] = {}
    for feature in FEATURES:
        for panel in feature.panels:
            found.setdefault(panel.machine, []).append(panel)
    return {machine: sorted(shown, key=lambda p: p.place) for machine, shown in found.items()}


def renderer(settings: Settings) -> Renderer:
    """The pages' templates (the shared layout and every feature's) and the menu."""
    folders = [*(f.templates for f in FEATURES if f.templates is not None), rules_pages.TEMPLATES]
    menu = [*(entry for f in FEATURES for entry in f.menu), rules_pages.MENU]
    return Renderer(folders, menu, settings.tz)


class ConfigurationError(Exception):
    """A configuration file is refused: one line naming the file and the reason."""


def runtime(settings: Settings, db: Database) -> Runtime:
    """Everything a process needs, built once: catalogs, machines, rules in force, the clock.

    A refused catalog, workflow or rule file raises ConfigurationError, whose one line names the
    file, the place in it and the reason: the process does not start."""
    try:
        messages()
        calendar_files.read(settings.calendar_path)
        # Every process (server, scheduler, imports) reads the loaded years from its database.
        workdays.follow(db.lookup)
        return Runtime(
            settings=settings,
            db=db,
            workflows=workflows(settings.workflows_dir, settings.tz),
            rules=RuleRegistry.from_settings(settings),
            clock=Clock(settings.tz),
            rulesets=rulesets(),
            money_followers=tuple(f for feature in FEATURES for f in feature.follows_money),
        )
    except (i18n.CatalogError, WorkflowDefinitionError) as error:
        raise ConfigurationError(str(error)) from None
    except RuleSetError as error:
        raise ConfigurationError(f"rule file refused: {error}") from None
    except calendar_files.CalendarFileRefused as error:
        raise ConfigurationError(f"calendar file refused: {error}") from None


def calendar(runtime: Runtime) -> None:
    """Load the deployment's calendar years not yet loaded, say loudly where the calendar
    package now disagrees with a loaded year, and tell this process's working days where the
    loaded years are. Needs the migrated database; a refused file stops the start in one line."""
    try:
        calendar_files.sync(runtime)
    except calendar_files.CalendarFileRefused as error:
        raise ConfigurationError(f"calendar file refused: {error}") from None
