"""The receipts feature plugs in: posting signed receipts; receipt exceptions (R8) with their
lifecycle and the receipt_exception rule set; the receipt form and printout, the receipt panel of
the order's page, and the receipt exceptions' pages with their menu entry; R8's scheduled job
raising a task for an exception left open too long."""

from __future__ import annotations

from pathlib import Path

from service.metrics import OpenCount
from service.plugins import Feature, MenuEntry, RuleSetBinding
from service.receipts.exceptions.actions import router as exception_actions
from service.receipts.exceptions.facts import RULESET
from service.receipts.exceptions.guards import GUARDS
from service.receipts.exceptions.jobs import receipt_exception_overdue
from service.receipts.exceptions.openitems import open_exceptions
from service.receipts.exceptions.pages import router as exception_pages
from service.receipts.exceptions.routes import router as exceptions_router
from service.receipts.models import ReceiptException
from service.receipts.pages import PANEL
from service.receipts.pages import router as pages
from service.receipts.queries import RECEIPT_EXCEPTION_OVERDUE
from service.receipts.routes import router
from service.workflow import Machine

FEATURE = Feature(
    name="receipts",
    routers=(router, exceptions_router),
    machines=(Machine(ReceiptException, GUARDS),),
    tags={"receipt_exception": ("open",)},
    jobs={RECEIPT_EXCEPTION_OVERDUE: receipt_exception_overdue},
    rulesets=(
        RuleSetBinding(name=RULESET, item_kind="receipt_exception", open_items=open_exceptions),
    ),
    catalog=Path(__file__).parent / "locale",
    pages=(pages, exception_pages, exception_actions),
    templates=Path(__file__).parent / "templates",
    # Any signed-in person reads receipt exceptions, as the API's GET routes; logistics and
    # sales see theirs first.
    menu=(MenuEntry("/web/receipt-exceptions", "receipts.menu.exceptions"),),
    panels=(PANEL,),
    open_counts=(OpenCount("receipt_exception", ReceiptException, "open"),),
)
