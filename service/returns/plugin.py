"""The returns feature plugs in: the return lifecycle (R24-R26)."""

from __future__ import annotations

from pathlib import Path

from service.plugins import Feature
from service.returns.models import Return
from service.workflow import Machine

FEATURE = Feature(
    name="returns",
    machines=(Machine(Return, {}),),
    tags={"return": ("open", "awaiting_credit")},
    catalog=Path(__file__).parent / "locale",
)
