"""HTTP routes for the receipt exception list (shortages and substitutions, R8)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query

from service.http import Ctx, CurrentActor
from service.masterdata import queries
from service.receipts import usecases
from service.receipts.schemas import ReceiptExceptionOut

router = APIRouter(prefix="/receipt-exceptions", tags=["receipts"])


@router.get(
    "",
    response_model=list[ReceiptExceptionOut],
    summary="Shortages and substitutions found at receipt",
)
def list_receipt_exceptions(
    ctx: Ctx,
    _actor: CurrentActor,
    state: Literal["open", "resolved"] | None = "open",
    kind: Literal["shortage", "substitution"] | None = None,
    customer_code: str | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[ReceiptExceptionOut]:
    with ctx.db.read() as session:
        customer_id = queries.customer_by_code(session, customer_code).id if customer_code else None
        return usecases.list_exceptions(
            session, state=state, customer_id=customer_id, kind=kind, limit=limit, offset=offset
        )
