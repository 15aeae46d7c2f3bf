"""The statements feature plugs in: reconciliation statements (R20-R22) with their lifecycle,
the disputes of their lines and finance's statement adjustments; the reconciliation_timing rule
set and R20's scheduled job drafting statements ahead of settlement dates."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.masterdata.models import Customer
from service.metrics import OpenCount
from service.plugins import Feature, MenuEntry, OpenItem, RuleSetBinding
from service.settings import Settings
from service.statements.actions import router as actions
from service.statements.jobs import JOB, reconciliation_statements, scan
from service.statements.models import Statement, StatementAdjustment, StatementDispute
from service.statements.pages import router as pages
from service.statements.routes import router
from service.statements.timing import RULESET, facts
from service.workflow import Machine, Workflows


def settlement_dates(
    session: Session, workflows: Workflows, today: date, _settings: Settings
) -> list[OpenItem]:
    """Dry runs: each customer's settlement dates with invoices due and on no statement yet
    (within a year), as the job's rules see them (customer id x 100000 + day of year)."""
    found = scan(session, workflows, date(today.year + 1, 12, 31))
    ids = sorted({row[0] for row in found})
    customers = {c.id: c for c in session.scalars(select(Customer).where(Customer.id.in_(ids)))}
    return [
        (
            customer_id * 100_000 + due.timetuple().tm_yday,
            facts(
                customers[customer_id].grade,
                Decimal(amount),
                int(count),
                customers[customer_id].reconciliation_lead_days,
            ),
        )
        for customer_id, due, count, amount in found[:1000]
    ]


FEATURE = Feature(
    name="statements",
    routers=(router,),
    machines=(
        Machine(Statement, {}),
        Machine(StatementDispute, {}),
        Machine(StatementAdjustment, {}),
    ),
    tags={
        "statement": ("open", "editable", "confirmed"),
        "statement_adjustment": ("open",),
        "invoice": ("receivable",),
        "return": ("open", "credited"),
    },
    jobs={JOB: reconciliation_statements},
    rulesets=(
        RuleSetBinding(name=RULESET, item_kind="settlement_date", open_items=settlement_dates),
    ),
    catalog=Path(__file__).parent / "locale",
    pages=(pages, actions),
    templates=Path(__file__).parent / "templates",
    # Any signed-in person reads statements, as the API's GET routes; the menu shows them to
    # the people who work them.
    menu=(
        MenuEntry("/web/statements", "statements.menu.statements", roles=("sales", "finance")),
        MenuEntry("/web/statement-disputes", "statements.menu.disputes", roles=("finance",)),
        MenuEntry("/web/statement-adjustments", "statements.menu.adjustments", roles=("finance",)),
    ),
    open_counts=(OpenCount("statement", Statement, "open"),),
)
