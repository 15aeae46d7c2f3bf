"""The returns feature plugs in: the return lifecycle, its routes and return_credit (R24-R26)."""

from __future__ import annotations

from pathlib import Path

from service.plugins import Feature, RuleSetBinding
from service.returns.facts import RULESET
from service.returns.models import Return
from service.returns.openitems import awaiting_credit
from service.returns.routes import router
from service.workflow import Machine

FEATURE = Feature(
    name="returns",
    routers=(router,),
    machines=(Machine(Return, {}),),
    tags={"return": ("open", "awaiting_credit", "claims"), "invoice": ("receivable",)},
    rulesets=(RuleSetBinding(name=RULESET, item_kind="return", open_items=awaiting_credit),),
    catalog=Path(__file__).parent / "locale",
)
