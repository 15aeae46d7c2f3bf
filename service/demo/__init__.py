"""Demo data: customers with contracts and prices, items, DCs, users, orders in every state,
invoices, returns and a red-letter form, receipt exceptions (one claimed from the carrier), a
reconciliation statement paid in two payments, a payment kept as unapplied credit, and an
invoice past due whose collection task the collection job raised for the demo day, with a call
logged and a promise to pay.

Loaded only in demo mode, through the same use cases users call, so the journal is real.
Loading twice changes nothing. Demo tokens are well known and refused outside demo mode.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.auth import passwords, tokens
from service.auth.models import User
from service.auth.tokens import ROLES, Actor
from service.context import Context
from service.demo.collection import collection_board
from service.demo.documents import invoices_for_finance, orders_in_every_state
from service.demo.masterdata import master_data
from service.demo.payments import payments
from service.demo.receipt_exceptions import receipt_exceptions
from service.demo.returns import returns_and_red_letter
from service.demo.statements import statements
from service.runtime import Runtime

DEMO_TOKENS = {role: f"demo-{role}" for role in ROLES}
# Every demo user logs in to the pages with this password, in demo mode only.
DEMO_PASSWORD = "demo-password"


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
            passwords.set_password(session, username=username, password=DEMO_PASSWORD)
        actors[role] = Actor(user_id=user.id, username=username, roles=frozenset([role]))
    return actors


def load(runtime: Runtime) -> bool:
    """Load the demo data unless it is already there; returns whether anything was loaded."""
    with runtime.db.write() as session:
        loaded = session.scalar(select(User.id).where(User.username == "demo-admin"))
        actors = _users(session)
        if loaded is not None:
            return False
        contexts: dict[str, Context] = {
            role: runtime.for_actor(actor) for role, actor in actors.items()
        }
        master_data(session, contexts["hq"])
        orders_in_every_state(session, contexts)
        invoices_for_finance(session, contexts)
        returns_and_red_letter(session, contexts)
        receipt_exceptions(session, contexts)
        statements(session, contexts)
        payments(session, contexts)
        collection_board(session, contexts)
    return True
