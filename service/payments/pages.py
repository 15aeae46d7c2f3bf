"""Pages for payments (finance): the list, recording a payment with the allocation it would get
(oldest due first, each amount editable, the deductions the customer took ticked), a payment's
page with what it applied and the reverse form, and a customer's unapplied credit with the form
that applies it.

The same use cases and roles as the API routes (`service/payments/routes.py`), once per shown
form; the reverse form sends back the version it was shown at (the API's If-Match).
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError
from starlette.datastructures import FormData

from service.errors import DomainError, Invalid
from service.payments import queries, recording, sheets, usecases
from service.payments.routes import CustomerCode, PaymentNo
from service.payments.schemas import CreditApplyIn, DeductionRef, PaymentIn, ReverseIn
from service.problems import input_error
from service.web.forms import (
    FormRefused,
    at_version,
    on_rows,
    parse,
    refusal,
    shown_version,
    typed,
    without,
)
from service.web.pages import Anyone, Page, page
from workflows import WorkflowError

router = APIRouter(prefix="/web", include_in_schema=False)
Finance = Annotated[Page, page("finance")]
Offset = Annotated[int, Query(ge=0, le=1_000_000)]
CustomerQuery = Annotated[str | None, Query(max_length=32)]
AmountQuery = Annotated[str | None, Query(max_length=20)]
# The most open invoices the record form lists (a remittance holds as many).
MAX_ROWS = 500
# Words of the values the pages show (literal codes, so the catalogs' check sees them).
WORDS: dict[str, dict[str, str]] = {
    "deduction": {
        "discount_credit": "payments.deduction.discount_credit",
        "statement_adjustment": "payments.deduction.statement_adjustment",
    },
    "entry": {
        "payment": "payments.entry.payment",
        "payment_reversal": "payments.entry.payment_reversal",
        "deduction": "payments.entry.deduction",
        "deduction_reversal": "payments.entry.deduction_reversal",
        "credit_application": "payments.entry.credit_application",
        "red_invoice": "payments.entry.red_invoice",
        "return_credit": "payments.entry.return_credit",
    },
}


def _amount(text: str | None, field: str = "amount") -> Decimal | None:
    if not text or not text.strip():
        return None
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        raise Invalid("payments.page.not_an_amount", field=field, value=text) from None
    if not value.is_finite() or value <= 0 or value != value.quantize(Decimal("0.01")):
        raise Invalid("payments.page.not_an_amount", field=field, value=text)
    return value


def _chosen(pairs: list[str]) -> list[DeductionRef]:
    """Deductions ticked on the form, written `kind:id`."""
    found = []
    for pair in pairs:
        kind, _, number = pair.partition(":")
        if kind in ("discount_credit", "statement_adjustment") and number.isdigit():
            found.append(DeductionRef.model_validate({"kind": kind, "id": int(number)}))
    return found


# --- The list ---------------------------------------------------------------------------------


@router.get("/payments")
async def payments(
    view: Anyone,
    customer: CustomerQuery = None,
    state: Annotated[str | None, Query(max_length=16, pattern=r"^(recorded|reversed)?$")] = None,
    offset: Offset = 0,
) -> HTMLResponse:
    """Payments, latest value date first, by customer and state."""
    filters = {"customer": (customer or "").strip(), "state": state or ""}
    found = await view.read(
        queries.search,
        customer_code=filters["customer"] or None,
        state=filters["state"] or None,
        limit=sheets.PAGE + 1,
        offset=offset,
    )
    following = None
    if len(found) > sheets.PAGE:
        query = "&".join(f"{k}={v}" for k, v in filters.items() if v)
        following = f"/web/payments?{query}&offset={offset + sheets.PAGE}"
    return view.render(
        "payments/list.html",
        payments=found[: sheets.PAGE],
        filters=filters,
        following=following,
        words=WORDS,
    )


# --- Recording one, with the allocation it would get ------------------------------------------


async def record_page(
    view: Page,
    customer: str,
    amount: Decimal | None,
    chosen: list[DeductionRef],
    error: DomainError | None = None,
    values: dict[str, str] | None = None,
) -> HTMLResponse:
    preview = None
    if customer:
        try:
            preview = await view.read(
                sheets.preview,
                customer_code=customer,
                amount=amount or Decimal("0.00"),
                chosen=chosen,
            )
        except DomainError as refused:
            error = error or refused
    return view.show(
        "payments/new.html",
        error,
        preview=preview,
        customer=customer,
        amount=amount,
        today=view.ctx.today,
        words=WORDS,
        values=values or {},
    )


@router.get("/payments/new")
async def new(
    view: Finance,
    customer: CustomerQuery = None,
    amount: AmountQuery = None,
    deduction: Annotated[list[str] | None, Query(max_length=100)] = None,
) -> HTMLResponse:
    """The record form; with a customer and an amount, the allocation it would get."""
    code = (customer or "").strip()
    try:
        value = _amount(amount)
    except Invalid as refused:
        return await record_page(view, "", None, [], refused, {"customer": code})
    return await record_page(view, code, value, _chosen(deduction or []))


def _payment_in(form: FormData) -> tuple[PaymentIn, list[int]]:
    """The payment the form describes: its rows with an amount as the remittance (in their
    order), the deductions ticked; and the form's row of each remittance line."""
    rows: list[int] = []
    remittance = []
    for row in range(MAX_ROWS):
        number = str(form.get(f"alloc[{row}].invoice_no") or "").strip()
        amount = str(form.get(f"alloc[{row}].amount") or "").strip()
        if not number:
            break
        if amount and amount not in {"0", "0.0", "0.00"}:
            rows.append(row)
            remittance.append({"invoice_no": number, "amount": amount})
    body: dict[str, Any] = {
        k: str(form.get(k) or "").strip()
        for k in ("customer_code", "amount", "value_date", "payer", "bank_reference", "note")
    }
    body["remittance"] = remittance
    body["deductions"] = [
        r.model_dump() for r in _chosen([str(d) for d in form.getlist("deduction")])
    ]
    try:
        return PaymentIn.model_validate(body), rows
    except ValidationError as error:
        raise FormRefused([input_error(e) for e in error.errors()]) from None


@router.post("/payments")
async def record(view: Finance) -> Response:
    """Record the payment as the form shows it."""
    form = await view.form()
    rows: list[int] = []
    try:
        data, rows = _payment_in(form)
        made = await view.act(recording.record, form=form, data=data)
    except (DomainError, WorkflowError) as error:
        values = typed(form)
        chosen = _chosen([str(d) for d in form.getlist("deduction")])
        try:
            amount = _amount(values.get("amount"))
        except Invalid:
            amount = None
        return await record_page(
            view,
            values.get("customer_code", ""),
            amount,
            chosen,
            on_rows(refusal(error), rows, sent="remittance", shown="alloc"),
            values,
        )
    return view.go(f"/web/payments/{made['payment_no']}", "payments.done.record")


# --- One payment ------------------------------------------------------------------------------


async def payment_page(
    view: Page,
    payment_no: str,
    error: DomainError | None = None,
    values: dict[str, str] | None = None,
) -> HTMLResponse:
    payment = await view.read(queries.get, payment_no=payment_no)
    shown = {
        "p": payment,
        "words": WORDS,
        **await view.document("payment", payment.id, payment.state),
        "values": values or {},
    }
    return view.show("payments/page.html", error, **shown)


@router.get("/payments/{payment_no}")
async def one(payment_no: PaymentNo, view: Anyone) -> HTMLResponse:
    return await payment_page(view, payment_no)


@router.post("/payments/{payment_no}/reverse")
async def reverse(payment_no: PaymentNo, view: Finance) -> Response:
    form = await view.form()
    try:
        version = shown_version(form)
        data = parse(ReverseIn, without(form, "version"))
        await view.act(
            at_version(usecases.reverse),
            form=form,
            data=data,
            payment_no=payment_no,
            version=version,
        )
    except (DomainError, WorkflowError) as error:
        return await payment_page(view, payment_no, refusal(error), typed(form))
    return view.go(f"/web/payments/{payment_no}", "payments.done.reverse")


# --- A customer's credit --------------------------------------------------------------------


async def credit_page(
    view: Page, code: str, error: DomainError | None = None, values: dict[str, str] | None = None
) -> HTMLResponse:
    credit = await view.read(queries.credit_of, code=code)
    preview = await view.read(
        sheets.preview, customer_code=code, amount=credit.unapplied, chosen=[]
    )
    paid = await view.read(queries.payments_of, code=code, limit=20)
    return view.show(
        "payments/credit.html",
        error,
        credit=credit,
        preview=preview,
        payments=paid,
        today=view.ctx.today,
        words=WORDS,
        values=values or {},
    )


@router.get("/customers/{code}/credit")
async def credit(code: CustomerCode, view: Anyone) -> HTMLResponse:
    """What the customer owes and the credit held for it, its open invoices, its payments."""
    return await credit_page(view, code)


@router.post("/customers/{code}/credit/apply")
async def apply_credit(code: CustomerCode, view: Finance) -> Response:
    form = await view.form()
    try:
        data = parse(CreditApplyIn, form)
        await view.act(usecases.apply_credit, form=form, data=data, code=code)
    except (DomainError, WorkflowError) as error:
        return await credit_page(view, code, refusal(error), typed(form))
    return view.go(f"/web/customers/{code}/credit", "payments.done.apply")
