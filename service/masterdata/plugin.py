"""The master data feature plugs in: customers, DCs, contracts, powers of attorney and items;
the lifecycles that journal every change of customers, contracts and powers of attorney."""

from __future__ import annotations

from pathlib import Path

from service.masterdata.contracts import PENDING_TAGS
from service.masterdata.models import Contract, Customer, PowerOfAttorney
from service.masterdata.routes import router
from service.plugins import Feature
from service.workflow import Machine

FEATURE = Feature(
    name="masterdata",
    routers=(router,),
    machines=(Machine(Customer, {}), Machine(Contract, {}), Machine(PowerOfAttorney, {})),
    # A contract's period keeps the orders it priced that are still to be invoiced.
    tags={"order": PENDING_TAGS},
    catalog=Path(__file__).parent / "locale",
)
