"""The working-day calendar's page: the years known (the package's and those loaded, with their
source and who loaded them) and, for admins, loading a year's notice from a file."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse
from pydantic import ValidationError
from starlette.datastructures import FormData, UploadFile

from service.calendar_years.notice import MAX_FILE_BYTES, file_name
from service.calendar_years.queries import calendar_years
from service.calendar_years.schemas import CalendarFileIn, CalendarLoadOut
from service.calendar_years.usecases import load
from service.errors import DomainError, Invalid
from service.plugins import MenuEntry
from service.problems import input_error
from service.web.forms import FormRefused
from service.web.pages import Anyone, Page, page

router = APIRouter(prefix="/web/calendar", include_in_schema=False)
TEMPLATES = Path(__file__).parent / "templates"
MENU = MenuEntry("/web/calendar", "calendar.menu", ("admin",))
Admins = Annotated[Page, page("admin")]
OUTCOMES = {
    "loaded": "calendar.outcome.loaded",
    "dry_run": "calendar.outcome.dry_run",
    "already_loaded": "calendar.outcome.already_loaded",
    "same_as_package": "calendar.outcome.same_as_package",
}


async def _page(
    view: Page,
    *,
    values: dict[str, str] | None = None,
    outcome: CalendarLoadOut | None = None,
    error: DomainError | None = None,
) -> HTMLResponse:
    years = await view.read(calendar_years)
    shown: dict[str, Any] = {
        "years": years,
        "values": values or {},
        "outcome": outcome,
        "outcome_words": OUTCOMES.get(outcome.outcome) if outcome is not None else None,
        "may_load": "admin" in view.signed_in.actor.roles,
        "problems": [e.reason(view.locale) for e in error.errors] if error is not None else [],
    }
    return view.show("calendar/years.html", error, **shown)


@router.get("")
async def years_page(view: Anyone) -> HTMLResponse:
    return await _page(view)


async def _file(form: FormData) -> CalendarFileIn:
    """The notice from the form: the uploaded file if one was chosen, else the pasted text."""
    upload = form.get("upload")
    name = "calendar.yaml"
    text = str(form.get("yaml") or "")
    if isinstance(upload, UploadFile) and upload.filename:
        content = await upload.read(MAX_FILE_BYTES + 1)
        if len(content) > MAX_FILE_BYTES:
            raise Invalid("calendar.file_too_large", field="yaml", file="", max=MAX_FILE_BYTES)
        try:
            text = content.decode("utf-8")
        except UnicodeDecodeError:
            raise Invalid("calendar.file_not_text", field="yaml") from None
        name = file_name(upload.filename)
    if not text.strip():
        raise Invalid("calendar.file_missing", field="yaml")
    try:
        return CalendarFileIn(yaml=text, file=name, dry_run=bool(form.get("dry_run")))
    except ValidationError as error:
        raise FormRefused([input_error(e) for e in error.errors()]) from None


@router.post("")
async def load_page(view: Admins) -> HTMLResponse:
    """Load (or only check, `dry_run`) a year; a refused file is shown with every problem."""
    form = await view.form()
    typed = str(form.get("yaml") or "")
    try:
        body = await _file(form)
        typed = body.yaml
        answer = await view.act(load, form=form, data=body)
    except DomainError as error:
        return await _page(view, values={"yaml": typed}, error=error)
    return await _page(view, outcome=CalendarLoadOut.model_validate(answer))
