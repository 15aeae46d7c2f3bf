"""How late each carrier reports signed receipts (R7)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from service.carriers import queries
from service.carriers.schemas import CarrierLateness
from service.http import Reader
from service.schemas import Day

router = APIRouter(prefix="/carriers", tags=["carriers"])


@router.get("/lateness", summary="Signed receipts reported after 2 working days, per carrier (R7)")
async def lateness(
    read: Reader,
    since: Annotated[Day | None, Query(description="receipts signed on or after")] = None,
    until: Annotated[Day | None, Query(description="receipts signed on or before")] = None,
) -> list[CarrierLateness]:
    return await read.run(queries.lateness, since=since, until=until)
