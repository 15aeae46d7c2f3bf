"""Guards the invoice_exception lifecycle names (workflows/definitions/invoice_exception.yaml)."""

from __future__ import annotations

from dataclasses import dataclass

from service.auth.tokens import Actor
from service.discrepancies.models import InvoiceException


@dataclass(frozen=True)
class ExceptionContext:
    exception: InvoiceException
    actor: Actor


def _resolve_params(exc: InvoiceException) -> dict[str, object] | None:
    for action in exc.decision.get("actions", []):
        if action.get("name") == "resolve":
            params: dict[str, object] = action.get("params", {})
            return params
    return None


def decided(ctx: ExceptionContext) -> str | None:
    if _resolve_params(ctx.exception) is None:
        return (
            f"no rule decides exception {ctx.exception.id}; a person must override it with a "
            "written reason"
        )
    return None


def holds_confirming_role(ctx: ExceptionContext) -> str | None:
    params = _resolve_params(ctx.exception) or {}
    role = str(params.get("confirm_by", "finance"))
    if role in ctx.actor.roles:
        return None
    return f"the decided resolution must be confirmed by {role}"


def evidence_complete(ctx: ExceptionContext) -> str | None:
    params = _resolve_params(ctx.exception) or {}
    required = [str(kind) for kind in params.get("evidence", [])]  # type: ignore[attr-defined]
    attached = {ev.kind for ev in ctx.exception.evidence}
    missing = [kind for kind in required if kind not in attached]
    if missing:
        return f"attach the required evidence first: {', '.join(missing)}"
    return None


EXCEPTION_GUARDS = {
    "decided": decided,
    "holds_confirming_role": holds_confirming_role,
    "evidence_complete": evidence_complete,
}
