"""Passwords for the pages: argon2 hashes (argon2-cffi), a minimum length, a lock after failures.

API tokens stay for systems; people log in with a name and a password. A name that fails
`MAX_FAILURES` times in a row is locked for `LOCK_MINUTES`, whatever the password then, so
guessing is slow; a good login clears the count.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from service.auth.models import User
from service.auth.tokens import Actor
from service.db import utcnow
from service.errors import DomainError, Forbidden, Invalid, NotFound, Unauthenticated

MIN_LENGTH = 10
MAX_FAILURES = 5
LOCK_MINUTES = 15
DEMO_PREFIX = "demo-"
_HASHER = PasswordHasher()


def set_password(session: Session, *, username: str, password: str) -> None:
    """Give `username` a password (at least MIN_LENGTH characters); it may log in to the pages."""
    if len(password) < MIN_LENGTH:
        raise Invalid("password.too_short", field="password", min=MIN_LENGTH)
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise NotFound("user.not_found", field="username", username=username)
    user.password_hash = _HASHER.hash(password)
    user.failed_logins, user.locked_until = 0, None


def _matches(user: User, password: str) -> bool:
    if not user.password_hash:
        return False
    try:
        return _HASHER.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def login(
    session: Session, *, username: str, password: str, demo_mode: bool, now: datetime | None = None
) -> Actor | DomainError:
    """The person behind a name and a password, or the refusal (which does not say which of the
    two was wrong). The refusal is returned, not raised: the caller commits the failure count
    before it refuses. Demo users log in only in demo mode, as demo tokens are only taken there.
    """
    moment = now or utcnow()
    user = session.scalar(select(User).where(User.username == username).with_for_update())
    if user is None or not user.active or (username.startswith(DEMO_PREFIX) and not demo_mode):
        _HASHER.hash(password)  # the same time as a real check: names cannot be told apart
        return Unauthenticated("login.failed", field="password")
    if user.locked_until is not None and user.locked_until > moment:
        minutes = max(1, int((user.locked_until - moment).total_seconds() // 60) + 1)
        return Forbidden("login.locked", field="username", minutes=minutes)
    if not _matches(user, password):
        user.failed_logins += 1
        if user.failed_logins >= MAX_FAILURES:
            user.locked_until, user.failed_logins = moment + timedelta(minutes=LOCK_MINUTES), 0
        return Unauthenticated("login.failed", field="password")
    if _HASHER.check_needs_rehash(user.password_hash or ""):
        user.password_hash = _HASHER.hash(password)
    user.failed_logins, user.locked_until = 0, None
    return Actor(user_id=user.id, username=user.username, roles=frozenset(user.roles))
