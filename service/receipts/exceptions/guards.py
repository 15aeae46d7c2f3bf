"""Guards the receipt_exception lifecycle names (workflows/definitions/receipt_exception.yaml)."""

from __future__ import annotations

from service.receipts.models import ReceiptException
from workflows import GuardContext, Refusal


def _kind(ctx: GuardContext, wanted: str) -> Refusal | None:
    exc: ReceiptException = ctx.document
    if exc.kind == wanted:
        return None
    return Refusal.of("receipt_exception.path_not_for_kind", kind=exc.kind, wanted=wanted)


def is_shortage(ctx: GuardContext) -> Refusal | None:
    """Re-delivery and a carrier claim are for goods that did not arrive."""
    return _kind(ctx, "shortage")


def is_substitution(ctx: GuardContext) -> Refusal | None:
    """A return is for another model that arrived."""
    return _kind(ctx, "substitution")


GUARDS = {"is_shortage": is_shortage, "is_substitution": is_substitution}
