"""The invoices feature plugs in: invoices, customers' bookings and invoice exceptions."""

from __future__ import annotations

from pathlib import Path

from service.invoices.exceptions.facts import RULESET
from service.invoices.exceptions.guards import EXCEPTION_GUARDS
from service.invoices.exceptions.models import InvoiceException
from service.invoices.exceptions.openitems import open_exceptions
from service.invoices.exceptions.routes import router as exceptions_router
from service.invoices.models import Invoice
from service.invoices.routes import router
from service.plugins import Feature, RuleSetBinding
from service.workflow import Machine

FEATURE = Feature(
    name="invoices",
    routers=(router, exceptions_router),
    machines=(Machine(Invoice, {}), Machine(InvoiceException, EXCEPTION_GUARDS)),
    tags={"invoice": ("editable",), "invoice_exception": ("open",)},
    rulesets=(
        RuleSetBinding(name=RULESET, item_kind="invoice_exception", open_items=open_exceptions),
    ),
    catalog=Path(__file__).parent / "locale",
)
