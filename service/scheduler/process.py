"""The scheduler process: one leader at a time runs the jobs stored in the database.

APScheduler 3 must never share a job store between running schedulers, so each process first
takes a lease row in the database; only the lease holder starts APScheduler (with its
SQLAlchemyJobStore in the service database) and renews the lease while alive. If the holder dies,
the lease expires and another process takes over. Jobs compute "what is due as of now", so a
takeover or a long outage catches up by itself, and the task key prevents duplicates even if two
processes ever ran at once.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from collections.abc import Mapping
from datetime import timedelta

from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import or_, update
from sqlalchemy.exc import IntegrityError

from service.db import Database, utcnow
from service.scheduler.jobs import Job
from service.scheduler.models import SchedulerLease
from service.scheduler.runner import run_due
from service.settings import Settings
from service.workflow import Workflows

log = logging.getLogger("o2c.scheduler")
LEASE = "scheduler"
SCAN_JOB_ID = "o2c-scan"

_active: SchedulerProcess | None = None


def scan() -> None:
    """The stored job: run everything due now. Referenced by name in the job store."""
    process = _active
    if process is None:
        log.warning("scan job fired without an active scheduler; skipped")
        return
    run_due(
        process.db,
        jobs=process.jobs,
        workflows=process.workflows,
        as_of=utcnow(),
        tz=process.settings.tz,
        settings=process.settings,
    )


class SchedulerProcess:
    """Leader election by lease, and APScheduler while this process leads."""

    def __init__(
        self, settings: Settings, db: Database, *, jobs: Mapping[str, Job], workflows: Workflows
    ) -> None:
        self.settings = settings
        self.db = db
        self.jobs = jobs
        self.workflows = workflows
        self.holder = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.ttl = timedelta(seconds=settings.scheduler_lease_seconds)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._scheduler: BackgroundScheduler | None = None

    @property
    def leading(self) -> bool:
        return self._scheduler is not None

    def try_lead(self) -> bool:
        """Take or renew the lease; True while this process holds it."""
        now = utcnow()
        with self.db.write() as session:
            taken = session.execute(
                update(SchedulerLease)
                .where(
                    SchedulerLease.name == LEASE,
                    or_(SchedulerLease.holder == self.holder, SchedulerLease.expires_at < now),
                )
                .values(holder=self.holder, expires_at=now + self.ttl)
                .returning(SchedulerLease.name)
            ).first()
            if taken is not None:
                return True
        try:
            with self.db.write() as session:
                session.add(
                    SchedulerLease(name=LEASE, holder=self.holder, expires_at=now + self.ttl)
                )
            return True
        except IntegrityError:
            return False

    def release(self) -> None:
        with self.db.write() as session:
            session.execute(
                update(SchedulerLease)
                .where(SchedulerLease.name == LEASE, SchedulerLease.holder == self.holder)
                .values(expires_at=utcnow())
            )

    def _start_jobs(self) -> None:
        global _active  # noqa: PLW0603 (the stored job finds its process here)
        _active = self
        scheduler = BackgroundScheduler(
            jobstores={"default": SQLAlchemyJobStore(engine=self.db.engine)},
            timezone=self.settings.tz,
            job_defaults={
                "coalesce": True,
                "max_instances": 1,
                "misfire_grace_time": self.settings.scheduler_interval_seconds,
            },
        )
        scheduler.start()
        scheduler.add_job(
            scan,
            "interval",
            id=SCAN_JOB_ID,
            replace_existing=True,
            seconds=self.settings.scheduler_interval_seconds,
            next_run_time=utcnow(),
        )
        self._scheduler = scheduler
        log.info(
            "scheduler %s leads; scanning every %ss",
            self.holder,
            self.settings.scheduler_interval_seconds,
        )

    def _stop_jobs(self) -> None:
        if self._scheduler is not None:
            self._scheduler.shutdown(wait=True)
            self._scheduler = None
            log.info("scheduler %s no longer leads", self.holder)

    def _loop(self) -> None:
        renew = self.ttl.total_seconds() / 3
        while not self._stop.is_set():
            try:
                leading = self.try_lead()
            except Exception:  # the database may be briefly unreachable; try again later
                log.exception("scheduler lease check failed")
                leading = False
            if leading and not self.leading:
                self._start_jobs()
            elif not leading and self.leading:
                self._stop_jobs()
            self._stop.wait(renew)

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="o2c-scheduler", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        global _active  # noqa: PLW0603
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
        self._stop_jobs()
        if _active is self:
            _active = None
        try:
            self.release()
        except Exception:
            log.exception("could not release the scheduler lease")

    def wait(self) -> None:
        """Block until stopped (the standalone `o2c scheduler`)."""
        self._stop.wait()
