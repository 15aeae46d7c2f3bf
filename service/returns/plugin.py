"""The returns feature plugs in: the return lifecycle, its routes and return_credit (R24-R26);
its pages, the returns panels of the order's and the invoice's pages, and the menu entries."""

from __future__ import annotations

from pathlib import Path

from service.plugins import Feature, MenuEntry, RuleSetBinding
from service.returns.actions import router as actions
from service.returns.facts import RULESET
from service.returns.models import Return
from service.returns.openitems import awaiting_credit
from service.returns.pages import PANELS
from service.returns.pages import router as pages
from service.returns.routes import router
from service.workflow import Machine

FEATURE = Feature(
    name="returns",
    routers=(router,),
    machines=(Machine(Return, {}),),
    tags={"return": ("open", "awaiting_credit", "claims"), "invoice": ("receivable", "paid")},
    rulesets=(RuleSetBinding(name=RULESET, item_kind="return", open_items=awaiting_credit),),
    catalog=Path(__file__).parent / "locale",
    pages=(pages, actions),
    templates=Path(__file__).parent / "templates",
    # Any signed-in person reads returns, as the API's GET routes.
    menu=(MenuEntry("/web/returns", "returns.menu.returns"),),
    panels=PANELS,
)
