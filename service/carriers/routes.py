"""How late each carrier reports signed receipts (R7), and its claims (R8)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from service.carriers import queries
from service.carriers.schemas import CarrierLateness
from service.http import Reader
from service.schemas import Day

router = APIRouter(prefix="/carriers", tags=["carriers"])


@router.get(
    "/lateness",
    summary="Signed receipts reported after 2 working days, per carrier (R7), and its claims (R8)",
    description=(
        "Per carrier: the internal-warehouse receipts judged and those reported late (R7), and "
        "the claims on shortages found on its receipts (R8): how many, the amounts claimed and "
        "settled, how many it refused and how many await its answer. Both count the receipts "
        "signed in the period."
    ),
)
async def lateness(
    read: Reader,
    since: Annotated[Day | None, Query(description="receipts signed on or after")] = None,
    until: Annotated[Day | None, Query(description="receipts signed on or before")] = None,
) -> list[CarrierLateness]:
    return await read.run(queries.lateness, since=since, until=until)
