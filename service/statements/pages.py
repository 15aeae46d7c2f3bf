"""Pages for reconciliation statements (R20-R22): the list with a statement a customer asks for,
one statement's page (its current version grouped, the totals, its versions with what changed,
its disputes, history and what each role may do next), a kept version, the A4 printout with
both parties' confirmation blocks, finance's queue of disputed lines and the statement
adjustments.

The same use cases, queries and roles as the API routes (`service/statements/routes.py`); the
forms of the statement's page are in `service/statements/actions.py`.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, get_args

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse, Response

from service.errors import DomainError, Invalid
from service.statements import sheets, usecases
from service.statements.routes import StatementNo, VersionNo
from service.statements.schemas import StatementIn, StatementState
from service.web.forms import parse, refusal, typed
from service.web.pages import Anyone, Page, page
from workflows import WorkflowError

router = APIRouter(prefix="/web", include_in_schema=False)
# POST /statements is sales' and finance's.
Drafters = Annotated[Page, page("sales", "finance")]
States = get_args(StatementState)

# Words of the values a statement carries (literal codes, so the catalogs' check sees them).
WORDS: dict[str, dict[str, str]] = {
    "kind": {
        "scheduled": "statements.kind.scheduled",
        "requested": "statements.kind.requested",
    },
    "line": {
        "invoice": "statements.line.invoice",
        "red_invoice": "statements.line.red_invoice",
        "customer_blue_invoice": "statements.line.customer_blue_invoice",
        "discount_offset": "statements.line.discount_offset",
        "adjustment": "statements.line.adjustment",
        "open_return": "statements.line.open_return",
    },
    "adjustment": {
        "price_reduction": "statements.adjustment.price_reduction",
        "rebate": "statements.adjustment.rebate",
        "margin_support": "statements.adjustment.margin_support",
        "fee": "statements.adjustment.fee",
        "other": "statements.adjustment.other",
    },
    "channel": {
        "email": "statements.channel.email",
        "post": "statements.channel.post",
        "portal": "statements.channel.portal",
        "in_person": "statements.channel.in_person",
        "fax": "statements.channel.fax",
    },
    "dispute": {
        "open": "state.statement_dispute.open",
        "accepted": "state.statement_dispute.accepted",
        "rejected": "state.statement_dispute.rejected",
    },
    "adjustment_state": {
        "open": "state.statement_adjustment.open",
        "cancelled": "state.statement_adjustment.cancelled",
    },
}
DAY_PATTERN = r"^(\d{4}-\d{2}-\d{2})?$"
STATE_PATTERN = rf"^({'|'.join(States)})?$"
Offset = Annotated[int, Query(ge=0, le=1_000_000)]
CustomerQuery = Annotated[str | None, Query(max_length=64)]


def _day(text: str | None, field: str) -> date | None:
    """A date typed in a filter, refused in words when it is not one."""
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise Invalid("statements.page.not_a_date", field=field, value=text) from None


# --- The list, and a statement the customer asks for ------------------------------------------


async def list_page(
    view: Page,
    filters: dict[str, str],
    offset: int = 0,
    error: DomainError | None = None,
    values: dict[str, str] | None = None,
) -> HTMLResponse:
    found: list[Any] = []
    more = False
    try:
        settled_from = _day(filters.get("settled_from"), "settled_from")
        settled_to = _day(filters.get("settled_to"), "settled_to")
    except Invalid as refused:
        error = error or refused
    else:
        found, more = await view.read(
            sheets.browse,
            customer_code=filters.get("customer") or None,
            state=filters.get("state") or None,
            settled_from=settled_from,
            settled_to=settled_to,
            offset=offset,
        )
    following = None
    if more:
        query = "&".join(f"{k}={v}" for k, v in filters.items() if v)
        following = f"/web/statements?{query}&offset={offset + sheets.PAGE}"
    return view.show(
        "statements/list.html",
        error,
        statements=found,
        following=following,
        filters=filters,
        states=States,
        words=WORDS,
        today=view.ctx.today,
        values=values or {},
    )


@router.get("/statements")
async def statements(
    view: Anyone,
    customer: CustomerQuery = None,
    state: Annotated[str | None, Query(max_length=16, pattern=STATE_PATTERN)] = None,
    settled_from: Annotated[str | None, Query(max_length=10, pattern=DAY_PATTERN)] = None,
    settled_to: Annotated[str | None, Query(max_length=10, pattern=DAY_PATTERN)] = None,
    offset: Offset = 0,
) -> HTMLResponse:
    """Statements, latest settlement date first, by customer, state and settlement dates."""
    filters = {
        "customer": (customer or "").strip(),
        "state": state or "",
        "settled_from": settled_from or "",
        "settled_to": settled_to or "",
    }
    return await list_page(view, filters, offset)


@router.post("/statements")
async def draft(view: Drafters) -> Response:
    """A statement the customer asks for, for a date: drafted now."""
    form = await view.form()
    try:
        data = parse(StatementIn, form)
        made = await view.act(usecases.draft_requested, form=form, data=data)
    except (DomainError, WorkflowError) as error:
        shown = refusal(error)
        return await list_page(view, {}, 0, shown, typed(form))
    return view.go(f"/web/statements/{made['statement_no']}", "statements.done.draft")


# --- One statement --------------------------------------------------------------------------


async def statement_page(
    view: Page,
    statement_no: str,
    error: DomainError | None = None,
    values: dict[str, str] | None = None,
    *,
    active: str = "",
    scan: Any = None,
) -> HTMLResponse:
    """The statement's page; with `error` the form `active` again with its refusal and what
    was typed in it."""
    sheet = await view.read(sheets.sheet, statement_no=statement_no)
    st = sheet.statement
    shown = {
        "sheet": sheet,
        "st": st,
        "words": WORDS,
        "active": active,
        "scan": scan,
        "today": view.ctx.today,
        **await view.document("statement", st.id, st.state),
        "values": values or {},
    }
    return view.show("statements/page.html", error, **shown)


@router.get("/statements/{statement_no}")
async def one(statement_no: StatementNo, view: Anyone) -> HTMLResponse:
    return await statement_page(view, statement_no)


@router.get("/statements/{statement_no}/versions/{number}")
async def version(statement_no: StatementNo, number: VersionNo, view: Anyone) -> HTMLResponse:
    """A kept version: its lines and totals, and what changed against the one before."""
    sheet = await view.read(sheets.sheet, statement_no=statement_no, number=number)
    return view.render("statements/version.html", sheet=sheet, st=sheet.statement, words=WORDS)


@router.get("/statements/{statement_no}/print")
async def printout(statement_no: StatementNo, view: Anyone) -> HTMLResponse:
    """The statement on A4: supplier and customer, every line group, the totals and both
    parties' confirmation blocks (对账确认)."""
    sheet = await view.read(sheets.sheet, statement_no=statement_no)
    return view.render(
        "statements/print.html",
        sheet=sheet,
        st=sheet.statement,
        supplier=sheet.parties.seller,
        words=WORDS,
    )


# --- Finance's queue of disputed lines and the adjustments ------------------------------------


@router.get("/statement-disputes")
async def disputes(
    view: Anyone,
    state: Annotated[
        str | None, Query(max_length=16, pattern=r"^(open|accepted|rejected|all)?$")
    ] = None,
    offset: Offset = 0,
) -> HTMLResponse:
    """Disputed statement lines: the open ones (by default), or all with the open first."""
    chosen = state or "open"
    found, more = await view.read(
        sheets.disputes, state=None if chosen == "all" else chosen, offset=offset
    )
    following = f"/web/statement-disputes?state={chosen}&offset={offset + sheets.PAGE}"
    return view.render(
        "statements/disputes.html",
        disputes=found,
        following=following if more else None,
        state=chosen,
        words=WORDS,
        active="",
        at=None,
    )


async def adjustments_page(
    view: Page,
    filters: dict[str, str],
    offset: int = 0,
    error: DomainError | None = None,
    values: dict[str, str] | None = None,
    *,
    active: str = "",
    at: int | None = None,
) -> HTMLResponse:
    found, more = await view.read(
        sheets.adjustments,
        customer_code=filters.get("customer") or None,
        state=filters.get("state") or None,
        kind=filters.get("kind") or None,
        offset=offset,
    )
    following = None
    if more:
        query = "&".join(f"{k}={v}" for k, v in filters.items() if v)
        following = f"/web/statement-adjustments?{query}&offset={offset + sheets.PAGE}"
    return view.show(
        "statements/adjustments.html",
        error,
        adjustments=found,
        following=following,
        filters=filters,
        words=WORDS,
        active=active,
        at=at,
        values=values or {},
    )


@router.get("/statement-adjustments")
async def adjustments(
    view: Anyone,
    customer: CustomerQuery = None,
    state: Annotated[str | None, Query(max_length=16, pattern=r"^(open|cancelled)?$")] = None,
    kind: Annotated[
        str | None,
        Query(max_length=16, pattern=r"^(price_reduction|rebate|margin_support|fee|other)?$"),
    ] = None,
    offset: Offset = 0,
) -> HTMLResponse:
    """Statement adjustments, newest first; finance enters and cancels them here."""
    filters = {"customer": (customer or "").strip(), "state": state or "", "kind": kind or ""}
    return await adjustments_page(view, filters, offset)
