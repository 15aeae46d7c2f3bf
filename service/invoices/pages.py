"""Pages for invoices: find one, see it with its references and exceptions, make one from a
receipted order (R9-R12), issue, send and sign it (R13), record the customer's booking (R14-R17),
and print it with its sales list (销货清单) when it has more lines than a paper invoice holds.

The same use cases and roles as the API routes (`service/invoices/routes.py`,
`service/invoices/exceptions/routes.py`); a form's key makes a resent form book once.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel

from service.errors import DomainError
from service.http import PathId
from service.invoices import corrections, queries, usecases
from service.invoices.exceptions import booking
from service.invoices.exceptions import queries as exceptions
from service.invoices.exceptions.pages import WORDS
from service.invoices.exceptions.schemas import BookingCreate
from service.invoices.redletter import queries as red_letter
from service.invoices.schemas import (
    AbandonReissue,
    InvoiceCreate,
    InvoiceIssue,
    InvoiceOut,
    InvoiceSend,
    InvoiceSign,
)
from service.orders import queries as orders
from service.schemas import MAX_ID
from service.web.forms import parse, refusal, typed
from service.web.pages import Anyone, Page, page
from workflows import WorkflowError

router = APIRouter(prefix="/web/invoices", include_in_schema=False)
# The roles of the API routes: POST /invoices and the invoice lifecycle's triggers.
Finance = Annotated[Page, page("finance")]
FinanceOrSales = Annotated[Page, page("finance", "sales")]
BOOKERS = ("finance", "sales")  # POST /invoices/{id}/booking
CREDITORS = frozenset({"finance"})  # POST /red-letter-forms, POST /invoices/{id}/use-confirmation
EXTRA_BOOKED_LINES = 2  # blank lines for models booked that the invoice does not carry

# Words of the values an invoice carries (literal codes, so the catalogs' check sees them).
INVOICE_WORDS = {
    "kind": {"blue": "invoices.kind.blue", "red": "invoices.kind.red"},
    "source": {
        "goods": "invoices.source.goods",
        "discount": "invoices.source.discount",
        "carry_forward": "invoices.source.carry_forward",
        "reversal": "invoices.source.reversal",
    },
    "route": {
        "branch": "invoices.route.branch",
        "settlement_centre": "invoices.route.settlement_centre",
    },
    # The reasons of a red-letter form (1 开票有误, 2 销货退回, 3 服务中止, 4 销售折让).
    "reason": {
        "issuing_error": "invoices.red_letter.reason.issuing_error",
        "sales_return": "invoices.red_letter.reason.sales_return",
        "service_stopped": "invoices.red_letter.reason.service_stopped",
        "sales_discount": "invoices.red_letter.reason.sales_discount",
    },
    "initiator": {
        "seller": "invoices.red_letter.initiator.seller",
        "buyer": "invoices.red_letter.initiator.buyer",
    },
}


@router.get("")
async def invoices(
    view: Anyone,
    q: Annotated[str | None, Query(max_length=64)] = None,
    state: Annotated[str | None, Query(max_length=32, pattern=r"^[a-z_]*$")] = None,
    customer: Annotated[str | None, Query(max_length=32)] = None,
    before: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
) -> HTMLResponse:
    q, customer = (q or "").strip(), (customer or "").strip()
    found, following = await view.read(
        queries.browse,
        q=q or None,
        state=state or None,
        customer_code=customer or None,
        before=before,
    )
    return view.render(
        "invoices/list.html",
        invoices=found,
        following=following,
        q=q,
        state=state or "",
        customer=customer,
        states=view.runtime.workflows["invoice"].states,
        words=INVOICE_WORDS,
    )


async def _new_page(view: Page, order_id: int, error: DomainError | None = None) -> HTMLResponse:
    shown: dict[str, Any] = {
        "order": await view.read(orders.get, order_id=order_id),
        "panel": await view.read(queries.of_order, order_id=order_id),
        "words": INVOICE_WORDS,
    }
    return view.show("invoices/new.html", error, **shown)


@router.get("/new")
async def new_invoice(
    view: Anyone, order_id: Annotated[int, Query(ge=1, le=MAX_ID)]
) -> HTMLResponse:
    """The order to invoice, and the button that makes its invoice (as its panel shows)."""
    return await _new_page(view, order_id)


@router.post("")
async def create(view: Finance) -> Response:
    form = await view.form()
    data = parse(InvoiceCreate, form)  # a form that names no order is refused as a page
    try:
        made = await view.act(usecases.create, form=form, data=data)
    except (DomainError, WorkflowError) as error:
        return await _new_page(view, data.order_id, refusal(error))
    return view.go(f"/web/invoices/{made['id']}", "invoices.done.create")


def booked_as_invoiced(invoice: InvoiceOut) -> dict[str, str]:
    """The booking form's starting values: each item as the invoice states it (amounts without
    tax, tax, the discount tax included), so finance changes only what the customer booked
    differently; and a few blank lines for models the invoice does not carry (R14)."""
    sides: dict[str, dict[str, Any]] = {}
    for line in invoice.lines:
        side = sides.setdefault(
            line.item_code,
            {
                "quantity": 0,
                "unit_price": None,
                "amount": Decimal(0),
                "tax": Decimal(0),
                "discount": Decimal(0),
            },
        )
        if line.source == "discount":
            side["discount"] -= line.amount + line.tax
            continue
        side["quantity"] += line.quantity
        side["amount"] += line.amount
        side["tax"] += line.tax
        if side["unit_price"] is None and line.quantity:
            side["unit_price"] = line.unit_price
    values = {}
    for index, (code, side) in enumerate(sides.items()):
        values[f"lines[{index}].item_code"] = code
        for name, value in side.items():
            values[f"lines[{index}].{name}"] = "" if value is None else str(value)
    return values


async def invoice_page(
    view: Page,
    invoice_id: int,
    error: DomainError | None = None,
    values: dict[str, str] | None = None,
) -> HTMLResponse:
    doc = await view.read(queries.document, invoice_id=invoice_id)
    invoice = doc.invoice
    bookable = (
        invoice.kind == "blue"
        and doc.booking is None
        and view.runtime.workflows["invoice"].allows(invoice.state, "dispute")
        and bool(view.signed_in.actor.roles.intersection(BOOKERS))
    )
    defaults = booked_as_invoiced(invoice) if bookable else {}
    creditable = (
        invoice.kind == "blue"
        and invoice.state in queries.creditable(view.runtime.workflows)
        and bool(view.signed_in.actor.roles & CREDITORS)
    )
    shown = {
        "doc": doc,
        "invoice": invoice,
        "exceptions": await view.read(exceptions.of_invoice, invoice_id=invoice_id),
        "bookable": bookable,
        "booking_rows": len({ln.item_code for ln in invoice.lines}) + EXTRA_BOOKED_LINES,
        "today": view.ctx.today,
        "words": INVOICE_WORDS,
        "exception_words": WORDS,
        "red_letter": await view.read(red_letter.of_invoice, invoice_id=invoice_id),
        "creditable": creditable,
        "zone": view.runtime.settings.tz.key,
        **await view.document("invoice", invoice_id, invoice.state),
        "values": {**defaults, **(values or {})},
    }
    return view.show("invoices/page.html", error, **shown)


@router.get("/{invoice_id}")
async def invoice(invoice_id: PathId, view: Anyone) -> HTMLResponse:
    return await invoice_page(view, invoice_id)


@router.get("/{invoice_id}/print")
async def printout(invoice_id: PathId, view: Anyone) -> HTMLResponse:
    """A4: seller and buyer, the lines (or the sales list when they do not fit), the totals
    and the remark's references (R10)."""
    doc = await view.read(queries.document, invoice_id=invoice_id)
    return view.render(
        "invoices/print.html",
        doc=doc,
        invoice=doc.invoice,
        seller=doc.seller,
        words=INVOICE_WORDS,
    )


async def _step(
    view: Page,
    invoice_id: int,
    usecase: Callable[..., Any],
    model: type[BaseModel] | None,
    done: str,
) -> Response:
    """One step of the invoice's lifecycle from its page: the form, the use case, the answer."""
    form = await view.form()
    try:
        data = parse(model, form) if model is not None else None
        await view.act(usecase, form=form, data=data, invoice_id=invoice_id)
    except (DomainError, WorkflowError) as error:
        return await invoice_page(view, invoice_id, refusal(error), typed(form))
    return view.go(f"/web/invoices/{invoice_id}", done)


@router.post("/{invoice_id}/issue")
async def issue(invoice_id: PathId, view: Finance) -> Response:
    return await _step(view, invoice_id, usecases.issue, InvoiceIssue, "invoices.done.issue")


@router.post("/{invoice_id}/send")
async def send(invoice_id: PathId, view: FinanceOrSales) -> Response:
    return await _step(view, invoice_id, usecases.send, InvoiceSend, "invoices.done.send")


@router.post("/{invoice_id}/sign")
async def sign(invoice_id: PathId, view: FinanceOrSales) -> Response:
    return await _step(view, invoice_id, usecases.sign, InvoiceSign, "invoices.done.sign")


@router.post("/{invoice_id}/discard")
async def discard(invoice_id: PathId, view: Finance) -> Response:
    return await _step(view, invoice_id, usecases.discard, None, "invoices.done.discard")


@router.post("/{invoice_id}/abandon-reissue")
async def abandon_reissue(invoice_id: PathId, view: Finance) -> Response:
    return await _step(
        view, invoice_id, corrections.abandon, AbandonReissue, "invoices.done.abandon_reissue"
    )


@router.post("/{invoice_id}/booking")
async def record_booking(invoice_id: PathId, view: FinanceOrSales) -> Response:
    return await _step(
        view, invoice_id, booking.record_booking, BookingCreate, "invoices.done.booking"
    )
