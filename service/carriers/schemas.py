"""Carrier answers: lateness (R7) and the claims on shortages found at receipt (R8)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from pydantic import Field

from service.schemas import Response


class LateReceipt(Response):
    order_id: int
    company_order_no: str | None
    receipt_no: str
    receipt_date: date
    report_deadline: date
    reported_on: date


class CarrierLateness(Response):
    carrier: str
    receipts: int
    late: int
    late_receipts: list[LateReceipt]
    claims: int = Field(description="shortages claimed from the carrier (R8)")
    claimed_amount: Decimal = Field(description="what was claimed, in all")
    settled_amount: Decimal = Field(description="what the carrier settled, in all")
    refused_claims: int = Field(description="claims the carrier refused")
    open_claims: int = Field(description="claims awaiting the carrier's answer")
