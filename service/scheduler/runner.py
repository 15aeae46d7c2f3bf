"""Run every job for one moment, each in its own transaction."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from service.carriers.deadline import CARRIER_RECEIPT_OVERDUE
from service.db import Database
from service.scheduler import jobs

log = logging.getLogger("o2c.scheduler")

Job = Callable[..., jobs.JobResult]
JOBS: dict[str, Job] = {CARRIER_RECEIPT_OVERDUE: jobs.carrier_receipt_overdue}


def run_due(db: Database, *, as_of: datetime, tz: ZoneInfo) -> list[jobs.JobResult]:
    """Everything due as of `as_of`; safe to run again, late, or from two processes at once."""
    results = []
    for name, job in JOBS.items():
        session: Session
        with db.write() as session:
            result = job(session, as_of=as_of, tz=tz)
        for problem in result.problems:
            log.error("%s: %s", name, problem)
        log.info("%s", result.summary())
        results.append(result)
    return results
