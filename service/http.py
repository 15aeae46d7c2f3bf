"""Shared HTTP plumbing: the app context, authentication, roles, idempotent writes, reads.

A route is a few lines: it declares its path, body and answer model, and hands a use case or a
query to `Call.run` (writes) or `Read.run` (reads). Both run in one thread-pool hop, resolve the
token and check roles on the same connection as the work, and build the use case's `Context`.

The route's guard (the `Call` or `Read` dependency) is its only dependency: FastAPI spends tens of
microseconds per level of dependencies solved per request, so the guard reads the token and the
headers and refuses NUL characters itself (in the order FastAPI checked them when each was a
dependency or parameter of its own), and `declare_guards` puts them into the OpenAPI document.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar, cast

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.params import Depends as Dependency
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, StringConstraints, TypeAdapter, ValidationError
from sqlalchemy import Connection
from sqlalchemy.orm import Session

from service import i18n, idempotency
from service.access import Access, authorize, guarded_operations, guards_of
from service.auth import tokens
from service.auth.tokens import Actor
from service.errors import Invalid, Unauthenticated
from service.journal import jsonable
from service.runtime import Runtime
from service.schemas import MAX_ID

Answer = TypeVar("Answer")


# Dependencies that do no I/O are `async def`: FastAPI runs sync ones in its thread pool, a
# thread hop per dependency per request.
async def get_ctx(request: Request) -> Runtime:
    ctx: Runtime = request.app.state.ctx
    return ctx


Ctx = Annotated[Runtime, Depends(get_ctx)]

# Called by the guards, not a dependency; its scheme is declared by `declare_guards`.
_bearer = HTTPBearer(auto_error=False, description="API token: `Authorization: Bearer <token>`")


def presented(credentials: HTTPAuthorizationCredentials | None) -> str:
    if credentials is None:
        raise Unauthenticated("auth.token_missing", field="Authorization")
    return credentials.credentials


def authenticate(connection: Connection, ctx: Runtime, token: str) -> Actor:
    actor = tokens.resolve(connection, token, demo_mode=ctx.settings.demo)
    if actor is None:
        raise Unauthenticated("auth.token_unknown", field="Authorization")
    return actor


async def plain_text(request: Request) -> None:
    """Query parameters and path segments carry no NUL character: PostgreSQL refuses it in text,
    SQLite would store it, so it is refused here, the same on both. The guards call it first;
    routes without one have it as a dependency (`nul_check_for`)."""
    for name, value in request.query_params.multi_items():
        if "\x00" in name or "\x00" in value:
            raise Invalid("input.nul_character", field=name.replace("\x00", "") or "query")
    for name, value in request.path_params.items():
        if isinstance(value, str) and "\x00" in value:
            raise Invalid("input.nul_character", field=name)


def locale_of(request: Request) -> str:
    return i18n.negotiate(request.headers.get("accept-language"))


class RequestHeader:
    """An optional request header a guard reads itself, validated by the same Pydantic
    constraints FastAPI applied to it as a `Header()` parameter (so a refusal names the same
    error type, field and parameters) and documented as FastAPI documented it."""

    def __init__(self, name: str, description: str, constraints: StringConstraints) -> None:
        self.name = name
        self.description = description
        self._adapter: TypeAdapter[str] = TypeAdapter(Annotated[str, constraints])

    def read(self, request: Request, errors: list[Any]) -> str | None:
        """The header's value, or None when it is absent or invalid (its errors in `errors`)."""
        value = request.headers.get(self.name)
        if value is None:
            return None
        try:
            return self._adapter.validate_python(value)
        except ValidationError as invalid:
            loc = ("header", self.name)
            errors.extend({**e, "loc": loc} for e in invalid.errors(include_url=False))
            return None

    def parameter(self) -> dict[str, Any]:
        """The OpenAPI parameter, as FastAPI writes an optional `Header()`."""
        schema = {"anyOf": [self._adapter.json_schema(), {"type": "null"}]}
        return {
            "name": self.name,
            "in": "header",
            "required": False,
            "schema": {**schema, "description": self.description, "title": self.name},
            "description": self.description,
        }


IDEMPOTENCY_KEY = RequestHeader(
    "Idempotency-Key",
    "a unique key per intended action (printable ASCII); a retry with the same key returns the "
    "first result and changes nothing",
    StringConstraints(
        min_length=1, max_length=idempotency.MAX_KEY_LENGTH, pattern=r"^[\x20-\x7e]+$"
    ),
)

_IF_MATCH = re.compile(r'^(?:W/)?"?(\d{1,18})"?$')

IF_MATCH = RequestHeader(
    "If-Match",
    "the version you last saw (ETag); refused if stale",
    StringConstraints(pattern=_IF_MATCH.pattern),
)


async def _admit(
    request: Request, headers: tuple[RequestHeader, ...]
) -> tuple[str, Mapping[str, str | None]]:
    """The token and the `headers` of a request, checked in the order FastAPI checked them when
    each was a dependency or parameter of its own: NUL characters first, then the headers (all
    their errors in one validation error, even without a token), then that there is a token."""
    await plain_text(request)
    errors: list[Any] = []
    values = {header.name: header.read(request, errors) for header in headers}
    if errors:
        raise RequestValidationError(errors)
    return presented(await _bearer(request)), values


def expected_version(if_match: str | None) -> int | None:
    if if_match is None:
        return None
    found = _IF_MATCH.match(if_match.strip())
    if found is None:
        raise Invalid("input.if_match", field="If-Match")
    return int(found.group(1))


def _dump(answer: Any) -> Any:
    """The answer as stored for replays: JSON-safe."""
    if isinstance(answer, BaseModel):
        return answer.model_dump(mode="json")
    if isinstance(answer, list):
        return [_dump(a) for a in answer]
    return jsonable(answer)


@dataclass
class Call:
    """One state-changing request: its token, the roles it needs, its Idempotency-Key, its
    If-Match version and the status of a fresh answer.

    The token is resolved and the roles are checked inside the write transaction that does the
    work: one connection and one snapshot for both, so a token revoked before the work starts
    is refused, and a request costs no separate look-up. A request without any token is refused
    before its body is read; one with an unknown token and an invalid body gets the validation
    error. On SQLite a write with an unknown token waits its turn for the write lock like any
    other before it is refused.
    """

    ctx: Runtime
    request: Request
    token: str
    access: Access
    key: str | None
    version: int | None
    status_code: int = 200

    def _work(
        self, usecase: Callable[..., Any], data: BaseModel | None, kwargs: dict[str, Any]
    ) -> tuple[idempotency.Outcome, list[Any]]:
        actors: list[Actor] = []
        answers: list[Any] = []

        def caller(session: Session) -> int:
            roles = self.access.roles_in(self.ctx.workflows)
            actor = authorize(authenticate(session.connection(), self.ctx, self.token), roles)
            actors.append(actor)
            return actor.user_id

        def work(session: Session) -> Any:
            context = self.ctx.for_actor(actors[0], self.version)
            arguments = kwargs if data is None else {**kwargs, "data": data}
            answers.append(usecase(session, context, **arguments))
            return _dump(answers[-1])

        outcome = idempotency.run(
            self.ctx.db,
            caller=caller,
            key=self.key,
            method=self.request.method,
            path=self.request.url.path,
            body=data.model_dump(mode="json") if data is not None else {},
            work=work,
            status_code=self.status_code,
        )
        return outcome, answers

    async def run(
        self, usecase: Callable[..., Answer], /, *, data: BaseModel | None = None, **kwargs: Any
    ) -> Answer:
        """Run `usecase(session, context, data=..., **kwargs)` once per Idempotency-Key.

        A fresh answer is checked against the route's declared model; a replay is the stored
        answer as it was first given (it was checked then), with `Idempotent-Replayed: true`.
        """
        async with self.ctx.db.write_gate():
            outcome, answers = await run_in_threadpool(self._work, usecase, data, kwargs)
        if outcome.replayed:
            replay = JSONResponse(
                outcome.body,
                status_code=outcome.status_code,
                headers={"Idempotent-Replayed": "true"},
            )
            return cast(Answer, replay)  # FastAPI sends a Response as it is
        answer: Answer = answers[-1]
        if type(answer) is getattr(self.request.scope.get("route"), "response_model", None):
            # Exactly the declared model, validated when the use case built it (answers are
            # never made with `model_construct`): it goes out as dumped for the Idempotency-Key's
            # record, the very body a replay sends, instead of FastAPI dumping, validating and
            # serialising it once more. Any other answer goes through the declared model.
            return cast(Answer, JSONResponse(outcome.body, status_code=outcome.status_code))
        return answer


def _calling(access: Access, status_code: int, *, versioned: bool) -> Callable[..., Any]:
    headers = (IDEMPOTENCY_KEY, IF_MATCH) if versioned else (IDEMPOTENCY_KEY,)

    async def call(request: Request) -> Call:
        token, values = await _admit(request, headers)
        key, version = values[IDEMPOTENCY_KEY.name], expected_version(values.get(IF_MATCH.name))
        return Call(await get_ctx(request), request, token, access, key, version, status_code)

    call.access = access  # type: ignore[attr-defined]
    call.headers = headers  # type: ignore[attr-defined]
    return call


def changing(*roles: str, status_code: int = 200) -> Callable[..., Any]:
    """A change of an existing document (Idempotency-Key and If-Match), for `roles` (any
    authenticated user when none are given)."""
    return _calling(Access(roles), status_code, versioned=True)


def trigger(machine: str, *triggers: str, status_code: int = 200, versioned: bool = True) -> Any:
    """A route that fires `triggers` of `machine`: open to the roles its lifecycle YAML gives
    them, checked before any work (the lifecycle checks them again when it fires). A trigger that
    makes a document of its own (a shipment, a receipt) answers 201. Not `versioned`: the route
    fires on many documents at once, so it takes no If-Match (the body carries the versions)."""
    access = Access(machine=machine, triggers=triggers)
    return Depends(_calling(access, status_code, versioned=versioned))


def creating(*roles: str) -> Callable[..., Any]:
    """A create (the Idempotency-Key only, 201 Created), for `roles` (any authenticated user
    when none are given)."""
    return _calling(Access(roles), 201, versioned=False)


Change = Annotated[Call, Depends(changing())]
Create = Annotated[Call, Depends(creating())]


@dataclass
class Read:
    """One read: the token is resolved on the read session that then answers."""

    ctx: Runtime
    token: str
    access: Access
    response: Response

    def _actor(self) -> Actor:
        with self.ctx.db.lookup() as connection:
            return authorize(authenticate(connection, self.ctx, self.token), self.access.roles)

    async def actor(self) -> Actor:
        """Only who is calling (for answers that read no database)."""
        return await run_in_threadpool(self._actor)

    def _read(self, query: Callable[..., Any], kwargs: dict[str, Any]) -> Any:
        with self.ctx.db.read() as session:
            actor = authorize(
                authenticate(session.connection(), self.ctx, self.token), self.access.roles
            )
            return query(session, self.ctx.for_actor(actor), **kwargs)

    async def run(
        self, query: Callable[..., Answer], /, *, etag: bool = False, **kwargs: Any
    ) -> Answer:
        """Answer with `query(session, context, **kwargs)`; with `etag`, its version is the
        ETag header (send it back as If-Match)."""
        answer: Answer = await run_in_threadpool(self._read, query, kwargs)
        if etag:
            self.response.headers["ETag"] = f'"{getattr(answer, "version")}"'  # noqa: B009
        return answer


def reading(*roles: str) -> Callable[..., Any]:
    """A read for `roles` (any authenticated user when none are given)."""

    async def read(request: Request, response: Response) -> Read:
        token, _ = await _admit(request, ())
        return Read(await get_ctx(request), token, Access(roles), response)

    read.access = Access(roles)  # type: ignore[attr-defined]
    return read


Reader = Annotated[Read, Depends(reading())]


# Paging of every list: bounded where it enters, the same on both databases.
Limit = Annotated[int, Query(ge=1, le=500, description="at most this many")]
Offset = Annotated[int, Query(ge=0, le=1_000_000_000, description="skip this many first")]
# Ids in paths and filters: they fit the integer columns on both databases.
PathId = Annotated[int, Path(ge=1, le=MAX_ID, description="the document's id")]
QueryId = Annotated[int | None, Query(ge=1, le=MAX_ID)]


def nul_check_for(router: APIRouter) -> list[Dependency]:
    """`plain_text` as a dependency of the router's routes, unless each of them has a guard
    (which calls it itself: one level of dependencies less per request)."""
    routes = router.routes
    if all(isinstance(route, APIRoute) and any(guards_of(route)) for route in routes):
        return []
    return [Depends(plain_text)]


def declare_guards(schema: dict[str, Any], routers: list[APIRouter]) -> None:
    """Write into the OpenAPI document what the guards read themselves, as FastAPI wrote it when
    they were dependencies: the bearer token scheme and the headers of each operation."""
    schemes = schema.setdefault("components", {}).setdefault("securitySchemes", {})
    schemes[_bearer.scheme_name] = _bearer.model.model_dump(
        mode="json", by_alias=True, exclude_none=True
    )
    for operation, guard, _access in guarded_operations(schema, routers):
        operation["security"] = [{_bearer.scheme_name: []}]
        headers: tuple[RequestHeader, ...] = getattr(guard, "headers", ())  # reads have none
        if headers:
            operation.setdefault("parameters", []).extend(h.parameter() for h in headers)
