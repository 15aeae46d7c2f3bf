"""What every page route needs: who is signed in, in which language, and how it reads and acts.

`Page` is to pages what `Call` and `Read` are to the API: the same roles, the same use cases, the
same Context, the same idempotency. A page's form carries a key made when the form was shown, so
a double click or a resent form books once (the second answer is the first one's).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar
from urllib.parse import quote

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import BaseModel
from starlette.datastructures import FormData

from service import i18n, idempotency
from service.access import authorize
from service.context import Context
from service.db import utcnow
from service.errors import DomainError, Forbidden
from service.journal import jsonable
from service.runtime import Runtime
from service.web import documents, forms, sessions
from service.web.templating import Renderer, when

Answer = TypeVar("Answer")
LANG_COOKIE = "o2c_lang"


class LoginRequired(Exception):
    """No one is signed in: the page sends the browser to the login form and back."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


def locale_of(request: Request) -> str:
    """The language chosen on the pages (remembered in a cookie), else the browser's."""
    chosen = request.cookies.get(LANG_COOKIE)
    if chosen in i18n.LOCALES:
        return str(chosen)
    return i18n.negotiate(request.headers.get("accept-language"))


def renderer(request: Request) -> Renderer:
    found: Renderer = request.app.state.renderer
    return found


@dataclass
class Page:
    """One page request by a signed-in person."""

    runtime: Runtime
    request: Request
    signed_in: sessions.SignedIn
    locale: str

    @property
    def ctx(self) -> Context:
        return self.runtime.for_actor(self.signed_in.actor)

    def _read(self, query: Callable[..., Any], kwargs: dict[str, Any]) -> Any:
        with self.runtime.db.read() as session:
            return query(session, self.ctx, **kwargs)

    async def read(self, query: Callable[..., Answer], /, **kwargs: Any) -> Answer:
        """`query(session, context, **kwargs)` on a read session."""
        answer: Answer = await run_in_threadpool(self._read, query, kwargs)
        return answer

    async def document(self, machine: str, document_id: int, state: str) -> dict[str, Any]:
        """The lifecycle, next steps, history and panels of a document's page."""
        panels = self.request.app.state.panels.get(machine, [])
        return await self.read(
            documents.lifecycle,
            machine=machine,
            document_id=document_id,
            state=state,
            locale=self.locale,
            panels=panels,
        )

    async def form(self) -> FormData:
        """The posted form, refused unless it carries this session's form token."""
        form = await self.request.form()
        if not sessions.same_token(str(form.get("csrf") or ""), self.signed_in.csrf):
            raise Forbidden("form.token_mismatch")
        return form

    def _act(
        self, usecase: Callable[..., Any], key: str | None, data: BaseModel | None, kwargs: Any
    ) -> Any:
        ctx = self.ctx
        arguments = kwargs if data is None else {**kwargs, "data": data}

        def work(session: Any) -> Any:
            answer = usecase(session, ctx, **arguments)
            return (
                answer.model_dump(mode="json")
                if isinstance(answer, BaseModel)
                else jsonable(answer)
            )

        outcome = idempotency.run(
            self.runtime.db,
            caller=lambda _session: self.signed_in.actor.user_id,
            key=key,
            method="POST",
            path=self.request.url.path,
            body=data.model_dump(mode="json")
            if data is not None
            else jsonable(kwargs.get("body", {})),
            work=work,
        )
        return outcome.body

    async def act(
        self,
        usecase: Callable[..., Any],
        /,
        *,
        form: FormData,
        data: BaseModel | None = None,
        **kwargs: Any,
    ) -> Any:
        """Run a use case once per shown form; its answer as JSON (a replay's is the first)."""
        key = str(form.get("form_key") or "") or None
        async with self.runtime.db.write_gate():
            return await run_in_threadpool(self._act, usecase, key, data, kwargs)

    def render(self, template: str, *, status_code: int = 200, **values: Any) -> HTMLResponse:
        """The page in the reader's language, with the layout's menu, user and form token."""
        kit = renderer(self.request)
        html = kit.render(
            template,
            locale=self.locale,
            values={
                **values,
                "user": self.signed_in,
                "menu": kit.menu_for(self.signed_in.actor.roles),
                "csrf": self.signed_in.csrf,
                "form_key": secrets.token_urlsafe(16),
                "path": self.request.url.path,
                "query": str(self.request.url.query),
                "done": self.request.query_params.get("done"),
                "errors": values.get("errors", {}),
                "problem": values.get("problem"),
                "values": values.get("values", {}),
                "printed_at": when(utcnow(), self.runtime.settings.tz),
            },
        )
        return HTMLResponse(html, status_code=status_code)

    def refused(self, template: str, error: DomainError, **values: Any) -> HTMLResponse:
        """The same page again with the refusal: each field's reason next to it, the rest above,
        and what was typed kept."""
        return self.render(
            template,
            status_code=error.status,
            problem=error.message(self.locale),
            errors=forms.by_field(error, self.locale),
            **values,
        )

    def show(self, template: str, error: DomainError | None, **values: Any) -> HTMLResponse:
        """The page, or with `error` the page again with that refusal (see `refused`)."""
        if error is not None:
            return self.refused(template, error, **values)
        return self.render(template, **values)

    def go(self, path: str, done: str | None = None) -> RedirectResponse:
        """After a change: to the document's page (303), with a note of what was done."""
        target = f"{path}?done={quote(done)}" if done else path
        return RedirectResponse(target, status_code=303)


def page(*roles: str) -> Any:
    """A page for `roles` (any signed-in person when none are given)."""

    def dependency(request: Request) -> Page:
        runtime: Runtime = request.app.state.ctx
        with runtime.db.lookup() as connection:
            signed_in = sessions.resolve(connection, request.cookies.get(sessions.COOKIE))
        if signed_in is None:
            raise LoginRequired(str(request.url.path))
        authorize(signed_in.actor, roles)
        return Page(runtime, request, signed_in, locale_of(request))

    return Depends(dependency)


Anyone = Annotated[Page, page()]
