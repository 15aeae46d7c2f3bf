"""The id of the request being served, for its log line, its answer and its journal rows.

Set by the request middleware (`service.observe`) for the duration of one request; work that runs
outside a request (the scheduler, the command line) has none.
"""

from __future__ import annotations

import os
import re
from contextvars import ContextVar

MAX_LENGTH = 64
# What a caller's X-Request-ID may be to be kept: short, printable, no spaces or quotes (it goes
# into log lines and headers as is).
_SANE = re.compile(rf"^[A-Za-z0-9._:/+=@-]{{1,{MAX_LENGTH}}}$")

current: ContextVar[str | None] = ContextVar("o2c_request_id", default=None)


def accept(sent: str | None) -> str:
    """The caller's id when it is sane, else a new one."""
    if sent is not None and _SANE.match(sent):
        return sent
    return os.urandom(16).hex()  # as random as uuid4().hex, without building a UUID


def get() -> str | None:
    return current.get()
