"""Pages for receipt exceptions worked to their end (R8): the list (by default the open ones the
signed-in person's role owns: logistics' shortages, sales' substitutions and small shortages),
and one exception with the rules' proposal and explanation, how it ended, and the forms of the
steps the reader may take (in `actions.py`).

The same use cases and roles as the API routes (`service/receipts/exceptions/routes.py`).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse

from service.errors import DomainError
from service.http import PathId
from service.receipts.exceptions import sheets
from service.schemas import MAX_ID, AttachmentRef
from service.web.pages import Anyone, Page

router = APIRouter(prefix="/web/receipt-exceptions", include_in_schema=False)

# Words of the values an exception carries (literal codes, so the catalogs' check sees them).
WORDS: dict[str, dict[str, str]] = {
    "kind": {
        "shortage": "receipts.kind.shortage",
        "substitution": "receipts.kind.substitution",
    },
    "path": {
        "redeliver": "receipts.exception.path.redeliver",
        "claim": "receipts.exception.path.claim",
        "accept": "receipts.exception.path.accept",
        "return": "receipts.exception.path.return",
    },
    "owner": {
        "logistics": "receipts.exception.owner.logistics",
        "sales": "receipts.exception.owner.sales",
    },
    "status": {
        "open": "receipts.exception.status.open",
        "closed": "receipts.exception.status.closed",
        "all": "receipts.exception.status.all",
    },
    "warehouse": {
        "internal": "receipts.exception.warehouse.internal",
        "external": "receipts.exception.warehouse.external",
    },
}
# The steps that are for goods that did not arrive (the lifecycle's guard refuses them for a
# substitution; the page does not offer them).
SHORTAGE_ONLY = frozenset({"redeliver", "claim"})
# Who owns exceptions (the rules' owners); a person of one of them sees theirs by default.
OWNERS = ("logistics", "sales")


def mine(view: Page) -> str:
    """The owner whose open exceptions the list shows first: the reader's role when they are
    logistics or sales (one of them), else everyone's."""
    roles = [r for r in OWNERS if r in view.signed_in.actor.roles]
    return roles[0] if len(roles) == 1 else ""


@router.get("")
async def listing(
    view: Anyone,
    status: Annotated[str, Query(pattern=r"^(open|closed|all)$")] = "open",
    kind: Annotated[str | None, Query(pattern=r"^(shortage|substitution)?$")] = None,
    owner: Annotated[str | None, Query(pattern=r"^(logistics|sales)?$")] = None,
    customer: Annotated[str | None, Query(max_length=32)] = None,
    carrier: Annotated[str | None, Query(max_length=64)] = None,
    after: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
) -> HTMLResponse:
    """Shortages and substitutions found at receipt, oldest first. Without `owner` the reader's
    own (see `mine`); `owner=` (empty, as the filter's "any owner" sends it) everyone's."""
    owner = mine(view) if owner is None else owner
    customer, carrier = (customer or "").strip(), (carrier or "").strip()
    rows, following = await view.read(
        sheets.browse,
        status=status,
        kind=kind or None,
        owner_role=owner or None,
        customer_code=customer or None,
        carrier=carrier or None,
        after=after,
    )
    return view.render(
        "receipts/exceptions.html",
        rows=rows,
        following=following,
        status=status,
        kind=kind or "",
        owner=owner,
        customer=customer,
        carrier=carrier,
        mine=bool(owner) and owner == mine(view) and status == "open",
        words=WORDS,
    )


async def exception_page(
    view: Page,
    exception_id: int,
    error: DomainError | None = None,
    values: dict[str, str] | None = None,
    *,
    active: str = "",
    kept: AttachmentRef | None = None,
) -> HTMLResponse:
    """The exception's page; with `error` the form `active` again with its refusal, what was
    typed in it and the file already stored (`kept`)."""
    sheet = await view.read(sheets.sheet, exception_id=exception_id)
    exc = sheet.exception
    around = await view.document("receipt_exception", exception_id, exc.state)
    steps = [s for s in around["next_steps"] if s not in SHORTAGE_ONLY or exc.kind == "shortage"]
    decision: dict[str, Any] = exc.decision or {}
    shown = {
        "sheet": sheet,
        "exc": exc,
        "outcome": sheet.outcome,
        "decision": decision,
        "words": WORDS,
        "today": view.ctx.today,
        "active": active,
        "kept": kept,
        "may_return": exc.kind == "substitution"
        and exc.state == "open"
        and "sales" in view.signed_in.actor.roles,
        **around,
        "next_steps": steps,
        "values": values or {},
    }
    return view.show("receipts/exception.html", error, **shown)


@router.get("/{exception_id}")
async def one(exception_id: PathId, view: Anyone) -> HTMLResponse:
    return await exception_page(view, exception_id)
