"""What the service measures, in Prometheus format (`GET /metrics`).

Counters and histograms are updated where things happen: the request middleware
(`service.observe`), the scheduler's runner, the rules in force (`service.rulesets.registry`) and
the database pools. Open items are counted at each scrape with one COUNT per kind, from what the
features declare (`Feature.open_counts`). With several server processes (`o2c serve --workers
N`), each writes its values to files in `PROMETHEUS_MULTIPROC_DIR` (prometheus_client's own
variable, set up by `o2c serve`) and a scrape of any process adds them up.
"""

from __future__ import annotations

import os
import weakref
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import Engine, Select, event, func, select

from service.db import Base, Database

if TYPE_CHECKING:
    from service.workflow import Workflows

CONTENT_TYPE = CONTENT_TYPE_LATEST
MULTIPROCESS_DIR = "PROMETHEUS_MULTIPROC_DIR"

REQUESTS = Counter(
    "o2c_http_requests",
    "HTTP requests answered, by method, route template and status",
    ["method", "route", "status"],
)
REQUEST_SECONDS = Histogram(
    "o2c_http_request_duration_seconds",
    "Time to answer an HTTP request, by method and route template",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
JOB_RUNS = Counter("o2c_scheduler_job_runs", "Scheduler job runs, by job", ["job"])
JOB_SECONDS = Histogram(
    "o2c_scheduler_job_duration_seconds",
    "Time one scheduler job run took, by job",
    ["job"],
    buckets=(0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 900),
)
JOB_RAISED = Counter(
    "o2c_scheduler_job_items_raised", "Items (tasks) raised by scheduler jobs, by job", ["job"]
)
JOB_PROBLEMS = Counter(
    "o2c_scheduler_job_problems", "Problems scheduler jobs reported, by job", ["job"]
)
RULE_DECISIONS = Counter(
    "o2c_rule_decisions",
    "Decisions by the rule sets in force, by rule set and rule that fired (none: no rule matched)",
    ["ruleset", "rule"],
)
POOL_IN_USE = Gauge(
    "o2c_db_pool_connections_in_use",
    "Database connections checked out of the pools, by pool",
    ["pool"],
    multiprocess_mode="livesum",
)
POOL_OPEN = Gauge(
    "o2c_db_pool_connections_open",
    "Database connections the pools hold open, by pool",
    ["pool"],
    multiprocess_mode="livesum",
)


@dataclass(frozen=True)
class OpenCount:
    """Items of one kind still to be worked, counted at every scrape: the rows of `model` in the
    states its lifecycle tags `tag` (by state)."""

    kind: str
    model: type[Base]
    tag: str


_watched: weakref.WeakSet[Engine] = weakref.WeakSet()


def watch_pool(engine: Engine, pool: str) -> None:
    """Keep the pool gauges of one engine up to date (once per engine): "main" (on SQLite the
    writers), "read" (SQLite's readers)."""
    if engine in _watched:
        return
    _watched.add(engine)
    in_use, opened = POOL_IN_USE.labels(pool), POOL_OPEN.labels(pool)
    event.listen(engine, "checkout", lambda *_: in_use.inc())
    event.listen(engine, "checkin", lambda *_: in_use.dec())
    event.listen(engine, "connect", lambda *_: opened.inc())
    event.listen(engine, "close", lambda *_: opened.dec())
    event.listen(engine, "close_detached", lambda *_: opened.dec())


def watch_database(db: Database) -> None:
    watch_pool(db.engine, "main")
    if db.read_engine is not db.engine:
        watch_pool(db.read_engine, "read")


def open_count_query(workflows: Workflows, count: OpenCount) -> Select[str, int]:
    """How many rows of the count's table are in each of its states tagged so. Every counted
    table has an index leading with its state (a scrape every few seconds reads only those)."""
    states = workflows.tagged(count.model, count.tag)
    state = count.model.state  # type: ignore[attr-defined]
    return select(state, func.count()).where(state.in_(states)).group_by(state)


class OpenItems(Collector):
    """The open items gauge, computed when scraped."""

    def __init__(self, db: Database, workflows: Workflows, counts: Sequence[OpenCount]) -> None:
        self.db = db
        self.workflows = workflows
        self.counts = counts

    def collect(self) -> Iterator[GaugeMetricFamily]:
        family = GaugeMetricFamily(
            "o2c_open_items",
            "Items still to be worked, by kind and state",
            labels=("kind", "state"),
        )
        with self.db.read() as session:
            for count in self.counts:
                states = self.workflows.tagged(count.model, count.tag)
                rows = session.execute(open_count_query(self.workflows, count)).all()
                found = {str(name): int(number) for name, number in rows}
                for name in states:
                    family.add_metric([count.kind, name], found.get(name, 0))
        yield family


def multiprocess_mode() -> bool:
    return bool(os.environ.get(MULTIPROCESS_DIR))


def scrape(collectors: Iterable[Any] = ()) -> bytes:
    """The text exposition: every process's counters (added up in multi-process mode) and the
    values computed now."""
    if multiprocess_mode():
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        text = generate_latest(registry)
    else:
        text = generate_latest(REGISTRY)
    now = CollectorRegistry(auto_describe=False)
    for collector in collectors:
        now.register(collector)
    return text + generate_latest(now)


# The children of the request metrics by their labels: `labels()` checks and locks on every
# call; the route templates, methods and statuses are few.
_answered: dict[tuple[str, str, int], tuple[Any, Any]] = {}


def request_answered(method: str, route: str, status: int, seconds: float) -> None:
    children = _answered.get((method, route, status))
    if children is None:
        children = _answered[(method, route, status)] = (
            REQUESTS.labels(method, route, str(status)),
            REQUEST_SECONDS.labels(method, route),
        )
    children[0].inc()
    children[1].observe(seconds)


# The counter of each rule set's rule, looked up once (a bulk job decides thousands of times).
_decided: dict[tuple[str, str], Any] = {}


def rule_decided(ruleset: str, rules: Sequence[str]) -> None:
    for rule in rules or ("none",):
        child = _decided.get((ruleset, rule))
        if child is None:
            child = _decided[(ruleset, rule)] = RULE_DECISIONS.labels(ruleset, rule)
        child.inc()
