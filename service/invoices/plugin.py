"""The invoices feature plugs in: invoices, customers' bookings and invoice exceptions; their
pages, the invoices panel of the order's page, and the menu entries."""

from __future__ import annotations

from pathlib import Path

from service.invoices.duejobs import JOB as INVOICE_DUE_DATES
from service.invoices.duejobs import invoice_due_dates
from service.invoices.exceptions.facts import RULESET
from service.invoices.exceptions.guards import EXCEPTION_GUARDS
from service.invoices.exceptions.models import InvoiceException
from service.invoices.exceptions.openitems import open_exceptions
from service.invoices.exceptions.pages import router as exception_pages
from service.invoices.exceptions.routes import router as exceptions_router
from service.invoices.importer import InvoiceImporter
from service.invoices.models import Invoice
from service.invoices.pages import router as pages
from service.invoices.queries import of_order
from service.invoices.redletter.guards import FORM_GUARDS
from service.invoices.redletter.jobs import JOB as RED_LETTER_FORM_EXPIRY
from service.invoices.redletter.jobs import red_letter_form_expiry
from service.invoices.redletter.models import RedLetterForm
from service.invoices.redletter.pages import invoice_router as red_letter_invoice_pages
from service.invoices.redletter.pages import router as red_letter_pages
from service.invoices.redletter.routes import router as red_letter_router
from service.invoices.redletter.step_pages import router as red_letter_step_pages
from service.invoices.routes import follow_ups, router
from service.metrics import OpenCount
from service.plugins import Feature, MenuEntry, RuleSetBinding
from service.web.documents import Panel
from service.workflow import Machine

FEATURE = Feature(
    name="invoices",
    routers=(router, follow_ups, exceptions_router, red_letter_router),
    machines=(
        Machine(Invoice, {}),
        Machine(InvoiceException, EXCEPTION_GUARDS),
        Machine(RedLetterForm, FORM_GUARDS),
    ),
    tags={
        "invoice": ("editable", "receivable", "paid"),
        "invoice_exception": ("open",),
        "red_letter_form": ("open", "awaiting", "usable"),
    },
    rulesets=(
        RuleSetBinding(name=RULESET, item_kind="invoice_exception", open_items=open_exceptions),
    ),
    jobs={RED_LETTER_FORM_EXPIRY: red_letter_form_expiry, INVOICE_DUE_DATES: invoice_due_dates},
    catalog=Path(__file__).parent / "locale",
    # The red-letter forms' list and new form before the form's page (`/new` is not an id).
    pages=(
        pages,
        exception_pages,
        red_letter_invoice_pages,
        red_letter_pages,
        red_letter_step_pages,
    ),
    templates=Path(__file__).parent / "templates",
    # Any signed-in person reads invoices and exceptions, as the API's GET routes.
    menu=(
        MenuEntry("/web/invoices", "invoices.menu.invoices"),
        MenuEntry("/web/exceptions", "invoices.menu.exceptions"),
        MenuEntry(
            "/web/red-letter-forms", "invoices.menu.red_letter_forms", ("finance", "sales", "hq")
        ),
    ),
    panels=(Panel(machine="order", template="invoices/order_panel.html", load=of_order, place=30),),
    importers=(InvoiceImporter(),),
    open_counts=(OpenCount("invoice_exception", InvoiceException, "open"),),
)
