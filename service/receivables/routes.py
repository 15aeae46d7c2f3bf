"""HTTP routes: the receivables ledger check."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from sqlalchemy.orm import Session

from service.context import Context
from service.http import Read, reading
from service.receivables.check import check
from service.receivables.schemas import CheckOut, FailureOut

router = APIRouter(tags=["receivables"])


def _check(session: Session, ctx: Context) -> CheckOut:
    report = check(session, ctx.workflows)
    return CheckOut(
        ok=report.ok,
        customers=report.customers,
        invoices=report.invoices,
        failures=[FailureOut.model_validate(f) for f in report.failures],
    )


@router.get(
    "/receivables/check",
    summary="The ledger identity over the whole database, from the source documents",
)
async def receivables_check(
    read: Annotated[Read, Depends(reading("finance", "admin"))],
) -> CheckOut:
    return await read.run(_check)
