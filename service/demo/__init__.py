"""Demo data: customers with contracts and prices, items, DCs, users, and orders in every state.

Loaded only in demo mode, through the same use cases users call, so the journal is real.
Loading twice changes nothing. Demo tokens are well known and refused outside demo mode.
"""

from __future__ import annotations

from datetime import date
from functools import partial

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.auth import tokens
from service.auth.models import User
from service.auth.tokens import ROLES, Actor
from service.db import Database
from service.demo.documents import invoices_for_finance, orders_in_every_state
from service.demo.masterdata import master_data
from service.rulesets import RuleRegistry
from service.settings import Settings
from service.workflow import Workflows

DEMO_TOKENS = {role: f"demo-{role}" for role in ROLES}


def _users(session: Session) -> dict[str, Actor]:
    actors = {}
    for role in ROLES:
        username = f"demo-{role}"
        user = session.scalar(select(User).where(User.username == username))
        if user is None:
            user = tokens.create_user(
                session, username=username, roles=[role], display_name=f"Demo {role}"
            )
            tokens.issue_token(
                session, username=username, name="demo", token=DEMO_TOKENS[role], demo=True
            )
        actors[role] = Actor(user_id=user.id, username=username, roles=frozenset([role]))
    return actors


def load(db: Database, settings: Settings, workflows: Workflows, today: date) -> bool:
    """Load the demo data unless it is already there; returns whether anything was loaded."""
    with db.write() as session:
        loaded = session.scalar(select(User.id).where(User.username == "demo-admin"))
        actors = _users(session)
        if loaded is not None:
            return False
        master_data(session, today)
        rules = RuleRegistry.from_settings(settings)
        orders_in_every_state(session, workflows, actors, today, rules)
        invoices_for_finance(
            session,
            workflows,
            actors,
            today,
            partial(rules.in_force, "invoice_discrepancy"),
            settings.invoice_max_lines,
        )
    return True
