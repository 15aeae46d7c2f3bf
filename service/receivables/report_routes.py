"""HTTP routes: the receivables ageing (R30) as JSON and CSV, and one customer's receivables."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query
from fastapi.responses import Response
from sqlalchemy.orm import Session

from service.context import Context
from service.http import Limit, Offset, Read, reading
from service.receivables import accounts, ageing, words
from service.receivables.ageing import Basis
from service.receivables.schemas import AgeingOut, CustomerReceivablesOut
from service.schemas import Day

router = APIRouter(tags=["receivables"])
# Who watches receivables: finance, sales (the account managers, R32), HQ and admins.
Readers = Annotated[Read, Depends(reading("finance", "sales", "hq", "admin"))]
BasisQuery = Annotated[
    Basis,
    Query(description="due: days past the due date; receipt: days since the customer's receipt"),
]
AsOf = Annotated[Day | None, Query(description="count the days to this business date (today)")]
CustomerQuery = Annotated[str | None, Query(min_length=1, max_length=32)]
GradeQuery = Annotated[str | None, Query(min_length=1, max_length=8)]
BranchQuery = Annotated[str | None, Query(min_length=1, max_length=100)]
CustomerCode = Annotated[str, Path(min_length=1, max_length=32, description="the customer's code")]
CSV: dict[int | str, dict[str, Any]] = {
    200: {
        "content": {"text/csv": {"schema": {"type": "string"}}},
        "description": "UTF-8 with a byte order mark; a line per customer, the totals last",
    }
}


@dataclass
class AgeingQuery:
    """The ageing's parameters, the same for its JSON and its CSV."""

    basis: BasisQuery = "due"
    as_of: AsOf = None
    customer: CustomerQuery = None
    grade: GradeQuery = None
    branch: BranchQuery = None


Chosen = Annotated[AgeingQuery, Depends()]


@router.get(
    "/receivables/ageing",
    summary="What each customer owes in buckets of days past due or since receipt, with totals",
)
async def receivables_ageing(read: Readers, chosen: Chosen) -> AgeingOut:
    return await read.run(ageing.report, **asdict(chosen))


def _csv(session: Session, ctx: Context, *, lang: str | None, **filters: Any) -> Response:
    report = ageing.report(session, ctx, **filters)
    return Response(
        words.ageing_csv(report, lang),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{words.filename(report)}"'},
    )


@router.get(
    "/receivables/ageing.csv",
    response_class=Response,
    responses=CSV,
    summary="The ageing as CSV for Excel: header in stable codes, or in words with `lang`",
)
async def receivables_ageing_csv(
    read: Readers,
    chosen: Chosen,
    lang: Annotated[
        Literal["en", "zh"] | None,
        Query(description="the header's words in this language (default: stable English codes)"),
    ] = None,
) -> Response:
    return await read.run(_csv, lang=lang, **asdict(chosen))


@router.get(
    "/customers/{code}/receivables",
    summary="A customer's open invoices aged, its unapplied credit and ledger balances",
)
async def customer_receivables(
    code: CustomerCode,
    read: Readers,
    basis: BasisQuery = "due",
    as_of: AsOf = None,
    limit: Limit = 500,
    offset: Offset = 0,
) -> CustomerReceivablesOut:
    return await read.run(
        accounts.receivables, code=code, basis=basis, as_of=as_of, limit=limit, offset=offset
    )
