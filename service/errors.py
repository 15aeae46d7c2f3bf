"""Refusals: each carries a stable code, its parameters, the field at fault and an HTTP status.

The code (`receipt.quantity_exceeds_shipped`) is what programs, pages and tests compare; the words
come from the message catalogs (`service.i18n`) in the reader's language. A refused request has
changed nothing.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from service import i18n
from workflows import GuardRefused, RoleNotAllowed, TriggerNotAllowed, WorkflowError

# Members of the problem document itself; a refusal's parameters may not take these names.
RESERVED = frozenset({"type", "code", "title", "status", "detail", "errors", "instance"})


@dataclass(frozen=True)
class FieldError:
    """One field at fault: where (`lines[1].received_qty`), why (a code) and its parameters."""

    field: str
    code: str
    params: Mapping[str, Any] = dataclasses.field(default_factory=dict)

    def reason(self, locale: str = i18n.DEFAULT_LOCALE) -> str:
        return i18n.text(self.code, locale, self.params)

    def to_dict(self, locale: str = i18n.DEFAULT_LOCALE) -> dict[str, Any]:
        return {"field": self.field, "code": self.code, "reason": self.reason(locale)}


class DomainError(Exception):
    """A refused request: nothing was changed; the code, parameters and field say why and where."""

    status = 400
    title = "problem.bad_request"

    def __init__(
        self,
        code: str,
        *,
        field: str | None = None,
        errors: Sequence[FieldError] | None = None,
        **params: Any,
    ) -> None:
        clash = RESERVED.intersection(params)
        if clash:
            raise TypeError(f"refusal parameters may not be named {', '.join(sorted(clash))}")
        self.code = code
        self.params = params
        self.errors = list(errors or ([FieldError(field, code, params)] if field else []))
        super().__init__(code)

    @property
    def field(self) -> str | None:
        return self.errors[0].field if self.errors else None

    def message(self, locale: str = i18n.DEFAULT_LOCALE) -> str:
        return i18n.text(self.code, locale, self.params)

    @property
    def detail(self) -> str:
        """The refusal in English (command line, logs)."""
        return self.message()

    def __str__(self) -> str:
        return self.detail

    def problem(self, locale: str = i18n.DEFAULT_LOCALE) -> dict[str, Any]:
        """The RFC 9457 problem document, in `locale`."""
        body: dict[str, Any] = {
            "type": f"/problems/{self.code}",
            "code": self.code,
            "title": i18n.text(self.title, locale, {}),
            "status": self.status,
            "detail": self.message(locale),
        }
        if self.errors:
            body["errors"] = [e.to_dict(locale) for e in self.errors]
        body.update(i18n.plain(self.params))
        return body


class Invalid(DomainError):
    status = 422
    title = "problem.invalid"


class NotFound(DomainError):
    status = 404
    title = "problem.not_found"


class Conflict(DomainError):
    status = 409
    title = "problem.conflict"


class Unauthenticated(DomainError):
    status = 401
    title = "problem.unauthenticated"


class Forbidden(DomainError):
    status = 403
    title = "problem.forbidden"


class PayloadTooLarge(DomainError):
    status = 413
    title = "problem.payload_too_large"


class Unavailable(DomainError):
    status = 503
    title = "problem.unavailable"


class Failed(DomainError):
    """The service failed on a request (a bug): the answer names the request's id to report."""

    status = 500
    title = "problem.server_error"


class InvalidFields(Invalid):
    """Several fields at fault at once (request validation): the detail lists each one."""

    def __init__(self, errors: Sequence[FieldError]) -> None:
        super().__init__("input.invalid_fields", errors=errors)

    def message(self, locale: str = i18n.DEFAULT_LOCALE) -> str:
        return "; ".join(f"{e.field}: {e.reason(locale)}" for e in self.errors)


def from_workflow(exc: WorkflowError) -> DomainError:
    """A lifecycle refusal as the API states it: the state and the triggers allowed from it,
    the roles a trigger needs, or the guard's own refusal."""
    if isinstance(exc, TriggerNotAllowed):
        return Conflict(
            exc.code,
            machine=exc.machine,
            state=exc.state,
            trigger=exc.trigger,
            allowed_triggers=exc.allowed,
        )
    if isinstance(exc, RoleNotAllowed):
        return Forbidden(
            exc.code, machine=exc.machine, trigger=exc.trigger, required_roles=exc.required
        )
    if isinstance(exc, GuardRefused):
        return Conflict(exc.code, trigger=exc.trigger, guard=exc.guard, **exc.refusal.params)
    return Conflict("workflow.refused")
