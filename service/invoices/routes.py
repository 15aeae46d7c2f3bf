"""HTTP routes for invoices: make, issue, send, sign, discard, read, history."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from fastapi.responses import JSONResponse
from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload, selectinload

from service import journal
from service.http import AppContext, Call, Change, Ctx, CurrentActor, creating
from service.invoices import usecases
from service.invoices.models import Invoice, InvoiceLine
from service.invoices.schemas import (
    InvoiceCreate,
    InvoiceIssue,
    InvoiceLineOut,
    InvoiceOut,
    InvoiceSend,
    InvoiceSign,
)
from service.masterdata import queries
from service.schemas import EventOut
from service.workflow import Workflows

router = APIRouter(prefix="/invoices", tags=["invoices"])


def to_out(invoice: Invoice, workflows: Workflows) -> InvoiceOut:
    return InvoiceOut.model_validate(
        {
            **{
                name: getattr(invoice, name)
                for name in InvoiceOut.model_fields
                if hasattr(invoice, name) and name not in {"lines", "customer_code"}
            },
            "customer_code": invoice.customer.code,
            "lines": [
                InvoiceLineOut.model_validate(
                    {
                        **{
                            n: getattr(line, n)
                            for n in InvoiceLineOut.model_fields
                            if n != "item_code"
                        },
                        "item_code": line.item.code,
                    }
                )
                for line in invoice.lines
            ],
            "allowed_triggers": workflows[usecases.MACHINE].allowed_triggers(invoice.state),
        }
    )


def _answer(ctx: AppContext, change: Callable[[Session], Invoice]) -> Callable[[Session], Any]:
    """The work of a request: make the change, answer with the invoice as stored now."""

    def work(session: Session) -> object:
        invoice = change(session)
        session.flush()
        session.expire_all()  # corrections may have replaced lines: read them back as stored
        return to_out(usecases.load(session, invoice.id), ctx.workflows).model_dump(mode="json")

    return work


@router.post(
    "",
    status_code=201,
    response_model=InvoiceOut,
    summary="Make the invoice of a receipted order from what was received (R9-R12)",
)
def create_invoice(
    body: InvoiceCreate, call: Annotated[Call, Depends(creating("finance"))]
) -> JSONResponse:
    ctx = call.ctx
    return call.respond(
        _answer(
            ctx,
            lambda s: usecases.create(
                s,
                actor=call.actor,
                workflows=ctx.workflows,
                order_id=body.order_id,
                today=ctx.today(),
                max_lines=ctx.settings.invoice_max_lines,
            ),
        ),
        body=body.model_dump(mode="json"),
        status_code=201,
    )


@router.get("", response_model=list[InvoiceOut], summary="List invoices")
def list_invoices(
    ctx: Ctx,
    _actor: CurrentActor,
    state: str | None = None,
    customer_code: str | None = None,
    order_id: int | None = None,
    kind: str | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[InvoiceOut]:
    with ctx.db.read() as session:
        stmt = (
            select(Invoice)
            .options(
                joinedload(Invoice.customer),
                selectinload(Invoice.lines).joinedload(InvoiceLine.item),
            )
            .order_by(Invoice.id.desc())
            .limit(limit)
            .offset(offset)
        )
        if state:
            stmt = stmt.where(Invoice.state == state)
        if kind:
            stmt = stmt.where(Invoice.kind == kind)
        if order_id is not None:
            stmt = stmt.where(Invoice.order_id == order_id)
        if customer_code:
            stmt = stmt.where(
                Invoice.customer_id == queries.customer_by_code(session, customer_code).id
            )
        return [to_out(i, ctx.workflows) for i in session.scalars(stmt)]


@router.get("/{invoice_id}", response_model=InvoiceOut)
def get_invoice(invoice_id: int, ctx: Ctx, _actor: CurrentActor) -> JSONResponse:
    with ctx.db.read() as session:
        invoice = to_out(usecases.load(session, invoice_id), ctx.workflows)
    return JSONResponse(invoice.model_dump(mode="json"), headers={"ETag": f'"{invoice.version}"'})


@router.get("/{invoice_id}/history", response_model=list[EventOut])
def invoice_history(invoice_id: int, ctx: Ctx, _actor: CurrentActor) -> list[EventOut]:
    with ctx.db.read() as session:
        usecases.load(session, invoice_id)
        return [
            EventOut.model_validate(e)
            for e in journal.history(session, usecases.MACHINE, invoice_id)
        ]


@router.post(
    "/{invoice_id}/issue",
    response_model=InvoiceOut,
    summary="Record the fapiao number and date the tax system issued",
)
def issue_invoice(invoice_id: int, body: InvoiceIssue, call: Change) -> JSONResponse:
    ctx = call.ctx
    return call.respond(
        _answer(
            ctx,
            lambda s: usecases.issue(
                s,
                actor=call.actor,
                workflows=ctx.workflows,
                invoice_id=invoice_id,
                fapiao_no=body.fapiao_no,
                fapiao_date=body.fapiao_date,
                today=ctx.today(),
                expected_version=call.version,
            ),
        ),
        body=body.model_dump(mode="json"),
    )


@router.post(
    "/{invoice_id}/send",
    response_model=InvoiceOut,
    summary="Record sending to the branch or the settlement centre (R13)",
)
def send_invoice(invoice_id: int, body: InvoiceSend, call: Change) -> JSONResponse:
    ctx = call.ctx
    return call.respond(
        _answer(
            ctx,
            lambda s: usecases.send(
                s,
                actor=call.actor,
                workflows=ctx.workflows,
                invoice_id=invoice_id,
                sent_on=body.sent_on,
                tracking_no=body.tracking_no,
                today=ctx.today(),
                expected_version=call.version,
            ),
        ),
        body=body.model_dump(mode="json"),
    )


@router.post(
    "/{invoice_id}/sign",
    response_model=InvoiceOut,
    summary="Record the customer's signature and its date",
)
def sign_invoice(invoice_id: int, body: InvoiceSign, call: Change) -> JSONResponse:
    ctx = call.ctx
    return call.respond(
        _answer(
            ctx,
            lambda s: usecases.sign(
                s,
                actor=call.actor,
                workflows=ctx.workflows,
                invoice_id=invoice_id,
                signed_on=body.signed_on,
                signed_by=body.signed_by,
                today=ctx.today(),
                expected_version=call.version,
            ),
        ),
        body=body.model_dump(mode="json"),
    )


@router.post(
    "/{invoice_id}/discard",
    response_model=InvoiceOut,
    summary="Throw away a draft; owed quantities wait for the next invoice again",
)
def discard_invoice(invoice_id: int, call: Change) -> JSONResponse:
    ctx = call.ctx
    return call.respond(
        _answer(
            ctx,
            lambda s: usecases.discard(
                s,
                actor=call.actor,
                workflows=ctx.workflows,
                invoice_id=invoice_id,
                today=ctx.today(),
                expected_version=call.version,
            ),
        ),
    )
