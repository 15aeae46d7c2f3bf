"""The FastAPI application: the features' routers, problem details, and what the process holds."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from service import bootstrap, meta, metrics, probes, problems
from service.access import declare_access
from service.db import Database
from service.heap import settle_heap
from service.http import declare_guards, nul_check_for
from service.migrate import assert_current
from service.observe import RequestObserver
from service.rulesets.routes import router as rules_router
from service.runtime import Runtime
from service.scheduler.process import SchedulerProcess
from service.settings import Settings, load_settings
from service.web import routes as web
from service.web.pages import LoginRequired

STATIC = Path(__file__).resolve().parent / "web" / "static"


def server_database(settings: Settings) -> Database:
    """The database of a server process: its pool holds `database_pool_size` connections."""
    return Database(settings.database_url, pool_size=settings.database_pool_size)


def served() -> FastAPI:
    """The app of one worker process of `o2c serve --workers N` (uvicorn's factory), from the
    settings the command checked and passed on in the environment."""
    return create_app(load_settings())


def create_app(
    settings: Settings, *, db: Database | None = None, runtime: Runtime | None = None
) -> FastAPI:
    """Build the app; the database must already be migrated to the newest revision."""
    database = db or server_database(settings)
    assert_current(database)
    ctx = runtime or bootstrap.runtime(settings, database)
    bootstrap.calendar(ctx)
    scheduler = (
        SchedulerProcess(settings, database, jobs=bootstrap.jobs(), workflows=ctx.workflows)
        if settings.scheduler_enabled
        else None
    )

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        settle_heap()
        if scheduler is not None:
            scheduler.start()
        yield
        if scheduler is not None:
            scheduler.stop()
        if db is None:
            database.dispose()

    app = FastAPI(
        title="Order-to-cash workflow service",
        version="0.1.0",
        description="Orders, shipments, signed receipts, invoices and their exceptions for "
        "key-account retail customers. Every request needs `Authorization: Bearer <token>`; every "
        "create and trigger honours `Idempotency-Key`; refusals are problem details with a stable "
        "`code`, the field at fault and the reason, in the language `Accept-Language` asks for "
        "(English or Chinese).",
        lifespan=lifespan,
    )
    app.state.ctx = ctx
    app.state.scheduler = scheduler
    app.state.open_items = metrics.OpenItems(database, ctx.workflows, bootstrap.open_counts())
    metrics.watch_database(database)
    app.add_middleware(RequestObserver)
    problems.install(app)
    # Routes are matched in order, one by one: the busiest (receipts) come first.
    probe_routers = [probes.router, *([probes.metrics_router] if settings.metrics_enabled else [])]
    routers = [*bootstrap.routers(), meta.router, *probe_routers, rules_router]
    for router in routers:
        app.include_router(router, responses=problems.RESPONSES, dependencies=nul_check_for(router))
    for router in [web.router, *bootstrap.pages()]:
        app.include_router(router, dependencies=nul_check_for(router))
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.state.renderer = bootstrap.renderer(settings)
    app.state.panels = bootstrap.panels()
    app.state.problem_page = web.problem_page
    app.add_exception_handler(LoginRequired, web.login_redirect)  # type: ignore[arg-type]
    documented = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = documented()
            declare_guards(schema, routers)
            declare_access(schema, routers, ctx.workflows)
        return app.openapi_schema or documented()

    app.openapi = openapi  # type: ignore[method-assign]
    app.state.routers = routers
    return app
