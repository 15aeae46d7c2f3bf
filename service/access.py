"""Who may call a route: the roles it names, or those the lifecycle YAML gives its triggers.

The same `Access` is checked on every request (inside its transaction, see `service.http`) and
written into the OpenAPI document (`x-roles`), so the document, the README table and the
service's answers cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter
from fastapi.routing import APIRoute

from service.auth.tokens import Actor
from service.errors import Forbidden
from service.workflow import Workflows


@dataclass(frozen=True)
class Access:
    """Who may call a route: the roles it names, or the roles the lifecycle YAML gives the
    triggers it fires (both, when both are given). No roles: any authenticated user."""

    roles: tuple[str, ...] = ()
    machine: str | None = None
    triggers: tuple[str, ...] = ()

    def roles_in(self, workflows: Workflows) -> tuple[str, ...]:
        if self.machine is None:
            return self.roles
        flow = workflows[self.machine]
        declared = frozenset().union(*(flow.roles_for(t) for t in self.triggers))
        return tuple(sorted(declared & set(self.roles) if self.roles else declared))


def access_of(dependency: Callable[..., Any]) -> Access | None:
    """The access a route's dependency carries (see `creating`, `changing`, `trigger`)."""
    access = getattr(dependency, "access", None)
    return access if isinstance(access, Access) else None


def guards_of(route: APIRoute) -> Iterator[tuple[Callable[..., Any], Access]]:
    """The route's guards (its dependencies that carry an `Access`), each with its access."""
    for dependency in route.dependant.dependencies:
        if dependency.call is not None and (access := access_of(dependency.call)) is not None:
            yield dependency.call, access


def guarded_operations(
    schema: dict[str, Any], routers: list[APIRouter]
) -> Iterator[tuple[dict[str, Any], Callable[..., Any], Access]]:
    """Each operation of the OpenAPI document whose route has a guard, with the guard and its
    access."""
    for router in routers:
        for route in router.routes:
            if not isinstance(route, APIRoute):
                continue
            for guard, access in guards_of(route):
                for method in route.methods or ():
                    yield schema["paths"][route.path_format][method.lower()], guard, access


def authorize(actor: Actor, roles: tuple[str, ...]) -> Actor:
    """Let only the given roles through (any authenticated user when `roles` is empty)."""
    if roles and not actor.roles.intersection(roles):
        raise Forbidden("auth.role_required", required_roles=list(roles), roles=sorted(actor.roles))
    return actor


def declare_access(schema: dict[str, Any], routers: list[APIRouter], workflows: Workflows) -> None:
    """Write into the OpenAPI document who may call each operation (`x-roles`, and a line of
    its description), from the same `Access` the requests are checked against."""
    for operation, _guard, access in guarded_operations(schema, routers):
        roles = list(access.roles_in(workflows))
        operation["x-roles"] = roles or ["any"]
        who = ", ".join(roles) if roles else "any authenticated user"
        operation["description"] = f"{operation.get('description', '')}\n\nRoles: {who}.".strip()
