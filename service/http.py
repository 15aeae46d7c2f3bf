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


def current_actor(
    ctx: Ctx,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Actor:
    if credentials is None:
        raise Unauthenticated(
            "send an API token: Authorization: Bearer <token>", field="Authorization"
        )
    with ctx.db.lookup() as connection:
        actor = tokens.resolve(connection, credentials.credentials, demo_mode=ctx.settings.demo)
    if actor is None:
        raise Unauthenticated(
            "the API token is unknown, revoked or not valid here", field="Authorization"
        )
    return actor


CurrentActor = Annotated[Actor, Depends(current_actor)]


def require(*roles: str) -> Callable[[Actor], Awaitable[Actor]]:
    """A dependency that lets only the given roles through."""

    async def check(actor: CurrentActor) -> Actor:
        if not actor.roles.intersection(roles):
            raise Forbidden(
                f"this needs one of the roles: {', '.join(roles)}; you have: "
                f"{', '.join(sorted(actor.roles))}",
                required_roles=list(roles),
            )
        return actor

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


def respond(
    ctx: AppContext,
    request: Request,
    *,
    actor: Actor,
    key: str | None,
    body: Any,
    work: Callable[[Session], Any],
    status_code: int = 201,
) -> JSONResponse:
    """Run a state-changing request once per Idempotency-Key and return its JSON result."""
    outcome = idempotency.run(
        ctx.db,
        user_id=actor.user_id,
        key=key,
        method=request.method,
        path=request.url.path,
        body=body,
        work=work,
        status_code=status_code,
    )
    headers = {"Idempotent-Replayed": "true"} if outcome.replayed else {}
    return JSONResponse(outcome.body, status_code=outcome.status_code, headers=headers)


@dataclass
class Call:
    """One state-changing request: who makes it, on which app, with which Idempotency-Key and
    which If-Match version. `respond` runs the work once per key and answers with its JSON."""

    ctx: AppContext
    request: Request
    actor: Actor
    key: str | None
    version: int | None

    def respond(
        self, work: Callable[[Session], Any], *, body: Any = None, status_code: int = 200
    ) -> JSONResponse:
        return respond(
            self.ctx,
            self.request,
            actor=self.actor,
            key=self.key,
            body=body if body is not None else {},
            work=work,
            status_code=status_code,
        )


async def _call(
    request: Request,
    ctx: Ctx,
    actor: CurrentActor,
    key: IdempotencyKey = None,
    if_match: IfMatch = None,
) -> Call:
    return Call(ctx, request, actor, key, expected_version(if_match))


async def _create_call(
    request: Request, ctx: Ctx, actor: CurrentActor, key: IdempotencyKey = None
) -> Call:
    return Call(ctx, request, actor, key, None)


# A trigger on an existing document (Idempotency-Key and If-Match), or a create (the key only).
Change = Annotated[Call, Depends(_call)]
Create = Annotated[Call, Depends(_create_call)]
