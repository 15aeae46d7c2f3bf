"""Page tests over HTTP: a person logs in, reads pages and sends their forms as a browser would.

`Person` keeps the session cookie; `submit` reads the page the form is on and sends the form with
its hidden inputs (the session's form token and the form's key) and the fields the test fills in,
so a test sends exactly what a browser would. The browser tests (Playwright) cover what only a
browser shows; these cover the rest, fast, on both databases.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

import httpx

from service.auth import passwords, tokens
from service.db import Database
from tests.support import unique

PASSWORD = "correct horse battery staple"


def make_people(db: Database, roles: Sequence[str] = tokens.ROLES) -> dict[str, str]:
    """One person per role who logs in with `PASSWORD`; their user names by role."""
    made = {}
    with db.write() as session:
        for role in roles:
            username = unique(f"p-{role}")
            tokens.create_user(session, username=username, roles=[role])
            passwords.set_password(session, username=username, password=PASSWORD)
            made[role] = username
    return made


@dataclass
class Form:
    """One `<form>` of a page: where it goes and the values its inputs carry."""

    action: str
    method: str
    fields: list[tuple[str, str]] = field(default_factory=list)
    buttons: list[str] = field(default_factory=list)


class _Forms(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._textarea: tuple[str, list[str]] | None = None
        self._select: str | None = None
        self._selected: str | None = None
        self._first_option: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self._form = Form(a.get("action", ""), a.get("method", "get").lower())
            self.forms.append(self._form)
        elif self._form is None:
            return
        elif tag == "input" and a.get("name"):
            kind = a.get("type", "text")
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            if kind not in ("submit", "button", "file"):
                self._form.fields.append(
                    (a["name"], a.get("value", "on" if kind == "checkbox" else ""))
                )
        elif tag == "textarea" and a.get("name"):
            self._textarea = (a["name"], [])
        elif tag == "select" and a.get("name"):
            self._select, self._selected, self._first_option = a["name"], None, None
        elif tag == "option" and self._select is not None:
            value = a.get("value", "")
            if self._first_option is None:
                self._first_option = value
            if "selected" in a:
                self._selected = value
        elif tag == "button":
            self._form.buttons.append(a.get("value", ""))

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._textarea[1].append(data)

    def handle_endtag(self, tag: str) -> None:
        if self._form is None:
            return
        if tag == "textarea" and self._textarea is not None:
            self._form.fields.append((self._textarea[0], "".join(self._textarea[1])))
            self._textarea = None
        elif tag == "select" and self._select is not None:
            chosen = self._selected if self._selected is not None else self._first_option
            self._form.fields.append((self._select, chosen or ""))
            self._select = None
        elif tag == "form":
            self._form = None


def forms_of(html: str) -> list[Form]:
    parser = _Forms()
    parser.feed(html)
    return parser.forms


_TAGS = re.compile(r"<[^>]+>")
_SPACE = re.compile(r"\s+")


def text_of(html: str) -> str:
    """The words a reader sees (tags and the diagram's drawing left out, spaces folded)."""
    body = re.sub(r"<svg.*?</svg>", " ", html, flags=re.S)
    body = re.sub(r"<(script|style|title)[^>]*>.*?</\1>", " ", body, flags=re.S)
    return _SPACE.sub(" ", _TAGS.sub(" ", body)).strip()


class Person:
    """A browser session of one person, over HTTP."""

    def __init__(self, base_url: str, username: str, *, locale: str = "en") -> None:
        self.username = username
        self.http = httpx.Client(base_url=base_url, timeout=60, follow_redirects=False)
        self.http.cookies.set("o2c_lang", locale)

    def __enter__(self) -> Person:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.http.close()

    def login(self, password: str = PASSWORD, *, next_path: str = "/web") -> httpx.Response:
        """Log in through the login form (which carries its own token)."""
        return self.submit(
            f"/login?next={next_path}", "/login", {"username": self.username, "password": password}
        )

    def get(self, path: str, **params: Any) -> httpx.Response:
        return self.http.get(path, params=params or None)

    def page(self, path: str) -> str:
        """The page at `path`, which must be shown (200)."""
        answer = self.http.get(path)
        assert answer.status_code == 200, (path, answer.status_code, text_of(answer.text)[:500])
        return answer.text

    def form(self, path: str, action: str) -> Form:
        """The form of the page at `path` that posts to `action`."""
        found = [f for f in forms_of(self.page(path)) if f.action == action]
        assert found, f"no form to {action} on {path}"
        return found[0]

    def submit(
        self,
        path: str,
        action: str,
        fill: Mapping[str, str] | None = None,
        *,
        files: Mapping[str, tuple[str, bytes, str]] | None = None,
    ) -> httpx.Response:
        """Fill in the form to `action` on the page at `path` and send it."""
        form = self.form(path, action)
        return self.send(form, fill, files=files)

    def send(
        self,
        form: Form,
        fill: Mapping[str, str] | None = None,
        *,
        files: Mapping[str, tuple[str, bytes, str]] | None = None,
    ) -> httpx.Response:
        """Send a form already read (twice, to see that a resent form books once)."""
        filled = dict(fill or {})
        data: list[tuple[str, str | int | float | bool | None]] = [
            (k, filled.pop(k) if k in filled else v) for k, v in form.fields
        ]
        data.extend(filled.items())
        if files:
            return self.http.post(form.action, data=_as_dict(data), files=dict(files))
        return self.http.post(
            form.action,
            content=str(httpx.QueryParams(data)).encode(),
            headers={"content-type": "application/x-www-form-urlencoded"},
        )


def _as_dict(pairs: list[tuple[str, str | int | float | bool | None]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in pairs:
        if k in out:
            out[k] = [*out[k], v] if isinstance(out[k], list) else [out[k], v]
        else:
            out[k] = v
    return out
