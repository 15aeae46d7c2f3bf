"""HTTP routes: payments received, deductions, customers' unapplied credit."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query

from service.http import Call, Limit, Offset, PathId, Reader, changing, creating, trigger
from service.payments import queries, recording, usecases
from service.payments.schemas import (
    CreditApplyIn,
    CreditOut,
    CustomerCreditOut,
    DeductionIn,
    DeductionOut,
    PaymentIn,
    PaymentOut,
    PaymentState,
    PaymentSummary,
    ReverseIn,
)
from service.schemas import Code, Day, EventOut

router = APIRouter(tags=["payments"])
PaymentNo = Annotated[str, Path(min_length=1, max_length=32, description="e.g. SK2026000001")]
CustomerCode = Annotated[str, Path(min_length=1, max_length=32, description="the customer's code")]
Finance = Annotated[Call, Depends(creating("finance"))]


@router.post(
    "/payments",
    status_code=201,
    summary="Record a payment received, allocated oldest due first or as the remittance says",
)
async def record_payment(body: PaymentIn, call: Finance) -> PaymentOut:
    return await call.run(recording.record, data=body)


@router.get("/payments", summary="Payments, latest value date first (filters, paged)")
async def list_payments(
    read: Reader,
    customer_code: Code | None = None,
    state: PaymentState | None = None,
    value_from: Day | None = None,
    value_to: Day | None = None,
    bank_reference: Annotated[str | None, Query(min_length=1, max_length=64)] = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> list[PaymentSummary]:
    return await read.run(
        queries.search,
        customer_code=customer_code,
        state=state,
        value_from=value_from,
        value_to=value_to,
        bank_reference=bank_reference,
        limit=limit,
        offset=offset,
    )


@router.get(
    "/payments/{payment_no}",
    summary="A payment with its deductions and what it applied to each invoice",
)
async def get_payment(payment_no: PaymentNo, read: Reader) -> PaymentOut:
    return await read.run(queries.get, payment_no=payment_no, etag=True)


@router.get("/payments/{payment_no}/history", summary="Every step of the payment")
async def payment_history(payment_no: PaymentNo, read: Reader) -> list[EventOut]:
    return await read.run(queries.history, payment_no=payment_no)


@router.post(
    "/payments/{payment_no}/reverse",
    summary="Reverse a wrongly recorded payment: what it cleared reopens",
)
async def reverse_payment(
    payment_no: PaymentNo, body: ReverseIn, call: Annotated[Call, trigger("payment", "reverse")]
) -> PaymentOut:
    return await call.run(usecases.reverse, payment_no=payment_no, data=body)


@router.get("/customers/{code}/payments", summary="A customer's payments, latest first")
async def customer_payments(
    code: CustomerCode, read: Reader, limit: Limit = 100, offset: Offset = 0
) -> list[PaymentSummary]:
    return await read.run(queries.payments_of, code=code, limit=limit, offset=offset)


@router.get(
    "/customers/{code}/credit",
    summary="What the customer owes on its invoices and its unapplied credit, as stored",
)
async def customer_credit(code: CustomerCode, read: Reader) -> CustomerCreditOut:
    return await read.run(queries.credit_of, code=code)


@router.post(
    "/customers/{code}/credit/apply",
    status_code=201,
    summary="Apply the customer's unapplied credit to its open invoices",
)
async def apply_credit(code: CustomerCode, body: CreditApplyIn, call: Finance) -> CreditOut:
    return await call.run(usecases.apply_credit, code=code, data=body)


@router.post(
    "/deductions",
    status_code=201,
    summary="A deduction the customer made (receipt offset, statement adjustment), on its own",
)
async def record_deduction(body: DeductionIn, call: Finance) -> DeductionOut:
    return await call.run(usecases.record_deduction, data=body)


@router.get("/deductions", summary="Deductions, newest first")
async def list_deductions(
    read: Reader,
    customer_code: Code | None = None,
    standing: bool | None = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> list[DeductionOut]:
    return await read.run(
        queries.deductions,
        customer_code=customer_code,
        standing=standing,
        limit=limit,
        offset=offset,
    )


@router.get("/deductions/{deduction_id}", summary="One deduction with what it applied")
async def get_deduction(deduction_id: PathId, read: Reader) -> DeductionOut:
    return await read.run(queries.deduction, deduction_id=deduction_id)


@router.post(
    "/deductions/{deduction_id}/reverse",
    summary="Reverse a deduction recorded on its own; its source may be deducted again",
)
async def reverse_deduction(
    deduction_id: PathId,
    body: ReverseIn,
    call: Annotated[Call, Depends(changing("finance"))],
) -> DeductionOut:
    return await call.run(usecases.reverse_deduction, deduction_id=deduction_id, data=body)
