"""HTTP routes: record a customer's booking; finance's invoice exception queue (R14-R18)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session

from rules import RuleSet
from service import journal
from service.db import utcnow
from service.discrepancies import booking as bookings
from service.discrepancies import usecases
from service.discrepancies.models import InvoiceException
from service.discrepancies.schemas import (
    BookingCreate,
    BookingOut,
    ConfirmIn,
    EvidenceIn,
    EvidenceOut,
    ExceptionOut,
    OverrideIn,
)
from service.http import AppContext, Call, Change, Ctx, CurrentActor, changing, creating
from service.masterdata import queries
from service.schemas import EventOut

router = APIRouter(tags=["invoice exceptions"])
FinanceChange = Annotated[Call, Depends(changing("finance", "hq"))]


def rules_for(ctx: AppContext) -> Callable[[date], RuleSet]:
    return partial(ctx.rules.in_force, usecases.RULESET)


def to_out(exc: InvoiceException, ctx: AppContext) -> ExceptionOut:
    """Open exceptions show what the rules in force decide now; resolved ones what was done."""
    decision = (
        usecases.live_decision(exc, rules_for(ctx)(ctx.today()))
        if exc.state == "open"
        else exc.decision
    )
    params: dict[str, Any] = {}
    for action in decision.get("actions", []):
        if action.get("name") == "resolve":
            params = action.get("params", {})
    required = [str(k) for k in params.get("evidence", [])]
    attached = {ev.kind for ev in exc.evidence}
    return ExceptionOut(
        **{
            name: getattr(exc, name)
            for name in (
                "id",
                "invoice_id",
                "kind",
                "state",
                "version",
                "item_code",
                "booked_item_code",
                "invoiced_qty",
                "booked_qty",
                "invoiced_unit_price",
                "booked_unit_price",
                "quantity_difference",
                "amount_difference",
                "line_tax_difference",
                "invoice_tax_difference",
                "discount_difference",
                "overridden",
                "override_reason",
                "confirmed_by",
                "confirmed_at",
                "result",
                "created_at",
            )
        },
        decision=decision,
        invoice_no=exc.invoice.invoice_no,
        customer_code=exc.invoice.customer.code,
        age_days=(utcnow() - exc.created_at).days,
        explanation=str(decision.get("explanation", "")) or "no rule decides: a person must",
        resolution=exc.resolution or params.get("resolution"),
        required_evidence=required,
        missing_evidence=[k for k in required if k not in attached],
        confirm_by=params.get("confirm_by"),
        evidence=[
            EvidenceOut(
                kind=ev.kind,
                attachment_id=ev.attachment_id,
                sha256=ev.attachment.sha256,
                attached_by=ev.attached_by,
                attached_at=ev.attached_at,
            )
            for ev in exc.evidence
        ],
        allowed_triggers=ctx.workflows[usecases.MACHINE].allowed_triggers(exc.state),
    )


@router.post(
    "/invoices/{invoice_id}/booking",
    status_code=201,
    response_model=BookingOut,
    tags=["invoices"],
    summary="Record what the customer booked; one exception per discrepancy",
)
def record_booking(
    invoice_id: int,
    body: BookingCreate,
    call: Annotated[Call, Depends(creating("finance", "sales"))],
) -> JSONResponse:
    ctx = call.ctx

    def work(session: Session) -> object:
        booking, opened = bookings.record_booking(
            session,
            actor=call.actor,
            workflows=ctx.workflows,
            invoice_id=invoice_id,
            data=body,
            rules_for=rules_for(ctx),
            today=ctx.today(),
        )
        return BookingOut(
            booking_id=booking.id,
            invoice_id=invoice_id,
            reference=booking.reference,
            exceptions=[to_out(usecases.load(session, e.id), ctx) for e in opened],
        ).model_dump(mode="json")

    return call.respond(work, body=body.model_dump(mode="json"), status_code=201)


@router.get(
    "/invoice-exceptions",
    response_model=list[ExceptionOut],
    summary="Finance's exception queue: filter by customer, kind, age, amount",
)
def exception_queue(
    ctx: Ctx,
    _actor: CurrentActor,
    state: str | None = "open",
    customer_code: str | None = None,
    kind: str | None = None,
    min_age_days: Annotated[int | None, Query(ge=0)] = None,
    min_amount: Annotated[Decimal | None, Query(ge=0, description="|amount difference|")] = None,
    max_amount: Annotated[Decimal | None, Query(ge=0)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[ExceptionOut]:
    cutoff = None
    if min_age_days is not None:
        day = ctx.today() - timedelta(days=min_age_days)
        cutoff = datetime.combine(day + timedelta(days=1), time(), tzinfo=ctx.settings.tz)
    with ctx.db.read() as session:
        customer_id = queries.customer_by_code(session, customer_code).id if customer_code else None
        found = usecases.queue(
            session,
            state=state,
            customer_id=customer_id,
            kind=kind,
            min_age_days=min_age_days,
            min_amount=min_amount,
            max_amount=max_amount,
            today_start=cutoff,
            limit=limit,
            offset=offset,
        )
        return [to_out(exc, ctx) for exc in found]


@router.get("/invoice-exceptions/{exception_id}", response_model=ExceptionOut)
def get_exception(exception_id: int, ctx: Ctx, _actor: CurrentActor) -> JSONResponse:
    with ctx.db.read() as session:
        out = to_out(usecases.load(session, exception_id), ctx)
    return JSONResponse(out.model_dump(mode="json"), headers={"ETag": f'"{out.version}"'})


@router.get("/invoice-exceptions/{exception_id}/history", response_model=list[EventOut])
def exception_history(exception_id: int, ctx: Ctx, _actor: CurrentActor) -> list[EventOut]:
    with ctx.db.read() as session:
        usecases.load(session, exception_id)
        return [
            EventOut.model_validate(e)
            for e in journal.history(session, usecases.MACHINE, exception_id)
        ]


def _answer(
    ctx: AppContext, change: Callable[[Session], InvoiceException]
) -> Callable[[Session], Any]:
    """The work of a request: make the change, answer with the exception as stored now."""

    def work(session: Session) -> object:
        exc = change(session)
        session.flush()
        session.expire_all()
        return to_out(usecases.load(session, exc.id), ctx).model_dump(mode="json")

    return work


@router.post(
    "/invoice-exceptions/{exception_id}/evidence",
    response_model=ExceptionOut,
    summary="Attach evidence; the rules decide again with it",
)
def attach_evidence(exception_id: int, body: EvidenceIn, call: Change) -> JSONResponse:
    ctx = call.ctx
    return call.respond(
        _answer(
            ctx,
            lambda s: usecases.attach_evidence(
                s,
                actor=call.actor,
                workflows=ctx.workflows,
                exception_id=exception_id,
                kind=body.kind,
                attachment_id=body.attachment_id,
                rules_for=rules_for(ctx),
                today=ctx.today(),
                expected_version=call.version,
            ),
        ),
        body=body.model_dump(mode="json"),
    )


@router.post(
    "/invoice-exceptions/{exception_id}/confirm",
    response_model=ExceptionOut,
    summary="Confirm the decided resolution; it is carried out",
)
def confirm_exception(
    exception_id: int, call: FinanceChange, body: ConfirmIn | None = None
) -> JSONResponse:
    ctx = call.ctx
    confirm = body or ConfirmIn()
    return call.respond(
        _answer(
            ctx,
            lambda s: usecases.confirm(
                s,
                actor=call.actor,
                workflows=ctx.workflows,
                exception_id=exception_id,
                rules_for=rules_for(ctx),
                today=ctx.today(),
                max_lines=ctx.settings.invoice_max_lines,
                note=confirm.note,
                expected_resolution=confirm.expected_resolution,
                expected_version=call.version,
            ),
        ),
        body=confirm.model_dump(mode="json"),
    )


@router.post(
    "/invoice-exceptions/{exception_id}/override",
    response_model=ExceptionOut,
    summary="Resolve differently from the rules, with a written reason (recorded)",
)
def override_exception(exception_id: int, body: OverrideIn, call: FinanceChange) -> JSONResponse:
    ctx = call.ctx
    return call.respond(
        _answer(
            ctx,
            lambda s: usecases.override(
                s,
                actor=call.actor,
                workflows=ctx.workflows,
                exception_id=exception_id,
                resolution=body.resolution,
                reason=body.reason,
                rules_for=rules_for(ctx),
                today=ctx.today(),
                max_lines=ctx.settings.invoice_max_lines,
                expected_version=call.version,
            ),
        ),
        body=body.model_dump(mode="json"),
    )
