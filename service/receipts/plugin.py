"""The receipts feature plugs in: posting signed receipts; receipt exceptions (R8) with their
lifecycle and the receipt_exception rule set; the receipt form and printout, and the receipt
panel of the order's page."""

from __future__ import annotations

from pathlib import Path

from service.plugins import Feature, RuleSetBinding
from service.receipts.exceptions.facts import RULESET
from service.receipts.exceptions.guards import GUARDS
from service.receipts.exceptions.openitems import open_exceptions
from service.receipts.exceptions.routes import router as exceptions_router
from service.receipts.models import ReceiptException
from service.receipts.pages import PANEL
from service.receipts.pages import router as pages
from service.receipts.routes import router
from service.workflow import Machine

FEATURE = Feature(
    name="receipts",
    routers=(router, exceptions_router),
    machines=(Machine(ReceiptException, GUARDS),),
    tags={"receipt_exception": ("open",)},
    rulesets=(
        RuleSetBinding(name=RULESET, item_kind="receipt_exception", open_items=open_exceptions),
    ),
    catalog=Path(__file__).parent / "locale",
    pages=(pages,),
    templates=Path(__file__).parent / "templates",
    panels=(PANEL,),
)
