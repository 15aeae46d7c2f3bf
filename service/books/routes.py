"""HTTP routes: the closed period, and closing the books through a day."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from service.books.queries import closed_period
from service.books.schemas import ClosedPeriodOut, ClosingIn
from service.books.usecases import close
from service.http import Call, Reader, changing

router = APIRouter(prefix="/books", tags=["books"])
Closing = Annotated[Call, Depends(changing("finance", "admin"))]


@router.get("/closed-through", summary="The closed period: the day the books are closed through")
async def get_closed_through(read: Reader) -> ClosedPeriodOut:
    return await read.run(closed_period)


@router.put(
    "/closed-through",
    summary="Close the books through a day before today; moving back is an admin's, with a reason",
)
async def put_closed_through(body: ClosingIn, call: Closing) -> ClosedPeriodOut:
    return await call.run(close, data=body)
