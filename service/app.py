"""The FastAPI application: routers, problem details, and what the process holds while it runs."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI, HTTPException
from sqlalchemy import select

from service import problems
from service.attachments.routes import router as attachments_router
from service.auth.models import User
from service.carriers.routes import router as carriers_router
from service.db import Database
from service.discrepancies.routes import router as discrepancies_router
from service.http import AppContext, Ctx, CurrentActor
from service.invoices.routes import router as invoices_router
from service.masterdata.routes import router as masterdata_router
from service.migrate import assert_current
from service.orders.routes import router as orders_router
from service.receipts.routes import router as receipts_router
from service.rulesets import RuleRegistry
from service.rulesets.routes import router as rules_router
from service.scheduler.process import SchedulerProcess
from service.settings import Settings
from service.shipments.routes import router as shipments_router
from service.tasks.routes import router as tasks_router
from service.workflow import Workflows

meta = APIRouter(tags=["service"])


@meta.get("/health", summary="Liveness and database check (no token needed)")
def health(ctx: Ctx) -> dict[str, str]:
    with ctx.db.read() as session:
        session.execute(select(1))
    return {"status": "ok"}


@meta.get("/me", summary="Who the token belongs to")
def me(ctx: Ctx, actor: CurrentActor) -> dict[str, object]:
    with ctx.db.read() as session:
        user = session.get(User, actor.user_id)
        name = user.display_name if user else ""
    return {"username": actor.username, "display_name": name, "roles": sorted(actor.roles)}


@meta.get("/workflows/{machine}", summary="A lifecycle as declared: states, transitions, diagram")
def workflow(machine: str, ctx: Ctx, _actor: CurrentActor) -> dict[str, object]:
    if machine not in ctx.workflows.flows:
        raise HTTPException(404, f"no workflow {machine!r}")
    flow = ctx.workflows[machine]
    return {
        "machine": flow.name,
        "description": flow.description,
        "initial": flow.initial,
        "states": list(flow.states),
        "transitions": [
            {
                "trigger": t.trigger,
                "source": list(t.sources),
                "dest": t.dest,
                "roles": sorted(t.roles),
                "guards": list(t.guards),
                "description": t.description,
                "internal": t.internal,
            }
            for t in flow.transitions
        ],
        "mermaid": flow.mermaid(),
    }


def create_app(settings: Settings, *, db: Database | None = None) -> FastAPI:
    """Build the app; the database must already be migrated to the newest revision."""
    database = db or Database(settings.database_url)
    assert_current(database)
    ctx = AppContext(
        settings=settings,
        db=database,
        workflows=Workflows(settings.workflows_dir),
        rules=RuleRegistry.from_settings(settings),
    )

    scheduler = SchedulerProcess(settings, database) if settings.scheduler_enabled else None

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
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
        description="Orders, shipments and signed receipts for key-account retail customers. "
        "Every request needs `Authorization: Bearer <token>`; every create honours "
        "`Idempotency-Key`; errors are problem details naming the field and the reason.",
        lifespan=lifespan,
    )
    app.state.ctx = ctx
    app.state.scheduler = scheduler
    problems.install(app)
    # Routes are matched in order, one by one: the busiest call (logistics posting signed
    # receipts) comes first. No two routers declare the same method and path.
    for router in (
        receipts_router,
        meta,
        masterdata_router,
        orders_router,
        shipments_router,
        attachments_router,
        tasks_router,
        carriers_router,
        invoices_router,
        rules_router,
        discrepancies_router,
    ):
        app.include_router(router)
    return app
