"""The credit feature plugs in: customers' payment records (R32), the credit_review rule set
and its monthly job raising proposals, finance's decision on them, and their pages."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.credit.jobs import JOB, credit_review
from service.credit.models import CreditProposal
from service.credit.pages import PANEL
from service.credit.pages import router as pages
from service.credit.record import records
from service.credit.review import RULESET, facts
from service.credit.routes import router
from service.masterdata.models import Customer
from service.plugins import Feature, MenuEntry, OpenItem, RuleSetBinding
from service.settings import Settings
from service.workflow import Machine, Workflows


def reviewed(
    session: Session, _workflows: Workflows, today: date, _settings: Settings
) -> list[OpenItem]:
    """Dry runs: the first 1,000 customers' records as the review would see them today."""
    customers = session.execute(
        select(Customer.id, Customer.grade, Customer.credit_limit).order_by(Customer.id).limit(1000)
    ).all()
    found = records(session, today, [c.id for c in customers])
    return [(c.id, facts(c.grade, c.credit_limit, found[c.id])) for c in customers]


FEATURE = Feature(
    name="credit",
    routers=(router,),
    machines=(Machine(CreditProposal, {}),),
    tags={"credit_proposal": ("open",)},
    rulesets=(RuleSetBinding(name=RULESET, item_kind="customer", open_items=reviewed),),
    jobs={JOB: credit_review},
    catalog=Path(__file__).parent / "locale",
    pages=(pages,),
    templates=Path(__file__).parent / "templates",
    menu=(MenuEntry("/web/credit-proposals", "credit.menu", roles=("finance", "hq", "admin")),),
    panels=(PANEL,),
)
