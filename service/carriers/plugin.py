"""The carriers feature plugs in: the lateness list and R7's scheduled chase."""

from __future__ import annotations

from service.carriers.jobs import carrier_receipt_overdue
from service.carriers.queries import CARRIER_RECEIPT_OVERDUE
from service.carriers.routes import router
from service.plugins import Feature

FEATURE = Feature(
    name="carriers",
    routers=(router,),
    jobs={CARRIER_RECEIPT_OVERDUE: carrier_receipt_overdue},
)
