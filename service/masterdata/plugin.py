"""The master data feature plugs in: customers, DCs, contracts, powers of attorney and items;
the lifecycles that journal every change of customers, contracts and powers of attorney; HQ's
pages that keep them, the menu entry every signed-in person reads them by, and the daily job
that tells HQ of contracts and powers of attorney to renew or replace (R27, R28); the imports
of the old system's items, customers, contracts and powers of attorney at go-live."""

from __future__ import annotations

from pathlib import Path

from service.masterdata.alerts import JOB as DEADLINE_ALERTS
from service.masterdata.alerts import deadline_alerts
from service.masterdata.attorney_pages import router as attorney_pages
from service.masterdata.contract_pages import router as contract_pages
from service.masterdata.contracts import PENDING_TAGS
from service.masterdata.importing.attorneys import AttorneysImport
from service.masterdata.importing.contracts import ContractsImport
from service.masterdata.importing.customers import CustomersImport
from service.masterdata.importing.items import ItemsImport
from service.masterdata.models import Contract, Customer, PowerOfAttorney
from service.masterdata.pages import router as pages
from service.masterdata.routes import router
from service.masterdata.terms import TAGS as TERMS_TAGS
from service.masterdata.terms_pages import router as terms_pages
from service.plugins import Feature, MenuEntry
from service.workflow import Machine

FEATURE = Feature(
    name="masterdata",
    routers=(router,),
    machines=(Machine(Customer, {}), Machine(Contract, {}), Machine(PowerOfAttorney, {})),
    # A contract's period keeps the orders it priced that are still to be invoiced.
    # The invoices a new version of payment terms re-dates: drafts and receivables.
    tags={"order": PENDING_TAGS, **TERMS_TAGS},
    # R27/R28: contracts and powers of attorney to renew or replace, as tasks for HQ.
    jobs={DEADLINE_ALERTS: deadline_alerts},
    catalog=Path(__file__).parent / "locale",
    pages=(pages, contract_pages, attorney_pages, terms_pages),
    templates=Path(__file__).parent / "templates",
    # Any signed-in person reads master data, as the API's GET routes; HQ and admin keep it.
    menu=(MenuEntry("/web/customers", "masterdata.menu.customers"),),
    # Go-live: the old system's master data, in this order (each names what the one before made).
    importers=(ItemsImport(), CustomersImport(), ContractsImport(), AttorneysImport()),
)
