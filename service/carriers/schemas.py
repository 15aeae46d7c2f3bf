"""Carrier lateness answers (R7)."""

from __future__ import annotations

from datetime import date

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
