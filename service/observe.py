"""Each request observed: its id, one log line, its metrics; and how the service logs.

The request middleware takes the caller's `X-Request-ID` when it is sane (short, printable; see
`service.requestid`) or makes one, returns it in the answer's `X-Request-ID` header, and keeps it
for the request's journal rows. When the answer is sent it logs one line (method, route template,
status, duration, request id) and counts the request by route template and status. Nothing of a
request's headers, query or body is logged: no token, password or Authorization header.
"""

from __future__ import annotations

import json
import logging
import time
from datetime import UTC, datetime
from typing import Any

from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service import metrics, problems, requestid
from service.errors import Failed
from service.settings import Settings

log = logging.getLogger("o2c.http")
HEADER = "X-Request-ID"
_HEADER_KEY = HEADER.lower().encode("latin-1")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def route_of(scope: Scope) -> str:
    """The route template that answered ("/orders/{order_id}"), never the path itself: bounded
    label values, and no document numbers in the metrics."""
    route = scope.get("route")
    path = getattr(route, "path", None)
    return path if isinstance(path, str) and path else "unmatched"


def _sent_id(scope: Scope) -> str | None:
    for key, value in scope.get("headers", ()):
        if key == _HEADER_KEY:
            return bytes(value).decode("latin-1")
    return None


class RequestObserver:
    """The ASGI middleware observing every HTTP request."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = requestid.accept(_sent_id(scope))
        token = requestid.current.set(request_id)
        started = time.perf_counter()
        status = 500
        answering = False

        async def answer(message: Message) -> None:
            nonlocal status, answering
            if message["type"] == "http.response.start":
                status, answering = message["status"], True
                MutableHeaders(scope=message)[HEADER] = request_id
            await send(message)

        try:
            await self.app(scope, receive, answer)
        except Exception:
            # A bug: logged with its traceback and the request id, answered (if nothing was sent
            # yet) as a problem with a code and the request id to report, like any refusal.
            method, route = scope["method"], route_of(scope)
            log.exception("unhandled error in %s %s id=%s", method, route, request_id)
            if answering:
                raise
            failed = problems.render(Failed("server.error", request_id=request_id), Request(scope))
            await failed(scope, receive, answer)
        finally:
            _observed(scope, status, time.perf_counter() - started, request_id)
            requestid.current.reset(token)


def _observed(scope: Scope, status: int, seconds: float, request_id: str) -> None:
    method, route = scope["method"], route_of(scope)
    metrics.request_answered(method, route, status, seconds)
    duration_ms = round(seconds * 1000, 1)
    log.info(
        "%s %s %s %.1fms id=%s",
        method,
        route,
        status,
        duration_ms,
        request_id,
        extra={
            "o2c": {
                "method": method,
                "route": route,
                "status": status,
                "duration_ms": duration_ms,
                "request_id": request_id,
            }
        },
    )


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC), level, logger, message, the request id of the
    request being served, and the fields a line carries (`extra={"o2c": {...}}`)."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        current = requestid.get()
        if current is not None:
            line["request_id"] = current
        fields = getattr(record, "o2c", None)
        if isinstance(fields, dict):
            line.update(fields)
        if record.exc_info:
            line["error"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


def log_config(settings: Settings) -> dict[str, Any]:
    """The logging of a server process (uvicorn applies it in each worker): the service's and
    uvicorn's own lines, as text or JSON (`O2C_LOG_FORMAT`); uvicorn's access log is off, the
    request line above replaces it."""
    formatter: dict[str, Any] = (
        {"()": f"{__name__}.JsonFormatter"}
        if settings.log_format == "json"
        else {"format": TEXT_FORMAT}
    )
    level = settings.log_level.upper()
    handler = {"class": "logging.StreamHandler", "formatter": "o2c", "stream": "ext://sys.stderr"}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"o2c": formatter},
        "handlers": {"o2c": handler},
        "loggers": {
            "o2c": {"handlers": ["o2c"], "level": level, "propagate": False},
            "uvicorn": {"handlers": ["o2c"], "level": level, "propagate": False},
            "uvicorn.access": {"handlers": [], "level": "WARNING", "propagate": False},
        },
    }
