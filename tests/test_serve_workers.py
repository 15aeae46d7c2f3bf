"""Run as a fleet: `o2c serve --workers N` refused on SQLite (one writer), served from N processes
on PostgreSQL with their metrics added up and stopped gracefully (a request in flight is
answered); any number of `o2c scheduler` processes, one leading at a time."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import select

from service.db import Database, utcnow
from service.scheduler.models import SchedulerLease
from tests.processes import O2C, clean_env, until, wait_ready
from tests.support import free_port, make_users, migrate, postgres_database


def test_several_workers_on_sqlite_are_refused_with_the_reason(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'one-writer.sqlite3'}"
    run = subprocess.run(
        [*O2C, "serve", "--workers", "2"],
        env=clean_env(O2C_DATABASE_URL=url),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode == 1
    assert run.stderr.startswith(
        "o2c: --workers 2 on SQLite: SQLite lets one process write at a time"
    )
    assert "--allow-sqlite-workers" in run.stderr
    assert not (tmp_path / "one-writer.sqlite3").exists()


def _health_requests(text: str) -> float:
    return sum(
        sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == "o2c_http_requests_total" and sample.labels["route"] == "/health"
    )


def test_two_workers_on_postgresql_serve_add_up_their_metrics_and_stop_gracefully(
    tmp_path: Path,
) -> None:
    with postgres_database() as url:
        db = migrate(url)
        token = make_users(db)["sales"]
        db.dispose()
        port, metrics = free_port(), tmp_path / "metrics"
        base = f"http://127.0.0.1:{port}"
        log = tmp_path / "serve.log"
        env = clean_env(
            O2C_DATABASE_URL=url,
            O2C_PORT=str(port),
            O2C_LOG_FORMAT="json",
            O2C_SCHEDULER_INTERVAL_SECONDS="3600",
            PROMETHEUS_MULTIPROC_DIR=str(metrics),
        )
        with log.open("w") as out:
            process = subprocess.Popen(
                [*O2C, "serve", "--workers", "2"], env=env, stdout=out, stderr=subprocess.STDOUT
            )
        try:
            wait_ready(base, process, log)
            for number in range(20):
                answer = httpx.get(f"{base}/health", headers={"X-Request-ID": f"fleet-{number}"})
                assert answer.headers["X-Request-ID"] == f"fleet-{number}"
            me = httpx.get(f"{base}/me", headers={"Authorization": f"Bearer {token}"})
            assert me.status_code == 200, me.text
            # Any worker's scrape adds up every process's counters.
            assert _health_requests(httpx.get(f"{base}/metrics").text) >= 20
            pids = {path.stem.rsplit("_", 1)[1] for path in metrics.glob("*.db")}
            assert len(pids) >= 3, pids  # the supervisor (scheduler) and two workers
            answered: list[int] = []
            # A fresh worker builds the OpenAPI document on its first call, which takes a while:
            # stopped meanwhile, the server answers it before it exits.
            slow = threading.Thread(
                target=lambda: answered.append(
                    httpx.get(f"{base}/openapi.json", timeout=120).status_code
                )
            )
            slow.start()
            time.sleep(0.3)
            process.send_signal(signal.SIGTERM)
            slow.join(timeout=120)
            assert answered == [200]
            assert process.wait(timeout=120) == 0
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
        lines = [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]
        started = [line for line in lines if "Started server process" in line["message"]]
        finished = [line for line in lines if "Finished server process" in line["message"]]
        assert len(started) == 2 and len(finished) == 2
        requests = {line.get("request_id") for line in lines if line["logger"] == "o2c.http"}
        assert {f"fleet-{number}" for number in range(20)} <= requests
        assert token not in log.read_text()


def _holder(db: Database) -> str | None:
    with db.read() as session:
        lease = session.scalars(select(SchedulerLease)).first()
        return lease.holder if lease is not None and lease.expires_at > utcnow() else None


def _leads(db: Database, process: subprocess.Popen[bytes]) -> bool:
    return f":{process.pid}:" in (_holder(db) or "")


def test_two_scheduler_processes_on_postgresql_one_leads_the_other_takes_over_its_lost_lease(
    tmp_path: Path,
) -> None:
    with postgres_database() as url:
        db = migrate(url)
        env = clean_env(
            O2C_DATABASE_URL=url,
            O2C_SCHEDULER_LEASE_SECONDS="3",
            O2C_SCHEDULER_INTERVAL_SECONDS="3600",
        )
        started: list[subprocess.Popen[bytes]] = []
        try:
            for name in ("first", "second"):
                with (tmp_path / f"{name}.log").open("w") as out:
                    started.append(
                        subprocess.Popen(
                            [*O2C, "scheduler"], env=env, stdout=out, stderr=subprocess.STDOUT
                        )
                    )
                if name == "first":
                    until(lambda: _leads(db, started[0]), "the first did not lead")
            first, second = started
            time.sleep(4)  # longer than the lease: the leader renews it, the other waits
            assert _leads(db, first)
            assert second.poll() is None
            first.kill()  # no release: the lease runs out
            first.wait()
            until(lambda: _leads(db, second), "no takeover of the lapsed lease", seconds=60)
            second.send_signal(signal.SIGTERM)
            assert second.wait(timeout=60) == 0
            assert _holder(db) is None  # released on a clean stop
        finally:
            for process in started:
                if process.poll() is None:
                    process.kill()
                    process.wait()
            db.dispose()


SETTLED = """
import gc, json, sys
from fastapi.testclient import TestClient
from service.app import create_app
from service.settings import load_settings
settings = load_settings(database_url=sys.argv[1], demo=False, scheduler_enabled=False)
before = gc.get_freeze_count()
with TestClient(create_app(settings)) as client:
    assert client.get("/health").status_code == 200
    frozen, tracked = gc.get_freeze_count(), len(gc.get_objects())
with TestClient(create_app(settings)):  # a second app in the same process freezes no more
    again = gc.get_freeze_count()
print(json.dumps([before, frozen, tracked, again]))
"""


def test_a_serving_process_takes_its_start_up_objects_out_of_the_garbage_collectors_sight(
    tmp_path: Path,
) -> None:
    """When the first app of a process starts, what start-up built (hundreds of thousands of
    objects that live as long as the process) is frozen, so the collections a request's garbage
    triggers no longer walk it; a second app in the process changes nothing."""
    url = f"sqlite:///{tmp_path / 'settled.sqlite3'}"
    migrate(url).dispose()
    run = subprocess.run(
        [sys.executable, "-c", SETTLED, url],
        env=clean_env(),
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    before, frozen, tracked, again = json.loads(run.stdout.strip().splitlines()[-1])
    assert before == 0
    assert frozen > 100_000, "modules, routes, models and rules are frozen"
    assert tracked < frozen / 3, "most of the heap is out of the collector's sight"
    assert again <= frozen, "frozen once: some of it was freed since, nothing added"
