"""Seen from outside: liveness and readiness for a load balancer, metrics for Prometheus, one log
line per request with its request id (in the answer and in the journal rows it wrote), and no
secret in the logs."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from service import bootstrap
from service import migrate as migrations
from service.app import create_app
from service.journal import Event
from service.metrics import open_count_query
from service.migrate import head
from service.observe import JsonFormatter
from service.scheduler.jobs import Job, JobResult, JobRun
from service.scheduler.runner import run_due
from tests.flows import Flows
from tests.pages import PASSWORD, Person
from tests.support import (
    Backend,
    Server,
    migrate,
    plan_of,
    run_async,
    settings_for,
    tmp_sqlite_url,
)


def samples(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def value(backend: Backend, name: str, **labels: str) -> float:
    answer = httpx.get(f"{backend.url}/metrics", timeout=30)
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/plain")
    return samples(answer.text).get((name, frozenset(labels.items())), 0.0)


@pytest.fixture
def alone(tmp_path: Path) -> Iterator[Server]:
    """A server of its own on a SQLite file, to break its database."""
    url = tmp_sqlite_url(tmp_path)
    db = migrate(url)
    with Server(settings_for(url), db) as server:
        yield server
    db.dispose()


def test_health_answers_without_the_database_and_ready_says_why_not(
    alone: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert httpx.get(f"{alone.url}/ready").status_code == 200

    def unreachable() -> None:
        raise OperationalError("SELECT 1", {}, Exception("connection refused"))

    monkeypatch.setattr(alone.app.state.ctx.db, "lookup", unreachable)
    assert httpx.get(f"{alone.url}/health").json() == {"status": "ok"}
    answer = httpx.get(f"{alone.url}/ready")
    assert answer.status_code == 503
    assert answer.json() == {
        "status": "unavailable",
        "reason": "database unreachable: connection refused",
    }


def test_ready_is_not_ready_on_a_schema_other_than_the_code_needs(
    alone: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(migrations, "head", lambda: "9999")
    answer = httpx.get(f"{alone.url}/ready")
    assert answer.status_code == 503
    assert answer.json()["reason"] == f"database at migration {head()}, this code needs 9999"


def test_ready_names_what_it_checked(backend: Backend) -> None:
    answer = httpx.get(f"{backend.url}/ready", timeout=30)
    assert answer.status_code == 200
    checks = answer.json()["checks"]
    assert checks["database"] == "reachable"
    assert checks["schema"] == head()
    assert checks["workflows"].endswith("loaded") and checks["rules"].endswith("loaded")


def test_metrics_count_requests_by_route_template_and_status(
    backend: Backend, flows: Flows
) -> None:
    labels = {"method": "GET", "route": "/orders/{order_id}", "status": "404"}
    before = value(backend, "o2c_http_requests_total", **labels)
    timed = {"method": "GET", "route": "/orders/{order_id}"}
    timed_before = value(backend, "o2c_http_request_duration_seconds_count", **timed)
    for missing in (999_998, 999_999):
        assert flows.sales.get(f"/orders/{missing}").status_code == 404
    assert value(backend, "o2c_http_requests_total", **labels) == before + 2
    assert value(backend, "o2c_http_request_duration_seconds_count", **timed) == timed_before + 2


def test_metrics_count_rule_decisions_by_rule_set_and_rule(backend: Backend, flows: Flows) -> None:
    text = httpx.get(f"{backend.url}/metrics", timeout=30).text
    before = sum(v for (n, labels), v in samples(text).items() if _credit_release(n, labels))
    order = flows.approved_order()
    history = flows.history(order["id"])
    fired = next(e["decisions"][0]["rules"] for e in history if e["decisions"])
    text = httpx.get(f"{backend.url}/metrics", timeout=30).text
    after = sum(v for (n, labels), v in samples(text).items() if _credit_release(n, labels))
    assert after == before + max(len(fired), 1)


def _credit_release(name: str, labels: frozenset[tuple[str, str]]) -> bool:
    return name == "o2c_rule_decisions_total" and ("ruleset", "credit_release") in labels


def test_each_open_items_count_reads_an_index_of_its_states_on_both_databases(
    backend: Backend,
) -> None:
    # Counted at every scrape: a table of a million tasks, most of them done, must not be read
    # whole (PostgreSQL has no skip scan over an index that does not lead with the state).
    workflows = backend.runtime.workflows
    indexes = {
        "task": "ix_tasks_state",
        "statement": "ix_statements_state",
        "receipt_exception": "ix_receipt_exceptions_state_created",
        "invoice_exception": "ix_invoice_exceptions_queue",
    }
    counts = bootstrap.open_counts()
    assert sorted(c.kind for c in counts) == sorted(indexes)
    for count in counts:
        plan = plan_of(backend.db, open_count_query(workflows, count))
        assert indexes[count.kind] in plan, (count.kind, plan)


def test_metrics_count_scheduler_jobs_and_open_items_and_the_pool(backend: Backend) -> None:
    def job(_session: object, run: JobRun) -> JobResult:
        return JobResult("observed", run.as_of, candidates=3, raised=[1, 2], problems=["one"])

    jobs: dict[str, Job] = {"observed": job}
    runs = value(backend, "o2c_scheduler_job_runs_total", job="observed")
    raised = value(backend, "o2c_scheduler_job_items_raised_total", job="observed")
    problems = value(backend, "o2c_scheduler_job_problems_total", job="observed")
    from service.db import utcnow

    run_due(
        backend.db,
        jobs=jobs,
        workflows=backend.runtime.workflows,
        as_of=utcnow(),
        tz=backend.settings.tz,
    )
    assert value(backend, "o2c_scheduler_job_runs_total", job="observed") == runs + 1
    assert value(backend, "o2c_scheduler_job_items_raised_total", job="observed") == raised + 2
    assert value(backend, "o2c_scheduler_job_problems_total", job="observed") == problems + 1
    assert value(backend, "o2c_scheduler_job_duration_seconds_count", job="observed") >= 1

    text = httpx.get(f"{backend.url}/metrics", timeout=30).text
    found = samples(text)
    kinds = {dict(labels)["kind"] for name, labels in found if name == "o2c_open_items"}
    assert kinds == {"receipt_exception", "invoice_exception", "task", "statement"}
    with backend.db.read() as session:
        from service.scheduler.models import Task

        live = backend.runtime.workflows.tagged(Task, "live")
        counted = len(session.scalars(select(Task.id).where(Task.state.in_(live))).all())
    shown = sum(
        v for (name, labels), v in found.items() if ("kind", "task") in labels and "open" in name
    )
    assert shown == counted
    assert ("o2c_db_pool_connections_open", frozenset({("pool", "main")})) in found


def test_a_request_id_is_taken_when_sane_returned_and_written_into_the_journal(
    backend: Backend, flows: Flows
) -> None:
    sent = flows.sales.post(
        "/orders", json=flows.order_body(), headers={"X-Request-ID": "lb-7f3a.9:42"}
    )
    assert sent.status_code == 201, sent.text
    assert sent.headers["X-Request-ID"] == "lb-7f3a.9:42"
    with backend.db.read() as session:
        written = session.scalars(
            select(Event.request_id).where(
                Event.entity_type == "order", Event.entity_id == sent.json()["id"]
            )
        ).all()
    assert written == ["lb-7f3a.9:42"]
    for insane in ("x" * 65, "has space", 'quote"d', ""):
        made = httpx.get(f"{backend.url}/health", headers={"X-Request-ID": insane})
        assert len(made.headers["X-Request-ID"]) == 32 and made.headers["X-Request-ID"] != insane
    ids = {httpx.get(f"{backend.url}/health").headers["X-Request-ID"] for _ in range(3)}
    assert len(ids) == 3


def test_one_log_line_per_request_and_never_a_secret(
    backend: Backend,
    flows: Flows,
    person: object,
    caplog: pytest.LogCaptureFixture,
) -> None:
    token = backend.tokens["sales"]
    with caplog.at_level(logging.INFO, logger="o2c.http"):
        answer = flows.sales.get("/orders/999999", headers={"X-Request-ID": "find-me-1"})
        assert answer.status_code == 404
        who: Person = person("finance")  # type: ignore[operator]
        assert who.http.get("/web").status_code == 200
    lines = [r for r in caplog.records if r.name == "o2c.http"]
    mine = [r for r in lines if getattr(r, "o2c", {}).get("request_id") == "find-me-1"]
    assert len(mine) == 1
    assert mine[0].getMessage() == (
        f"GET /orders/{{order_id}} 404 {mine[0].o2c['duration_ms']:.1f}ms id=find-me-1"  # type: ignore[attr-defined]
    )
    assert {"POST", "GET"} <= {r.o2c["method"] for r in lines}  # type: ignore[attr-defined]
    shown = caplog.text + "".join(JsonFormatter().format(r) for r in lines)
    cookies = [value for value in who.http.cookies.values() if len(value) > 8]
    assert cookies, "the login left no session cookie to look for"
    for secret in (token, PASSWORD, "Bearer", *cookies):
        assert secret not in shown


def test_json_log_lines_carry_the_request_fields() -> None:
    record = logging.LogRecord("o2c.http", logging.INFO, __file__, 1, "GET %s", ("/x",), None)
    record.o2c = {"route": "/x", "status": 200, "request_id": "r-1"}
    line = json.loads(JsonFormatter().format(record))
    assert line["level"] == "info" and line["logger"] == "o2c.http"
    assert line["message"] == "GET /x"
    assert (line["route"], line["status"], line["request_id"]) == ("/x", 200, "r-1")


def test_metrics_answer_only_the_metrics_token_when_a_deployment_sets_one(tmp_path: Path) -> None:
    url = tmp_sqlite_url(tmp_path)
    migrate(url).dispose()
    token = "prometheus-scrapes-with-this-token"
    app = create_app(settings_for(url, metrics_token=token))

    async def ask() -> dict[str, httpx.Response]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://o2c") as client:
            return {
                "none": await client.get("/metrics"),
                "wrong": await client.get(
                    "/metrics", headers={"Authorization": "Bearer not-the-metrics-token"}
                ),
                "token": await client.get("/metrics", headers={"Authorization": f"Bearer {token}"}),
                "chinese": await client.get("/metrics", headers={"Accept-Language": "zh-CN"}),
                "health": await client.get("/health"),
                "ready": await client.get("/ready"),
            }

    answers = run_async(ask())
    assert answers["none"].status_code == 401
    assert answers["none"].json()["code"] == "auth.token_missing"
    assert answers["none"].json()["errors"][0]["field"] == "Authorization"
    assert answers["chinese"].json()["detail"].startswith("请提供 API 令牌")
    assert answers["wrong"].status_code == 401
    assert answers["wrong"].json()["code"] == "auth.token_unknown"
    assert answers["token"].status_code == 200
    assert "o2c_http_requests_total" in answers["token"].text
    # The probes a load balancer asks stay without a token.
    assert (answers["health"].status_code, answers["ready"].status_code) == (200, 200)
    # Without a token set (the default), a scrape needs none: see the tests above.
    assert settings_for(url).metrics_token.get_secret_value() == ""


def test_a_failure_of_the_service_is_a_problem_naming_the_request_id_in_both_languages(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A bug (an unhandled error) still answers as a problem with a code, and both the answer and
    the log line with the traceback carry the request id a user reports."""
    url = tmp_sqlite_url(tmp_path)
    migrate(url).dispose()
    app = create_app(settings_for(url))

    async def broken() -> None:
        raise RuntimeError("a bug")

    app.add_api_route("/broken", broken)

    async def ask() -> tuple[httpx.Response, httpx.Response]:
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://o2c") as client:
            english = await client.get("/broken", headers={"X-Request-ID": "report-me-1"})
            chinese = await client.get("/broken", headers={"Accept-Language": "zh-CN"})
        return english, chinese

    with caplog.at_level("ERROR"):
        english, chinese = run_async(ask())
    assert english.status_code == 500
    assert english.headers["X-Request-ID"] == "report-me-1"
    assert english.headers["content-type"].startswith("application/problem+json")
    problem = english.json()
    assert problem["code"] == "server.error" and problem["request_id"] == "report-me-1"
    assert "report-me-1" in problem["detail"] and problem["title"] == "Server error"
    assert chinese.json()["title"] == "服务器错误"
    assert chinese.json()["request_id"] == chinese.headers["X-Request-ID"]
    failures = [r for r in caplog.records if "unhandled error" in r.getMessage()]
    assert "id=report-me-1" in failures[0].getMessage() and failures[0].exc_info is not None
