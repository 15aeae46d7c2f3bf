"""The settlement gate plugs in (R23, R27-R29): checking whether invoices may be settled, and
settling a confirmed statement's invoices or one of them; its pages and the panels it adds to the
invoice's and the statement's pages."""

from __future__ import annotations

from pathlib import Path

from service.plugins import Feature
from service.settlement.pages import router as pages
from service.settlement.routes import router
from service.settlement.sheets import attorney_panel, invoice_panel, statement_panel
from service.web.documents import Panel

FEATURE = Feature(
    name="settlement",
    routers=(router,),
    # The lifecycle groups the gate reads (their `settle` steps are read from the YAML).
    tags={
        "invoice": ("before_settlement", "past_settlement"),
        "statement": ("past_settlement",),
        "invoice_exception": ("open",),
        "return": ("open",),
        "statement_dispute": ("open",),
    },
    catalog=Path(__file__).parent / "locale",
    pages=(pages,),
    templates=Path(__file__).parent / "templates",
    panels=(
        Panel(machine="invoice", template="settlement/invoice_panel.html", load=invoice_panel),
        Panel(
            machine="statement", template="settlement/statement_panel.html", load=statement_panel
        ),
        Panel(
            machine="power_of_attorney",
            template="settlement/attorney_panel.html",
            load=attorney_panel,
        ),
    ),
)
