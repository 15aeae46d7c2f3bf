"""Issue, hash, resolve and revoke API tokens; create users.

Tokens are 256-bit random strings shown once; only their SHA-256 digest is stored, which is the
right hash for high-entropy secrets (a slow password hash would only add latency per request).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import Connection, bindparam, select
from sqlalchemy.orm import Session

from service.auth.models import ApiToken, User
from service.db import utcnow
from service.errors import Conflict, Invalid, NotFound
from service.prepared import Prepared

ROLES = ("sales", "hq", "logistics", "finance", "legal", "scheduler", "admin")
TOKEN_PREFIX = "o2c_"


@dataclass(frozen=True)
class Actor:
    """Who is making a request: the user and their roles."""

    user_id: int
    username: str
    roles: frozenset[str]


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_user(
    session: Session, *, username: str, roles: list[str], display_name: str = ""
) -> User:
    unknown = [r for r in roles if r not in ROLES]
    if unknown:
        raise Invalid("user.unknown_roles", field="roles", unknown=unknown, roles=list(ROLES))
    if not roles:
        raise Invalid("user.no_role", field="roles")
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise Conflict("user.exists", field="username", username=username)
    user = User(username=username, roles=sorted(set(roles)), display_name=display_name)
    session.add(user)
    session.flush()
    return user


def issue_token(
    session: Session,
    *,
    username: str,
    name: str = "",
    token: str | None = None,
    demo: bool = False,
) -> str:
    """Create a token for `username` and return it; it cannot be shown again."""
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise NotFound("user.not_found", field="username", username=username)
    token = token or TOKEN_PREFIX + secrets.token_urlsafe(32)
    session.add(
        ApiToken(user_id=user.id, name=name, token_hash=digest(token), prefix=token[:12], demo=demo)
    )
    session.flush()
    return token


def revoke_token(session: Session, *, prefix: str) -> int:
    """Revoke every live token starting with `prefix`; returns how many."""
    tokens = session.scalars(
        select(ApiToken).where(ApiToken.prefix == prefix[:12], ApiToken.revoked_at.is_(None))
    ).all()
    matching = [t for t in tokens if len(prefix) <= 12 or t.prefix == prefix[:12]]
    for token in matching:
        token.revoked_at = utcnow()
    return len(matching)


# Every request runs it: prepared, on the driver's cursor.
_BY_DIGEST = Prepared(
    select(ApiToken.demo, ApiToken.revoked_at, User.id, User.username, User.roles, User.active)
    .join(User, User.id == ApiToken.user_id)
    .where(ApiToken.token_hash == bindparam("digest"))
)


def resolve(connection: Connection, token: str, *, demo_mode: bool) -> Actor | None:
    """The actor a presented token belongs to, or None when it is unknown or not usable."""
    row = _BY_DIGEST.first(connection, {"digest": digest(token)})
    if row is None or row.revoked_at is not None or not row.active:
        return None
    if row.demo and not demo_mode:
        return None
    return Actor(user_id=row.id, username=row.username, roles=frozenset(row.roles))
