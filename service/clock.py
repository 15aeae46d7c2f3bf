"""Business dates: the calendar day in the service's time zone (Asia/Shanghai by default)."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from service.db import utcnow


def business_date(tz: ZoneInfo, at: datetime | None = None) -> date:
    return (at or utcnow()).astimezone(tz).date()
