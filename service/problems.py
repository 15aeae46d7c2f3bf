"""Every refusal becomes an RFC 9457 problem document, with a stable code, in the reader's language.

`type` is `/problems/<code>` (the service answers it with the code's words in both languages),
`code` the code itself, `detail` the words in the language `Accept-Language` prefers, `errors` each
field at fault with its own code, and the refusal's parameters as extension members. The problem
responses are declared in the OpenAPI document as `application/problem+json`.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse, Response
from fastapi.routing import APIRoute
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.exc import IntegrityError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from service import i18n
from service.errors import (
    Conflict,
    DomainError,
    FieldError,
    InvalidFields,
    NotFound,
    Unavailable,
    from_workflow,
)
from service.http import locale_of
from workflows import WorkflowError

log = logging.getLogger("o2c")
PROBLEM = "application/problem+json"


class ProblemField(BaseModel):
    field: str = Field(description="where: `lines[1].received_qty`, `If-Match`, `body`")
    code: str = Field(description="why, as a stable code")
    reason: str = Field(description="why, in words")


class Problem(BaseModel):
    """A refusal (RFC 9457). Further members carry the refusal's parameters."""

    model_config = ConfigDict(extra="allow")

    type: str = Field(description="`/problems/<code>`: the code's words in both languages")
    code: str = Field(description="stable, machine-readable: `receipt.quantity_exceeds_shipped`")
    title: str
    status: int
    detail: str = Field(description="what was refused and why, in the reader's language")
    errors: list[ProblemField] = Field(default_factory=list)


RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": Problem, "description": words}
    for status, words in (
        (401, "No token, or a token that is unknown, revoked or not valid here"),
        (403, "The caller's roles may not do this"),
        (404, "The document does not exist"),
        (409, "Refused in the document's current state, or changed meanwhile"),
        (422, "Invalid input: each field at fault with its reason"),
        (503, "The database is busy; retry shortly"),
    )
}


def render(error: DomainError, request: Request, headers: dict[str, str] | None = None) -> Response:
    """The refusal as a problem document; on the pages (`/web/...`), as a page."""
    as_page = getattr(request.app.state, "problem_page", None)
    if as_page is not None and request.url.path.startswith("/web"):
        page: Response = as_page(request, error)
        return page
    return JSONResponse(
        error.problem(locale_of(request)),
        status_code=error.status,
        media_type=PROBLEM,
        headers=headers,
    )


def field_name(loc: tuple[Any, ...]) -> str:
    """`("body", "lines", 1, "received_qty")` → `lines[1].received_qty`."""
    parts = list(loc[1:]) if loc and loc[0] in {"body", "query", "path", "header"} else list(loc)
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or str(loc[0] if loc else "body")


def input_error(error: Any) -> FieldError:
    """One Pydantic error as a field error with a code from the catalog."""
    kind = str(error.get("type", ""))
    loc = tuple(error.get("loc", ()))
    params = {k: v for k, v in (error.get("ctx") or {}).items() if not isinstance(v, Exception)}
    if kind == "json_invalid":
        return FieldError("body", "input.json_invalid", {})
    if "." in kind:  # our own validators raise PydanticCustomError with a catalog code
        return FieldError(field_name(loc), kind, params)
    code = f"input.{kind}"
    messages = i18n.installed()
    if messages is None or not messages.has(code):
        return FieldError(field_name(loc), "input.invalid", {"reason": error.get("msg", kind)})
    return FieldError(field_name(loc), code, params)


def install(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def domain(request: Request, exc: DomainError) -> Response:
        headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
        if exc.status == 503:
            headers = {"Retry-After": "1"}
        return render(exc, request, headers)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        return render(InvalidFields([input_error(e) for e in exc.errors()]), request)

    @app.exception_handler(StarletteHTTPException)
    async def http(request: Request, exc: StarletteHTTPException) -> Response:
        return _http_problem(request, exc)

    @app.exception_handler(WorkflowError)
    async def refused(request: Request, exc: WorkflowError) -> Response:
        return render(from_workflow(exc), request)

    @app.exception_handler(IntegrityError)
    async def integrity(request: Request, exc: IntegrityError) -> Response:
        log.warning("integrity conflict: %s", exc.orig)
        return render(Conflict("document.concurrent_conflict"), request)

    @app.exception_handler(OperationalError)
    async def busy(request: Request, exc: OperationalError) -> Response:
        if "locked" in str(exc.orig).lower():
            return render(Unavailable("database.busy"), request, {"Retry-After": "1"})
        raise exc

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(
                title=app.title,
                version=app.version,
                description=app.description,
                routes=app.routes,
            )
            _problem_media_type(schema)
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def _allowed(request: Request) -> list[str]:
    """The methods the service answers on the request's path (for a 405's Allow header)."""
    methods: set[str] = set()
    for router in getattr(request.app.state, "routers", []):
        for route in router.routes:
            if isinstance(route, APIRoute) and route.path_regex.match(request.url.path):
                methods |= route.methods or set()
    return sorted(methods)


def _http_problem(request: Request, exc: StarletteHTTPException) -> Response:
    """What the HTTP layer refuses before a route runs, as a problem like any other."""
    if exc.status_code == 405:
        allowed = _allowed(request)
        error = DomainError("http.method_not_allowed", method=request.method, allowed=allowed)
        error.status, error.title = 405, "problem.method_not_allowed"
        return render(error, request, {"Allow": ", ".join(allowed)})
    if exc.status_code == 404:
        return render(NotFound("http.not_found", path=request.url.path), request)
    if exc.status_code == 400:  # a body that cannot be read (not UTF-8, cut short)
        return render(InvalidFields([FieldError("body", "input.json_invalid", {})]), request)
    error = DomainError("http.refused", reason=str(exc.detail))
    error.status = exc.status_code
    return render(error, request, dict(exc.headers or {}))


def _problem_media_type(schema: dict[str, Any]) -> None:
    """Problem responses are `application/problem+json`, not `application/json`."""
    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            for status, response in operation.get("responses", {}).items():
                content = response.get("content", {})
                if str(status)[0] in "45" and "application/json" in content:
                    content[PROBLEM] = content.pop("application/json")
