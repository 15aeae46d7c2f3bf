"""Pages for returns (R24-R26): the list and R26's uncredited goods, sales' request from a blue
invoice, one return's page with what each role may do next, its printout, and the returns panels
of the order's and the invoice's pages.

The same use cases and roles as the API routes (`service/returns/routes.py`); the forms of the
return's page are in `service/returns/actions.py`. A form's key makes a resent form book once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse, Response
from pydantic import Field
from starlette.datastructures import FormData

from rules.vocabularies.return_credit import METHODS, Reason
from service.errors import DomainError, Invalid
from service.http import PathId
from service.returns import queries, sheets, usecases
from service.returns.schemas import MAX_RETURN_LINES, ReturnCreate, ReturnLineIn
from service.schemas import MAX_ID, MAX_QUANTITY, Day, Id, Note, Request
from service.web.documents import Panel
from service.web.forms import FormRefused, on_rows, parse, refusal, typed
from service.web.pages import Anyone, Page, page
from workflows import WorkflowError

router = APIRouter(prefix="/web/returns", include_in_schema=False)
# POST /returns is sales'.
Sales = Annotated[Page, page("sales")]

# Words of the values a return carries and of the facts its rules see (literal codes, so the
# catalogs' check sees them).
WORDS: dict[str, dict[str, str]] = {
    "reason": {
        "defective": "returns.reason.defective",
        "slow_moving": "returns.reason.slow_moving",
        "wrong_model": "returns.reason.wrong_model",
        "other": "returns.reason.other",
    },
    "method": {
        "red_letter": "returns.method.red_letter",
        "customer_blue_invoice": "returns.method.customer_blue_invoice",
        "next_invoice_deduction": "returns.method.next_invoice_deduction",
    },
    "document": {
        "return_receipt": "returns.document.return_receipt",
        "approval_report": "returns.document.approval_report",
        "customer_consent": "returns.document.customer_consent",
    },
    "fact": {
        "accepted_methods": "returns.fact.accepted_methods",
        "reason": "returns.fact.reason",
        "amount": "returns.fact.amount",
        "blue_invoice_use_confirmed": "returns.fact.blue_invoice_use_confirmed",
        "documents_on_file": "returns.fact.documents_on_file",
    },
    "truth": {"True": "returns.value.yes", "False": "returns.value.no"},
}
# Which words a fact's values have.
_VALUE_WORDS = {
    "accepted_methods": "method",
    "reason": "reason",
    "documents_on_file": "document",
    "blue_invoice_use_confirmed": "truth",
}
REASON_PATTERN = r"^(defective|slow_moving|wrong_model|other)?$"


@dataclass(frozen=True)
class Piece:
    """A part of a value as the page shows it: words from the catalogs, or the value itself."""

    code: str | None
    text: str


@dataclass(frozen=True)
class Seen:
    """One value the rules saw, with the words of its fact."""

    fact: str
    label: str | None
    pieces: list[Piece]


def seen(decision: dict[str, Any] | None) -> list[Seen]:
    """The values a proposal saw, each with its words where the vocabulary has them."""
    shown = []
    for fact, value in ((decision or {}).get("values") or {}).items():
        words = WORDS.get(_VALUE_WORDS.get(fact, ""), {})
        values = value if isinstance(value, list) else [value]
        pieces = [Piece(words.get(str(v)), str(v)) for v in values]
        shown.append(Seen(fact, WORDS["fact"].get(fact), pieces))
    return shown


# --- Panels of other documents' pages ------------------------------------------------------

PANELS = (
    Panel(machine="order", template="returns/order_panel.html", load=sheets.of_order, place=40),
    Panel(
        machine="invoice", template="returns/invoice_panel.html", load=sheets.of_invoice, place=40
    ),
)


# --- The list and R26 -------------------------------------------------------------------------


@router.get("")
async def returns(
    view: Anyone,
    state: Annotated[str | None, Query(max_length=16, pattern=r"^[a-z_]*$")] = None,
    reason: Annotated[str | None, Query(max_length=16, pattern=REASON_PATTERN)] = None,
    customer: Annotated[str | None, Query(max_length=32)] = None,
    before: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
) -> HTMLResponse:
    """Returns, newest first, by state, reason and customer; pages by key."""
    customer = (customer or "").strip()
    found, following = await view.read(
        sheets.browse,
        customer=customer or None,
        state=state or None,
        reason=reason or None,
        before=before,
    )
    return view.render(
        "returns/list.html",
        returns=found,
        following=following,
        state=state or "",
        reason=reason or "",
        customer=customer,
        states=view.runtime.workflows["return"].states,
        words=WORDS,
    )


@router.get("/uncredited")
async def uncredited(
    view: Anyone,
    reason: Annotated[
        str | None, Query(max_length=16, pattern=r"^(defective|slow_moving)?$")
    ] = None,
    customer: Annotated[str | None, Query(max_length=32)] = None,
    after: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
) -> HTMLResponse:
    """R26: defective and slow-moving goods per customer not yet credited, oldest first."""
    customer = (customer or "").strip()
    size = 50
    found = await view.read(
        queries.uncredited,
        customer=customer or None,
        reason=reason or None,
        after=after,
        limit=size + 1,
    )
    ids = list(dict.fromkeys(row.return_id for row in found))
    following = ids[size - 1] if len(ids) > size else None
    shown = [row for row in found if following is None or row.return_id <= following]
    by_customer: dict[str, list[Any]] = {}
    for row in shown:
        by_customer.setdefault(row.customer_code, []).append(row)
    return view.render(
        "returns/uncredited.html",
        by_customer=by_customer,
        following=following,
        reason=reason or "",
        customer=customer,
        words=WORDS,
    )


# --- Sales asks for a return -------------------------------------------------------------------


class _AskedLine(Request):
    line_no: int = Field(ge=1, le=10_000)
    quantity: int = Field(ge=0, le=MAX_QUANTITY)


class _Asked(Request):
    """The request form as typed: every goods line, 0 where nothing comes back."""

    order_id: Id
    invoice_id: Id
    reason: Reason
    note: Note = ""
    lines: list[_AskedLine] = Field(min_length=1, max_length=MAX_RETURN_LINES)
    receipt_exception_id: Id | None = None
    business_date: Day | None = None


def _asked(form: FormData) -> tuple[ReturnCreate, list[int]]:
    """The return asked for (lines with a quantity only) and, per line it names, the row of the
    form it came from, so a refusal of a line is shown on its row."""
    asked = parse(_Asked, form)
    rows = [i for i, line in enumerate(asked.lines) if line.quantity]
    if not rows:
        raise Invalid("returns.page.nothing_asked", field="lines")
    data = ReturnCreate(
        order_id=asked.order_id,
        invoice_id=asked.invoice_id,
        reason=asked.reason,
        note=asked.note,
        lines=[
            ReturnLineIn(line_no=asked.lines[i].line_no, quantity=asked.lines[i].quantity)
            for i in rows
        ],
        receipt_exception_id=asked.receipt_exception_id,
        business_date=asked.business_date,
    )
    return data, rows


async def _new_page(
    view: Page,
    invoice_id: int,
    error: DomainError | None = None,
    values: dict[str, str] | None = None,
) -> HTMLResponse:
    sheet = await view.read(sheets.request_sheet, invoice_id=invoice_id)
    return view.show("returns/new.html", error, sheet=sheet, words=WORDS, values=values or {})


@router.get("/new")
async def new(
    view: Sales,
    invoice: Annotated[int, Query(ge=1, le=MAX_ID)],
    receipt_exception: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
) -> HTMLResponse:
    """The request form, filled in with the blue invoice's goods lines (0: not returned); from
    a substitution found at receipt (R8), the return sends that model back."""
    values: dict[str, str] = {}
    if receipt_exception is not None:
        values = {"receipt_exception_id": str(receipt_exception), "reason": "wrong_model"}
    return await _new_page(view, invoice, values=values)


@router.post("")
async def create(view: Sales) -> Response:
    form = await view.form()
    rows: list[int] = []
    try:
        data, rows = _asked(form)
        made = await view.act(usecases.request, form=form, data=data)
    except (DomainError, WorkflowError) as error:
        invoice = str(form.get("invoice_id") or "")
        if not invoice.isdigit() or not 1 <= int(invoice) <= MAX_ID:
            raise refusal(error) from None
        shown = refusal(error)
        if not isinstance(shown, FormRefused):
            shown = on_rows(shown, rows)
        return await _new_page(view, int(invoice), shown, typed(form))
    return view.go(f"/web/returns/{made['id']}", "returns.done.request")


# --- One return ------------------------------------------------------------------------------


async def return_page(
    view: Page,
    return_id: int,
    error: DomainError | None = None,
    values: dict[str, str] | None = None,
    *,
    active: str = "",
    scan: Any = None,
) -> HTMLResponse:
    """The return's page; with `error` the form `active` again with its refusal and what was
    typed in it."""
    sheet = await view.read(sheets.sheet, return_id=return_id)
    ret = sheet.ret
    proposal = ret.proposal or {}
    shown = {
        "sheet": sheet,
        "ret": ret,
        "words": WORDS,
        "seen": seen(proposal),
        "proposal": proposal,
        "methods": [m for m in METHODS if m in sheet.accepted],
        "active": active,
        "scan": scan,
        "today": view.ctx.today,
        **await view.document("return", return_id, ret.state),
        "values": values or {},
    }
    return view.show("returns/page.html", error, **shown)


@router.get("/{return_id}")
async def one(return_id: PathId, view: Anyone) -> HTMLResponse:
    return await return_page(view, return_id)


@router.get("/{return_id}/print")
async def printout(return_id: PathId, view: Anyone) -> HTMLResponse:
    """The return's credit summary on A4: every document number, the method and the amounts."""
    sheet = await view.read(sheets.sheet, return_id=return_id)
    return view.render("returns/print.html", sheet=sheet, ret=sheet.ret, words=WORDS)
