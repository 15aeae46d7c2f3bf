"""Pages for receivables (R30): every customer's ageing (sortable, with its CSV), one customer's
receivables with the ageing drawn as bars, and its printable statement of account (A4); a panel
on the customer's page. The same queries and roles as the API (`report_routes.py`)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated, Any, Literal
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Path
from fastapi.responses import HTMLResponse, Response
from pydantic import ConfigDict, Field
from sqlalchemy.orm import Session
from starlette.datastructures import FormData, UploadFile

from service import ledger
from service.context import Context
from service.errors import DomainError, Invalid
from service.masterdata.models import Customer
from service.receivables import accounts, ageing, words
from service.receivables.ageing import Basis
from service.receivables.schemas import AgeingOut, AgeingRow
from service.schemas import Day, Request
from service.web.documents import Panel
from service.web.forms import FormRefused, parse
from service.web.pages import Page, page

router = APIRouter(prefix="/web", include_in_schema=False)
ROLES = ("finance", "sales", "hq", "admin")
Readers = Annotated[Page, page(*ROLES)]
CustomerCode = Annotated[str, Path(min_length=1, max_length=32)]
# How many open invoices a customer's page lists (the ageing counts them all).
SHOWN_INVOICES = 500
# The words of a ledger entry's kind on the statement of account.
KINDS = {
    "invoice": "receivables.kind.invoice",
    "red_invoice": "receivables.kind.red_invoice",
    "return_credit": "receivables.kind.return_credit",
    "payment": "receivables.kind.payment",
    "payment_reversal": "receivables.kind.payment_reversal",
    "deduction": "receivables.kind.deduction",
    "deduction_reversal": "receivables.kind.deduction_reversal",
    "credit_application": "receivables.kind.credit_application",
}
SORTS = ("code", "total", "overdue")


class AgeingFilters(Request):
    """The list's filters as typed in its form (blank ones left out)."""

    model_config = ConfigDict(extra="ignore")

    basis: Basis = "due"
    as_of: Day | None = None
    customer: str | None = Field(default=None, max_length=32)
    grade: str | None = Field(default=None, max_length=8)
    branch: str | None = Field(default=None, max_length=100)
    sort: Literal["code", "total", "overdue"] = "code"


class Period(Request):
    model_config = ConfigDict(extra="ignore")

    basis: Basis = "due"
    as_of: Day | None = None
    start: Day | None = None
    end: Day | None = None


def _query(view: Page) -> FormData:
    pairs: list[tuple[str, str | UploadFile]] = list(view.request.query_params.multi_items())
    return FormData(pairs)


def _labels(report: AgeingOut, locale: str) -> dict[str, str]:
    return {b.code: words.bucket_label(b, locale) for b in report.buckets}


def _sorted(rows: list[AgeingRow], sort: str) -> list[AgeingRow]:
    if sort == "total":
        return sorted(rows, key=lambda r: (-r.outstanding, r.customer_code))
    if sort == "overdue":
        return sorted(rows, key=lambda r: (-r.overdue, -r.outstanding, r.customer_code))
    return rows


# --- Every customer's ageing ------------------------------------------------------------------


@router.get("/receivables")
async def receivables(view: Readers) -> HTMLResponse:
    """The ageing of every customer owing something or holding credit, with a totals row."""
    error: DomainError | None = None
    try:
        chosen = parse(AgeingFilters, _query(view))
    except DomainError as refused:
        error, chosen = refused, AgeingFilters()
    report = await view.read(ageing.report, **chosen.model_dump(exclude={"sort"}))
    kept = {k: v for k, v in chosen.model_dump(mode="json").items() if v is not None}
    return view.show(
        "receivables/ageing.html",
        error,
        report=report,
        rows=_sorted(report.customers, chosen.sort),
        labels=_labels(report, view.locale),
        filters=kept,
        sorts=SORTS,
        link=lambda **changed: "/web/receivables?" + urlencode({**kept, **changed}),
        csv={k: v for k, v in kept.items() if k != "sort"},
    )


@router.get("/receivables.csv")
async def receivables_csv(view: Readers) -> Response:
    """The list as CSV, its header in the reader's language."""
    chosen = parse(AgeingFilters, _query(view))
    report = await view.read(ageing.report, **chosen.model_dump(exclude={"sort"}))
    return Response(
        words.ageing_csv(report, view.locale),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{words.filename(report)}"'},
    )


# --- One customer -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Bar:
    """One bucket of the chart: its words, amount and where it is drawn."""

    label: str
    amount: Decimal
    width: float
    y: int
    colour: str


# Bars from not yet due (green) to the oldest (dark red); the undated bucket grey.
COLOURS = ("#2e7d32", "#9e9d24", "#f9a825", "#ef6c00", "#d84315", "#b71c1c", "#7f0000")
UNDATED_COLOUR = "#757575"
BAR_WIDTH, BAR_HEIGHT = 360, 26


def chart(row: AgeingRow | None, report: AgeingOut, locale: str) -> list[Bar]:
    """The customer's buckets as horizontal bars, the largest amount the full width."""
    amounts = [row.buckets[b.code] if row else Decimal("0.00") for b in report.buckets]
    largest = max(amounts, default=Decimal("0.00"))
    bars = []
    dated = len(report.buckets) - 1
    for i, (bucket, amount) in enumerate(zip(report.buckets, amounts, strict=True)):
        width = float(amount / largest * BAR_WIDTH) if largest > 0 else 0.0
        shade = COLOURS[min(i, len(COLOURS) - 1)] if i < dated else UNDATED_COLOUR
        label = words.bucket_label(bucket, locale)
        bars.append(Bar(label, amount, round(width, 1), i * (BAR_HEIGHT + 6), shade))
    return bars


async def customer_page(
    view: Page, code: str, chosen: Period, error: DomainError | None = None
) -> HTMLResponse:
    found = await view.read(
        accounts.receivables,
        code=code,
        basis=chosen.basis,
        as_of=chosen.as_of,
        limit=SHOWN_INVOICES,
    )
    row = found.ageing.customers[0] if found.ageing.customers else None
    return view.show(
        "receivables/customer.html",
        error,
        found=found,
        row=row,
        report=found.ageing,
        labels=_labels(found.ageing, view.locale),
        bars=chart(row, found.ageing, view.locale),
        chart_height=len(found.ageing.buckets) * (BAR_HEIGHT + 6),
        bar_width=BAR_WIDTH,
        chosen=chosen,
        today=view.ctx.today,
        here=f"/web/customers/{quote(code, safe='')}",
        values=dict(view.request.query_params),
    )


@router.get("/customers/{code}/receivables")
async def customer_receivables(code: CustomerCode, view: Readers) -> HTMLResponse:
    """The customer's ageing as a chart, its open invoices, unapplied credit and balances."""
    try:
        chosen = parse(Period, _query(view))
    except DomainError as refused:
        return await customer_page(view, code, Period(), refused)
    return await customer_page(view, code, chosen)


@router.get("/customers/{code}/account")
async def statement_of_account(code: CustomerCode, view: Readers) -> HTMLResponse:
    """The customer's statement of account on A4: the opening balance, the period's movements
    from the ledger, the closing balance, and both parties' confirmation blocks."""
    try:
        chosen = parse(Period, _query(view))
        found = await view.read(accounts.account, code=code, start=chosen.start, end=chosen.end)
    except (Invalid, FormRefused) as refused:  # shown at the period's fields on the customer's page
        return await customer_page(view, code, Period(), refused)
    return view.render(
        "receivables/account.html",
        account=found,
        supplier=view.runtime.settings.seller,
        kinds=KINDS,
        back=f"/web/customers/{quote(code, safe='')}/receivables",
    )


# --- The panel on the customer's page -----------------------------------------------------------


def customer_panel(session: Session, ctx: Context, customer_id: int) -> dict[str, Any] | None:
    """What the customer owes and the credit held for it, for those who watch receivables."""
    if not ctx.actor.roles.intersection(ROLES):
        return None
    balance = ledger.balance(session, customer_id)
    customer = session.get(Customer, customer_id)
    if customer is None:
        return None
    buckets = ageing.configured(ctx, "due", None)
    rows = ageing.ageing(session, buckets, customer=customer.code).customers
    return {
        "code": customer.code,
        "outstanding": balance.outstanding,
        "overdue": rows[0].overdue if rows else Decimal("0.00"),
        "unapplied": balance.unapplied,
    }


PANEL = Panel(machine="customer", template="receivables/customer_panel.html", load=customer_panel)
