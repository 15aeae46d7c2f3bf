"""The collection feature plugs in (R30-R31): collection tasks with their lifecycle, the
collection rule set and the daily job that raises, follows and escalates them."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.collection.decide import RULESET, facts
from service.collection.guards import GUARDS
from service.collection.history import histories
from service.collection.job import COLLECTED, JOB, collection
from service.collection.models import CollectionTask
from service.collection.money import follow_money
from service.collection.pages import router as pages
from service.collection.routes import router
from service.collection.scans import scan
from service.masterdata.models import Customer
from service.plugins import Feature, MenuEntry, OpenItem, RuleSetBinding
from service.settings import Settings
from service.workflow import Machine, Workflows

CONDITION_NUMBER = {"overdue": 1, "over_limit": 2, "over_age": 3}


def conditions(
    session: Session, workflows: Workflows, today: date, settings: Settings
) -> list[OpenItem]:
    """Dry runs: every customer's condition as the job's rules see it today (customer id x 10 +
    1 overdue, 2 over the limit, 3 older than allowed), with the deployment's allowed ages and
    ageing buckets; the customers handed to legal left out, as the job leaves them out."""
    found = scan(session, today, dict(settings.collection_allowed_age_days))
    ids = sorted({f.customer_id for f in found})
    collected = session.execute(
        select(Customer.id, Customer.grade).where(
            Customer.id.in_(ids), Customer.state.in_(COLLECTED)
        )
    ).all()
    grades = {c.id: c.grade for c in collected}
    found = [f for f in found if f.customer_id in grades][:1000]
    past = histories(session, sorted({f.customer_id for f in found}), today)
    items: list[OpenItem] = []
    for f in found:
        history = past.get(f.customer_id)
        items.append(
            (
                f.customer_id * 10 + CONDITION_NUMBER[f.condition],
                facts(
                    f.condition,
                    f.days,
                    f.amount,
                    grades[f.customer_id],
                    buckets=settings.ageing_buckets,
                    average_days_late=history.average_days_late if history else 0,
                    broken_promises=history.broken_promises if history else 0,
                    promise_open=history.promise_open if history else False,
                ),
            )
        )
    return items


FEATURE = Feature(
    name="collection",
    routers=(router,),
    machines=(Machine(CollectionTask, GUARDS),),
    tags={"collection_task": ("live", "assigned", "done")},
    jobs={JOB: collection},
    rulesets=(RuleSetBinding(name=RULESET, item_kind="customer_condition", open_items=conditions),),
    catalog=Path(__file__).parent / "locale",
    pages=(pages,),
    templates=Path(__file__).parent / "templates",
    menu=(
        MenuEntry(
            "/web/collection", "collection.menu", roles=("sales", "finance", "hq", "legal", "admin")
        ),
        MenuEntry("/web/collection/cases", "collection.menu.cases", roles=("legal", "hq")),
    ),
    follows_money=(follow_money,),
)
