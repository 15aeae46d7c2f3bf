"""`o2c serve`: one server process, or several (`--workers N`) on PostgreSQL.

With several, uvicorn's supervisor binds the port and starts N worker processes, each building
its app from the settings (`service.app:served`); this process checks everything first (settings,
database, schema, workflows, rules, demo data) and runs the scheduler, so it runs in one process
only (and, across machines, the lease lets one scheduler lead). Their metrics go to files in
`PROMETHEUS_MULTIPROC_DIR` (a fresh directory unless set), which every worker's `/metrics` adds
up.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from sqlalchemy.engine import make_url

from service.cli.common import fail

if TYPE_CHECKING:
    from fastapi import FastAPI

    from service.settings import Settings

MULTIPROCESS_DIR = "PROMETHEUS_MULTIPROC_DIR"


def refuse_sqlite_workers(settings: Settings, allowed: bool) -> None:
    """SQLite has one writer at a time: more processes only queue on its lock (and each would
    hold its own), so several workers on SQLite are refused unless asked for."""
    sqlite = make_url(settings.database_url).get_backend_name() == "sqlite"
    if settings.workers > 1 and sqlite and not allowed:
        raise fail(
            f"--workers {settings.workers} on SQLite: SQLite lets one process write at a "
            "time, so more workers only wait for each other; serve with PostgreSQL, or one "
            "worker, or pass --allow-sqlite-workers"
        )


@contextmanager
def metrics_directory() -> Iterator[None]:
    """Multi-process metrics: the directory the workers write to, emptied for this run (one made
    for it unless PROMETHEUS_MULTIPROC_DIR names one). Set before prometheus_client is imported."""
    given = os.environ.get(MULTIPROCESS_DIR)
    if given:
        os.makedirs(given, exist_ok=True)
        for name in os.listdir(given):
            if name.endswith(".db"):
                os.remove(os.path.join(given, name))
        yield
        return
    made = tempfile.mkdtemp(prefix="o2c-metrics-")
    os.environ[MULTIPROCESS_DIR] = made
    try:
        yield
    finally:
        os.environ.pop(MULTIPROCESS_DIR, None)
        shutil.rmtree(made, ignore_errors=True)


def uvicorn_options(settings: Settings) -> dict[str, Any]:
    from service.observe import log_config

    return {
        "host": settings.host,
        "port": settings.port,
        "log_level": settings.log_level,
        "log_config": log_config(settings),
        "access_log": False,
        "timeout_graceful_shutdown": settings.shutdown_grace_seconds,
    }


def run_workers(settings: Settings, checked: FastAPI) -> None:
    """N worker processes under uvicorn's supervisor; the scheduler of the app checked here runs
    in this process. The workers read the settings as this process has them (demo included)."""
    import uvicorn

    os.environ["O2C_DEMO"] = "true" if settings.demo else "false"
    os.environ["O2C_SCHEDULER_ENABLED"] = "false"
    scheduler = checked.state.scheduler
    if scheduler is not None:
        scheduler.start()
    try:
        options = uvicorn_options(settings)
        uvicorn.run("service.app:served", factory=True, workers=settings.workers, **options)
    finally:
        if scheduler is not None:
            scheduler.stop()
