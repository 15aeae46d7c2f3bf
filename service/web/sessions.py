"""Browser sessions: a random cookie whose digest is stored, with the session's form token (CSRF).

The cookie is HttpOnly and SameSite=Lax, Secure when the request came over TLS (directly or
through a proxy that says so), and lives `settings.session_hours`. Every form carries the
session's token; a POST without it, or with another, is refused.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import Connection, bindparam, delete, select
from sqlalchemy.orm import Session

from service.auth.models import User, WebSession
from service.auth.tokens import Actor
from service.db import utcnow

COOKIE = "o2c_session"


@dataclass(frozen=True)
class SignedIn:
    """Who a browser session belongs to, and the token its forms must carry."""

    actor: Actor
    display_name: str
    csrf: str


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start(session: Session, actor: Actor, *, hours: int) -> str:
    """A new session for `actor`; the cookie value (shown once, only its digest is kept)."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    session.execute(delete(WebSession).where(WebSession.expires_at < now))
    session.add(
        WebSession(
            token_hash=_digest(token),
            user_id=actor.user_id,
            csrf=secrets.token_urlsafe(32),
            created_at=now,
            expires_at=now + timedelta(hours=hours),
        )
    )
    return token


_BY_DIGEST = (
    select(WebSession.csrf, WebSession.expires_at, User.id, User.username, User.roles)
    .add_columns(User.active, User.display_name)
    .join(User, User.id == WebSession.user_id)
    .where(WebSession.token_hash == bindparam("digest"))
)


def resolve(connection: Connection, token: str | None) -> SignedIn | None:
    """The person a session cookie belongs to, while the session lasts and the user is active."""
    if not token or len(token) > 100:
        return None
    row = connection.execute(_BY_DIGEST, {"digest": _digest(token)}).first()
    if row is None or not row.active or row.expires_at < utcnow():
        return None
    actor = Actor(user_id=row.id, username=row.username, roles=frozenset(row.roles))
    return SignedIn(actor=actor, display_name=row.display_name or row.username, csrf=row.csrf)


def end(session: Session, token: str | None) -> None:
    if token:
        session.execute(delete(WebSession).where(WebSession.token_hash == _digest(token)))


def same_token(sent: str | None, expected: str) -> bool:
    return bool(sent) and hmac.compare_digest(str(sent), expected)
