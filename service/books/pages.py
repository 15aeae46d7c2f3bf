"""The closed period's page: through which day the books are closed, every move of the closing,
and, for finance and admins, closing them through a later day (an admin may move the closing
back, with a reason). The form sends the day it was shown, so a closing moved meanwhile is
refused (`book.changed`) instead of being overwritten."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

from service.books.queries import closed_period
from service.books.schemas import ClosingIn
from service.books.usecases import close
from service.errors import DomainError
from service.plugins import MenuEntry
from service.web.forms import parse
from service.web.pages import Page, page

router = APIRouter(prefix="/web/books", include_in_schema=False)
TEMPLATES = Path(__file__).parent / "templates"
MENU = MenuEntry("/web/books", "books.menu", ("finance", "admin"))
Closers = Annotated[Page, page("finance", "admin")]


async def _page(
    view: Page, *, values: dict[str, str] | None = None, error: DomainError | None = None
) -> HTMLResponse:
    period = await view.read(closed_period)
    return view.show(
        "books/closing.html",
        error,
        period=period,
        values=values or {},
        is_admin="admin" in view.signed_in.actor.roles,
    )


@router.get("")
async def books_page(view: Closers) -> HTMLResponse:
    return await _page(view)


@router.post("")
async def close_page(view: Closers) -> Response:
    form = await view.form()
    try:
        data = parse(ClosingIn, form)
        await view.act(close, form=form, data=data)
    except DomainError as error:
        typed = {k: str(form.get(k) or "") for k in ("through", "reason")}
        return await _page(view, values=typed, error=error)
    return view.go("/web/books", "books.done.close")
