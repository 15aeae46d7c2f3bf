"""Run every job for one moment, each in its own transaction."""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from datetime import datetime
from zoneinfo import ZoneInfo

from service import metrics, workdays
from service.db import Database
from service.scheduler.jobs import Job, JobResult, JobRun
from service.settings import Settings
from service.workflow import Workflows

log = logging.getLogger("o2c.scheduler")


def run_due(
    db: Database,
    *,
    jobs: Mapping[str, Job],
    workflows: Workflows,
    as_of: datetime,
    tz: ZoneInfo,
    settings: Settings | None = None,
) -> list[JobResult]:
    """Everything due as of `as_of`; safe to run again, late, or from two processes at once."""
    run = JobRun(as_of=as_of, tz=tz, workflows=workflows, settings=settings)
    # Years loaded by another process since the last run count from this run on.
    with db.lookup() as connection:
        workdays.refresh(connection)
    results = []
    for name, job in jobs.items():
        started = time.perf_counter()
        with db.write() as session:
            result = job(session, run)
        _measured(name, result, time.perf_counter() - started)
        for problem in result.problems:
            log.error("%s: %s", name, problem)
        log.info("%s", result.summary())
        results.append(result)
    return results


def _measured(name: str, result: JobResult, seconds: float) -> None:
    metrics.JOB_RUNS.labels(name).inc()
    metrics.JOB_SECONDS.labels(name).observe(seconds)
    metrics.JOB_RAISED.labels(name).inc(len(result.raised))
    metrics.JOB_PROBLEMS.labels(name).inc(len(result.problems))
