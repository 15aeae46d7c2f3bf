"""Shared HTTP plumbing: the app context, authentication, roles, idempotent responses."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Annotated, Any

from fastapi import Depends, Header, Request
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import Connection
from sqlalchemy.orm import Session

from service import idempotency
from service.auth import tokens
from service.auth.tokens import Actor
from service.clock import business_date
from service.db import Database
from service.errors import Forbidden, Invalid, Unauthenticated
from service.rulesets.registry import RuleRegistry
from service.settings import Settings
from service.workflow import Workflows


@dataclass
class AppContext:
    """What every request may use: settings, database, workflow machines, rule sets in force."""

    settings: Settings
    db: Database
    workflows: Workflows
    # The app passes the registry built from settings.rules_dir; the default is the packaged sets.
    rules: RuleRegistry = field(default_factory=RuleRegistry)

    def today(self) -> date:
        return business_date(self.settings.tz)


# Dependencies that do no I/O are `async def`: FastAPI runs sync ones in its thread pool, a
# thread hop per dependency per request.
async def get_ctx(request: Request) -> AppContext:
    ctx: AppContext = request.app.state.ctx
    return ctx


Ctx = Annotated[AppContext, Depends(get_ctx)]

_bearer = HTTPBearer(auto_error=False, description="API token: `Authorization: Bearer <token>`")
Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]


def _presented(credentials: HTTPAuthorizationCredentials | None) -> str:
    if credentials is None:
        raise Unauthenticated(
            "send an API token: Authorization: Bearer <token>", field="Authorization"
        )
    return credentials.credentials


def authenticate(connection: Connection, ctx: AppContext, token: str) -> Actor:
    actor = tokens.resolve(connection, token, demo_mode=ctx.settings.demo)
    if actor is None:
        raise Unauthenticated(
            "the API token is unknown, revoked or not valid here", field="Authorization"
        )
    return actor


def authorize(actor: Actor, roles: tuple[str, ...]) -> Actor:
    """Let only the given roles through (any authenticated user when `roles` is empty)."""
    if roles and not actor.roles.intersection(roles):
        raise Forbidden(
            f"this needs one of the roles: {', '.join(roles)}; you have: "
            f"{', '.join(sorted(actor.roles))}",
            required_roles=list(roles),
        )
    return actor


def current_actor(ctx: Ctx, credentials: Credentials) -> Actor:
    """The caller of a read: its token is looked up on a connection of its own."""
    token = _presented(credentials)
    with ctx.db.lookup() as connection:
        return authenticate(connection, ctx, token)


CurrentActor = Annotated[Actor, Depends(current_actor)]


def require(*roles: str) -> Callable[[Actor], Awaitable[Actor]]:
    """A dependency that lets only the given roles through."""

    async def check(actor: CurrentActor) -> Actor:
        return authorize(actor, roles)

    return check


IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        description="a unique key per intended action; a retry with the same key returns the "
        "first result and changes nothing",
    ),
]

_IF_MATCH = re.compile(r'^(?:W/)?"?(\d+)"?$')

IfMatch = Annotated[
    str | None,
    Header(alias="If-Match", description="the version you last saw (ETag); refused if stale"),
]


def expected_version(if_match: str | None) -> int | None:
    if if_match is None:
        return None
    found = _IF_MATCH.match(if_match.strip())
    if found is None:
        raise Invalid(
            'must be the order version, as in the ETag header (e.g. "3")', field="If-Match"
        )
    return int(found.group(1))


@dataclass
class Call:
    """One state-changing request: its token, the roles it needs, its Idempotency-Key and its
    If-Match version.

    The token is resolved and the roles are checked inside the write transaction that does the
    work: one connection and one snapshot for both, so a token revoked before the work starts
    is refused, and a request costs no separate look-up. `actor` is known from then on, which
    is when `work` runs. A request without any token is refused before its body is read; one
    with an unknown token and an invalid body gets the validation error. On SQLite a write with
    an unknown token waits its turn for the write lock like any other before it is refused.
    """

    ctx: AppContext
    request: Request
    token: str
    roles: tuple[str, ...]
    key: str | None
    version: int | None
    _actor: Actor | None = field(default=None, init=False, repr=False)

    @property
    def actor(self) -> Actor:
        if self._actor is None:
            raise RuntimeError("the caller is known once respond() has authenticated it")
        return self._actor

    def _caller(self, session: Session) -> int:
        actor = authenticate(session.connection(), self.ctx, self.token)
        self._actor = authorize(actor, self.roles)
        return actor.user_id

    def respond(
        self, work: Callable[[Session], Any], *, body: Any = None, status_code: int = 200
    ) -> JSONResponse:
        """Run `work` once per Idempotency-Key and answer with its JSON result."""
        outcome = idempotency.run(
            self.ctx.db,
            caller=self._caller,
            key=self.key,
            method=self.request.method,
            path=self.request.url.path,
            body=body if body is not None else {},
            work=work,
            status_code=status_code,
        )
        headers = {"Idempotent-Replayed": "true"} if outcome.replayed else {}
        return JSONResponse(outcome.body, status_code=outcome.status_code, headers=headers)


def changing(*roles: str) -> Callable[..., Awaitable[Call]]:
    """A trigger on an existing document (Idempotency-Key and If-Match), for `roles` (any
    authenticated user when none are given; triggers also check their own roles)."""

    async def call(
        request: Request,
        credentials: Credentials,
        key: IdempotencyKey = None,
        if_match: IfMatch = None,
    ) -> Call:
        token = _presented(credentials)
        return Call(await get_ctx(request), request, token, roles, key, expected_version(if_match))

    return call


def creating(*roles: str) -> Callable[..., Awaitable[Call]]:
    """A create (the Idempotency-Key only), for `roles` (any authenticated user when none)."""

    async def call(request: Request, credentials: Credentials, key: IdempotencyKey = None) -> Call:
        token = _presented(credentials)
        return Call(await get_ctx(request), request, token, roles, key, None)

    return call


Change = Annotated[Call, Depends(changing())]
Create = Annotated[Call, Depends(creating())]
