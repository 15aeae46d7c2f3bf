"""Logging in and out, choosing the language, the home page, and refusals as pages."""

from __future__ import annotations

import secrets
from urllib.parse import quote, urlsplit

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.exc import SQLAlchemyError

from service import i18n
from service.auth import passwords
from service.auth.tokens import Actor
from service.errors import DomainError, Forbidden
from service.runtime import Runtime
from service.web import sessions
from service.web.pages import LANG_COOKIE, Anyone, LoginRequired, locale_of, renderer

router = APIRouter(include_in_schema=False)
LOGIN_COOKIE = "o2c_login"


def _safe(next_path: str | None) -> str:
    """Only a path of this service (no open redirect to another site)."""
    path = (next_path or "").strip()
    parts = urlsplit(path)
    if not path.startswith("/") or path.startswith("//") or parts.scheme or parts.netloc:
        return "/web"
    return path


def _login_page(
    request: Request, *, next_path: str, username: str, problem: str | None, status_code: int = 200
) -> HTMLResponse:
    """The login form. It carries a token also set as a cookie, so a login can only be sent from
    this form: another site cannot log a browser in under the attacker's name (login CSRF)."""
    token = secrets.token_urlsafe(24)
    html = renderer(request).render(
        "login.html",
        locale=locale_of(request),
        values={
            "next_path": next_path,
            "username": username,
            "problem": problem,
            "login_token": token,
        },
    )
    response = HTMLResponse(html, status_code=status_code)
    response.set_cookie(
        LOGIN_COOKIE,
        token,
        max_age=3600,
        httponly=True,
        samesite="lax",
        path="/login",  # not a credential: only proves the form came from here
    )
    return response


@router.get("/login")
async def login_form(request: Request, next: str | None = None) -> HTMLResponse:
    return _login_page(request, next_path=_safe(next), username="", problem=None)


def _login(runtime: Runtime, username: str, password: str) -> tuple[Actor | DomainError, str]:
    with runtime.db.write() as session:
        outcome = passwords.login(
            session, username=username, password=password, demo_mode=runtime.settings.demo
        )
        token = ""
        if isinstance(outcome, Actor):
            token = sessions.start(session, outcome, hours=runtime.settings.session_hours)
    return outcome, token


@router.post("/login")
async def login(request: Request) -> Response:
    form = await request.form()
    username = str(form.get("username") or "")[:64]
    password = str(form.get("password") or "")[:200]
    next_path = _safe(str(form.get("next") or ""))
    runtime: Runtime = request.app.state.ctx
    if not sessions.same_token(
        str(form.get("login_token") or ""), request.cookies.get(LOGIN_COOKIE) or ""
    ):
        stale = Forbidden("form.token_mismatch")
        return _login_page(
            request,
            next_path=next_path,
            username=username,
            problem=stale.message(locale_of(request)),
            status_code=stale.status,
        )
    outcome, token = await run_in_threadpool(_login, runtime, username, password)
    if isinstance(outcome, DomainError):
        return _login_page(
            request,
            next_path=next_path,
            username=username,
            problem=outcome.message(locale_of(request)),
            status_code=outcome.status,
        )
    response = RedirectResponse(next_path, status_code=303)
    response.delete_cookie(LOGIN_COOKIE, path="/login")
    response.set_cookie(
        sessions.COOKIE,
        token,
        max_age=runtime.settings.session_hours * 3600,
        httponly=True,
        samesite="lax",
        secure=_over_tls(request),
        path="/",
    )
    return response


def _over_tls(request: Request) -> bool:
    forwarded = request.headers.get("x-forwarded-proto", "")
    return request.url.scheme == "https" or forwarded.split(",")[0].strip() == "https"


def _logout(runtime: Runtime, token: str | None) -> None:
    with runtime.db.write() as session:
        sessions.end(session, token)


@router.post("/logout")
async def logout(page: Anyone) -> Response:
    await page.form()  # the form token: another site cannot log people out
    await run_in_threadpool(_logout, page.runtime, page.request.cookies.get(sessions.COOKIE))
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(sessions.COOKIE, path="/")
    return response


@router.get("/lang/{locale}")
async def choose_language(locale: str, next: str | None = None) -> Response:
    response = RedirectResponse(_safe(next), status_code=303)
    if locale in i18n.LOCALES:
        response.set_cookie(LANG_COOKIE, locale, max_age=365 * 86400, samesite="lax", path="/")
    return response


@router.get("/")
async def root() -> Response:
    return RedirectResponse("/web", status_code=303)


@router.get("/web")
async def home(page: Anyone) -> HTMLResponse:
    return page.render("home.html")


def login_redirect(request: Request, exc: LoginRequired) -> Response:
    back = exc.next_path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/login?next={quote(back)}", status_code=303)


def problem_page(request: Request, error: DomainError) -> HTMLResponse:
    """A refusal met outside a form (a document that does not exist, a page of another role):
    with the menu when the reader is signed in, so the way on is one click."""
    locale = locale_of(request)
    kit = renderer(request)
    values: dict[str, object] = {
        "title": i18n.text(error.title, locale, {}),
        "detail": error.message(locale),
        "user": None,
    }
    signed_in = _signed_in(request)
    if signed_in is not None:
        values |= {
            "user": signed_in,
            "menu": kit.menu_for(signed_in.actor.roles),
            "csrf": signed_in.csrf,
            "path": request.url.path,
            "done": None,
            "problem": None,
        }
    return HTMLResponse(kit.render("error.html", locale=locale, values=values), error.status)


def _signed_in(request: Request) -> sessions.SignedIn | None:
    """The reader's session, when there is one and the database answers (a refusal may be
    that it does not)."""
    cookie = request.cookies.get(sessions.COOKIE)
    if not cookie:
        return None
    runtime: Runtime = request.app.state.ctx
    try:
        with runtime.db.lookup() as connection:
            return sessions.resolve(connection, cookie)
    except SQLAlchemyError:
        return None
