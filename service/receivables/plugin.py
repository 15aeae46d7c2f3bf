"""The receivables feature plugs in: the lifecycle tags its exposure query reads."""

from __future__ import annotations

from service.plugins import Feature
from service.receivables.queries import TAGS

FEATURE = Feature(name="receivables", tags=TAGS)
