"""R7: the carrier reports the signed receipt within 2 working days of signature."""

from __future__ import annotations

from datetime import date

from service.workdays import add_working_days

CARRIER_RECEIPT_OVERDUE = "carrier_receipt_overdue"
CARRIER_REPORT_WORKING_DAYS = 2


def report_deadline(signed_on: date) -> date:
    """The last working day on which the carrier may report a receipt signed on `signed_on`."""
    return add_working_days(signed_on, CARRIER_REPORT_WORKING_DAYS)
