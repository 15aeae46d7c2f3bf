"""What a load balancer and Prometheus ask: alive and ready with no token, and the metrics (with
the metrics token when the deployment sets one)."""

from __future__ import annotations

import hmac

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import JSONResponse
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from service import metrics, migrate
from service.errors import Unauthenticated
from service.http import Ctx
from service.runtime import Runtime
from service.schemas import Response as Answer

router = APIRouter(tags=["service"])
metrics_router = APIRouter(tags=["service"])


class HealthOut(Answer):
    status: str


class ReadyOut(Answer):
    status: str
    checks: dict[str, str]


class NotReadyOut(Answer):
    status: str
    reason: str


@router.get("/health", summary="Liveness: the process answers (no database, no token)")
async def health() -> HealthOut:
    return HealthOut(status="ok")


def _checks(ctx: Runtime) -> dict[str, str]:
    """What must hold before the process takes traffic; ValueError names what does not."""
    try:
        with ctx.db.lookup() as connection:
            current = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except SQLAlchemyError as exc:
        cause = str(getattr(exc, "orig", None) or exc).strip().splitlines()
        reason = cause[0] if cause else type(exc).__name__
        raise ValueError(f"database unreachable: {reason}") from None
    head = migrate.head()
    if current != head:
        raise ValueError(f"database at migration {current or 'none'}, this code needs {head}")
    if not ctx.workflows.flows:
        raise ValueError("no workflows loaded")
    rulesets = ctx.rules.book.rulesets
    if not rulesets:
        raise ValueError("no rule sets loaded")
    return {
        "database": "reachable",
        "schema": str(current),
        "workflows": f"{len(ctx.workflows.flows)} loaded",
        "rules": f"{len(rulesets)} loaded",
    }


@router.get(
    "/ready",
    summary="Readiness: database reachable, schema at head, workflows and rules loaded (503: why "
    "not; no token)",
    response_model=ReadyOut,
    responses={503: {"model": NotReadyOut, "description": "not ready, and why"}},
)
def ready(ctx: Ctx) -> ReadyOut | JSONResponse:
    try:
        return ReadyOut(status="ready", checks=_checks(ctx))
    except ValueError as exc:
        answer = NotReadyOut(status="unavailable", reason=str(exc))
        return JSONResponse(answer.model_dump(), status_code=503)


async def metrics_token(ctx: Ctx, request: Request) -> None:
    """With a metrics token set, only a scrape that presents it is answered. The header is read
    here, not declared as a security scheme: by default the operation takes no token, and the
    OpenAPI document says so (a deployment's token is its own)."""
    wanted = ctx.settings.metrics_token.get_secret_value()
    if not wanted:
        return
    scheme, _, sent = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not sent.strip():
        raise Unauthenticated("auth.token_missing", field="Authorization")
    if not hmac.compare_digest(sent.strip().encode(), wanted.encode()):
        raise Unauthenticated("auth.token_unknown", field="Authorization")


@metrics_router.get(
    "/metrics",
    summary="Metrics in Prometheus text format (counts and timings only; the metrics token when "
    "the deployment sets one)",
    response_class=Response,
    responses={200: {"content": {"text/plain": {"schema": {"type": "string"}}}}},
    dependencies=[Depends(metrics_token)],
)
def scrape(request: Request) -> Response:
    collectors = [request.app.state.open_items]
    return Response(metrics.scrape(collectors), media_type=metrics.CONTENT_TYPE)
