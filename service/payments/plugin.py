"""The payments feature plugs in: payments received with their lifecycle, deductions, unapplied
credit applied to open invoices, and the paid states they move invoices, statements and orders
to."""

from __future__ import annotations

from pathlib import Path

from service.payments.bankpages import router as bank_pages
from service.payments.bankroutes import router as bank_router
from service.payments.importer import PaymentsImporter
from service.payments.models import BankLine, Payment
from service.payments.opening import OpeningReceivablesImporter
from service.payments.pages import router as pages
from service.payments.paidstates import follow_the_money
from service.payments.routes import router
from service.plugins import Feature, MenuEntry
from service.workflow import Machine

FEATURE = Feature(
    name="payments",
    routers=(router, bank_router),
    machines=(Machine(Payment, {}), Machine(BankLine, {})),
    tags={
        "payment": ("counted",),
        "bank_line": ("waiting",),
        "invoice": ("editable", "receivable", "paid"),
    },
    catalog=Path(__file__).parent / "locale",
    pages=(pages, bank_pages),
    templates=Path(__file__).parent / "templates",
    menu=(
        MenuEntry("/web/payments", "payments.menu.payments", roles=("finance",)),
        MenuEntry("/web/bank-lines", "bank.menu.lines", roles=("finance",)),
    ),
    follows_money=(follow_the_money,),
    importers=(PaymentsImporter(), OpeningReceivablesImporter()),
)
