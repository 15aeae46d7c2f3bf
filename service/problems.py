"""Every refusal becomes an RFC 9457 problem document naming the field and the reason."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm.exc import StaleDataError

from service.errors import Conflict, DomainError, Forbidden
from workflows import GuardRefused, RoleNotAllowed, TriggerNotAllowed

log = logging.getLogger("o2c")
PROBLEM = "application/problem+json"


def _render(error: DomainError, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(
        error.problem(), status_code=error.status, media_type=PROBLEM, headers=headers
    )


def _field(loc: tuple[Any, ...]) -> str:
    parts = list(loc[1:]) if loc and loc[0] in {"body", "query", "path", "header"} else list(loc)
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or str(loc[0] if loc else "body")


def install(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def domain(_: Request, exc: DomainError) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
        return _render(exc, headers)

    @app.exception_handler(RequestValidationError)
    async def invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [{"field": _field(tuple(e["loc"])), "reason": e["msg"]} for e in exc.errors()]
        detail = "; ".join(f"{e['field']}: {e['reason']}" for e in errors)
        body = {
            "type": "about:blank",
            "title": "Invalid input",
            "status": 422,
            "detail": detail,
            "errors": errors,
        }
        return JSONResponse(body, status_code=422, media_type=PROBLEM)

    @app.exception_handler(TriggerNotAllowed)
    async def not_allowed(_: Request, exc: TriggerNotAllowed) -> JSONResponse:
        return _render(
            Conflict(str(exc), state=exc.state, trigger=exc.trigger, allowed_triggers=exc.allowed)
        )

    @app.exception_handler(RoleNotAllowed)
    async def role(_: Request, exc: RoleNotAllowed) -> JSONResponse:
        return _render(Forbidden(str(exc), trigger=exc.trigger, required_roles=exc.required))

    @app.exception_handler(GuardRefused)
    async def guard(_: Request, exc: GuardRefused) -> JSONResponse:
        return _render(Conflict(str(exc), trigger=exc.trigger, guard=exc.guard))

    @app.exception_handler(StaleDataError)
    async def stale(_: Request, exc: StaleDataError) -> JSONResponse:
        return _render(
            Conflict("the document was changed by a concurrent request; reload it and try again")
        )

    @app.exception_handler(IntegrityError)
    async def integrity(_: Request, exc: IntegrityError) -> JSONResponse:
        log.warning("integrity conflict: %s", exc.orig)
        return _render(
            Conflict("the change conflicts with a concurrent change; reload and try again")
        )

    @app.exception_handler(OperationalError)
    async def busy(_: Request, exc: OperationalError) -> JSONResponse:
        if "locked" in str(exc.orig).lower():
            error = DomainError("the database is busy; retry shortly")
            error.status, error.title = 503, "Service unavailable"
            return _render(error, {"Retry-After": "1"})
        raise exc
