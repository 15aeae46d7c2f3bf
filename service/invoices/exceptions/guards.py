"""Guards the invoice_exception lifecycle names (workflows/definitions/invoice_exception.yaml)."""

from __future__ import annotations

from typing import Any

from service.invoices.exceptions.models import InvoiceException
from workflows import GuardContext, Refusal


def resolve_params(decision: dict[str, Any]) -> dict[str, Any] | None:
    """The parameters of a decision's `resolve` action, or None when no rule decides."""
    for action in decision.get("actions", []):
        if action.get("name") == "resolve":
            params: dict[str, Any] = action.get("params", {})
            return params
    return None


def decided(ctx: GuardContext) -> Refusal | None:
    exc: InvoiceException = ctx.document
    if resolve_params(exc.decision) is None:
        return Refusal.of("invoice_exception.undecided", exception_id=exc.id)
    return None


def holds_confirming_role(ctx: GuardContext) -> Refusal | None:
    exc: InvoiceException = ctx.document
    role = str((resolve_params(exc.decision) or {}).get("confirm_by", "finance"))
    if role in ctx.actor.roles:
        return None
    return Refusal.of("invoice_exception.confirm_by_other_role", confirm_by=role)


def evidence_complete(ctx: GuardContext) -> Refusal | None:
    exc: InvoiceException = ctx.document
    required = [str(kind) for kind in (resolve_params(exc.decision) or {}).get("evidence", [])]
    attached = {ev.kind for ev in exc.evidence}
    missing = [kind for kind in required if kind not in attached]
    if missing:
        return Refusal.of("invoice_exception.evidence_missing", missing=missing)
    return None


EXCEPTION_GUARDS = {
    "decided": decided,
    "holds_confirming_role": holds_confirming_role,
    "evidence_complete": evidence_complete,
}
