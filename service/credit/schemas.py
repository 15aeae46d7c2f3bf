"""Credit request and response bodies."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from pydantic import Field

from service.schemas import Reason, Request, Response, Text


class CreditRecordOut(Response):
    """A customer's payment record (R32) with its grade and limit; `figures` are named as in
    `service/credit/record.py` (and as the credit_review rules read them)."""

    customer_code: str
    customer_name: str
    grade: str
    credit_limit: Decimal
    as_of: date
    lookback_days: int
    figures: dict[str, Any]


class CreditProposalOut(Response):
    id: int
    customer_code: str
    period: str
    grade_before: str
    grade_after: str
    limit_before: Decimal
    limit_after: Decimal
    reason: str
    figures: dict[str, Any]
    decision: dict[str, Any]
    state: str
    version: int
    decided_by: str | None
    decided_at: datetime | None
    decision_note: str
    created_at: datetime
    allowed_triggers: list[str]


class ProposalApprove(Request):
    note: Text = Field(default="", max_length=2000)


class ProposalReject(Request):
    note: Reason = Field(description="why the proposal is rejected; required")
