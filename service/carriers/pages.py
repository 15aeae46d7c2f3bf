"""The carriers' board (R7): per carrier, the signed receipts it reported after 2 working days,
with the late receipts listed and the deliveries being chased now.

The period is chosen on the page; without one, the board shows the last 90 days (the filter
shows it, and emptying a date removes that bound). A date that is not one is refused next to
its input, with what was typed kept.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse
from starlette.datastructures import FormData

from service.carriers import queries
from service.errors import DomainError, Invalid
from service.schemas import MAX_ID, Day, Request
from service.web.forms import parse
from service.web.pages import Anyone, renderer

router = APIRouter(prefix="/web/carriers", include_in_schema=False)
DEFAULT_DAYS = 90
# Where people's tasks are listed, when the service has that page (the tasks feature's).
TASKS_PAGE = "/web/tasks"


class Period(Request):
    """Receipts signed from `since` to `until`, both included."""

    since: Day | None = None
    until: Day | None = None


def _period(since: str | None, until: str | None, today: date) -> Period:
    """The period asked for: not asked, the last 90 days; an emptied date, no bound."""
    if since is None and until is None:
        return Period(since=today - timedelta(days=DEFAULT_DAYS))
    period = parse(Period, FormData([("since", since or ""), ("until", until or "")]))
    if period.since and period.until and period.since > period.until:
        raise Invalid(
            "carrier.period_reversed", field="until", since=period.since, until=period.until
        )
    return period


@router.get("")
async def carriers(
    view: Anyone,
    since: Annotated[str | None, Query(max_length=10)] = None,
    until: Annotated[str | None, Query(max_length=10)] = None,
    carrier: Annotated[str | None, Query(max_length=100)] = None,
    before: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
) -> HTMLResponse:
    typed = {"since": since or "", "until": until or ""}
    try:
        period = _period(since, until, view.ctx.today)
    except DomainError as error:
        return view.refused("carriers/board.html", error, board=None, values=typed, carrier="")
    shown = await view.read(
        queries.board,
        since=period.since,
        until=period.until,
        carrier=carrier or None,
        before=before,
    )
    values = {"since": str(period.since or ""), "until": str(period.until or "")}
    following = None
    if shown.following is not None:
        following = "/web/carriers?" + urlencode(
            {**values, "carrier": carrier or "", "before": shown.following}
        )
    roles = view.signed_in.actor.roles
    tasks = any(m.path == TASKS_PAGE for m in renderer(view.request).menu_for(roles))
    return view.render(
        "carriers/board.html",
        board=shown,
        values=values,
        carrier=carrier or "",
        following=following,
        tasks=f"{TASKS_PAGE}?kind={queries.CARRIER_RECEIPT_OVERDUE}" if tasks else None,
    )
