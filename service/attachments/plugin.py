"""The attachments feature plugs in: uploading and downloading evidence files over HTTP."""

from __future__ import annotations

from service.attachments.routes import router
from service.plugins import Feature

FEATURE = Feature(name="attachments", routers=(router,))
