"""Handing a customer to audit & legal (清欠户, R31) and the cases legal works from.

The hand-over moves the customer by its lifecycle (no new order is approved for it: the order
guard `customer_active`), closes its live collection tasks (ordinary reminders stop: the daily
job leaves such customers out) and opens the case. A case's history is read from the documents
themselves: invoices, statements, collection tasks with their contacts, promises and
escalations (from the journal), payments.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from service import ledger
from service.collection.models import CollectionContact, CollectionTask, LegalCase, PromiseToPay
from service.collection.queries import task_out
from service.collection.schemas import (
    CaseCloseIn,
    CaseDetail,
    CaseEscalation,
    CaseOut,
    ContactOut,
    HandoverIn,
    PromiseOut,
)
from service.context import Context
from service.db import utcnow
from service.errors import Conflict, NotFound
from service.invoices.models import Invoice
from service.journal import Event
from service.masterdata.models import Customer
from service.payments.models import Payment
from service.statements.models import Statement
from service.workflow import RowRef

MOST = 1000
CLOSED_NOT = {"outcome": None, "closed_on": None, "closed_by": None, "close_note": None}
# What closing a case does to its customer (the customer lifecycle's internal triggers).
CLOSING = {"recovered": "recover", "written_off": "write_off"}


def customer_of(session: Session, code: str) -> Customer:
    found = session.scalar(select(Customer).where(Customer.code == code))
    if found is None:
        raise NotFound("collection.customer_not_found", field="code", customer_code=code)
    return found


def _case_out(case: LegalCase, customer: Customer) -> CaseOut:
    return CaseOut.model_validate(
        {
            **{f: getattr(case, f) for f in CaseOut.model_fields if hasattr(case, f)},
            "customer_code": customer.code,
            "customer_name": customer.name,
        }
    )


def hand_over(session: Session, ctx: Context, *, code: str, data: HandoverIn) -> CaseDetail:
    """R31: the customer becomes 清欠户; its live collection tasks close; legal gets the case."""
    customer = customer_of(session, code)
    owed = ledger.balance(session, customer.id)
    ctx.fire(
        session,
        customer,
        "hand_over_to_legal",
        payload={"reason": data.reason, "outstanding": owed.outstanding},
    )
    opened = {
        "opened_on": ctx.today,
        "opened_by": ctx.actor.username,
        "reason": data.reason,
        "outstanding": owed.outstanding,
        "unapplied": owed.unapplied,
        **CLOSED_NOT,
    }
    case = session.scalar(select(LegalCase).where(LegalCase.customer_id == customer.id))
    if case is None:
        case = LegalCase(customer_id=customer.id, **opened)
        session.add(case)
    else:  # recovered once and handed over again: its case opens anew (the journal keeps both)
        for name, value in opened.items():
            setattr(case, name, value)
    session.flush()
    live = session.execute(
        select(CollectionTask.id, CollectionTask.state, CollectionTask.version).where(
            CollectionTask.customer_id == customer.id,
            CollectionTask.state.in_(ctx.workflows.tagged(CollectionTask, "live")),
        )
    ).all()
    refs = [RowRef(CollectionTask, r.id, r.state, r.version) for r in live]
    ctx.fire_many(session, refs, "hand_over", payload={"case_id": case.id})
    if refs:
        session.execute(
            update(CollectionTask)
            .where(CollectionTask.id.in_([r.id for r in refs]))
            .values(closed_at=utcnow(), resolution=f"handed to audit & legal (case {case.id})")
            .execution_options(synchronize_session=False)
        )
    return detail(session, ctx, case)


def close(session: Session, ctx: Context, *, case_id: int, data: CaseCloseIn) -> CaseDetail:
    """R31: legal closes the case: recovered puts the customer back to suspended (HQ reactivates
    it as usual), written off keeps it handed to legal; journalled on the customer."""
    case = session.get(LegalCase, case_id, with_for_update=True)
    if case is None:
        raise NotFound("collection.case_not_found", field="case_id", case_id=case_id)
    if case.outcome is not None:
        raise Conflict(
            "collection.case_closed", field="case_id", case_id=case_id, outcome=case.outcome
        )
    customer = session.get_one(Customer, case.customer_id)
    ctx.fire(
        session,
        customer,
        CLOSING[data.outcome],
        payload={"case_id": case.id, "outcome": data.outcome, "note": data.note},
    )
    case.outcome = data.outcome
    case.closed_on = ctx.today
    case.closed_by = ctx.actor.username
    case.close_note = data.note
    session.flush()
    return detail(session, ctx, case)


def cases(session: Session, ctx: Context, *, limit: int, offset: int) -> list[CaseOut]:
    rows = session.execute(
        select(LegalCase, Customer)
        .join(Customer, Customer.id == LegalCase.customer_id)
        .order_by(LegalCase.id.desc())
        .limit(limit)
        .offset(offset)
    ).all()
    return [_case_out(case, customer) for case, customer in rows]


def get(session: Session, ctx: Context, *, case_id: int) -> CaseDetail:
    case = session.get(LegalCase, case_id)
    if case is None:
        raise NotFound("collection.case_not_found", field="case_id", case_id=case_id)
    return detail(session, ctx, case)


def _all(session: Session, query: Any) -> list[Any]:
    return list(session.scalars(query.limit(MOST)).all())


def detail(session: Session, ctx: Context, case: LegalCase) -> CaseDetail:
    """The case with the customer's full history."""
    customer = session.get_one(Customer, case.customer_id)
    cid = customer.id
    tasks = _all(
        session,
        select(CollectionTask).where(CollectionTask.customer_id == cid).order_by(CollectionTask.id),
    )
    escalations = _all(
        session,
        select(Event)
        .where(
            Event.entity_type == "collection_task",
            Event.entity_id.in_([t.id for t in tasks]),
            Event.trigger == "escalate",
        )
        .order_by(Event.id),
    )
    return CaseDetail.model_validate(
        {
            **_case_out(case, customer).model_dump(),
            "invoices": _all(
                session,
                select(Invoice)
                .where(Invoice.customer_id == cid)
                .order_by(Invoice.due_date, Invoice.id),
            ),
            "statements": _all(
                session,
                select(Statement)
                .where(Statement.customer_id == cid)
                .order_by(Statement.settlement_date, Statement.id),
            ),
            "tasks": [task_out(t, customer, ctx) for t in tasks],
            "contacts": [
                ContactOut.model_validate(c)
                for c in _all(
                    session,
                    select(CollectionContact)
                    .where(CollectionContact.customer_id == cid)
                    .order_by(CollectionContact.id),
                )
            ],
            "promises": [
                PromiseOut.model_validate(p)
                for p in _all(
                    session,
                    select(PromiseToPay)
                    .where(PromiseToPay.customer_id == cid)
                    .order_by(PromiseToPay.id),
                )
            ],
            "payments": _all(
                session,
                select(Payment)
                .where(Payment.customer_id == cid)
                .order_by(Payment.value_date, Payment.id),
            ),
            "escalations": [
                CaseEscalation(
                    task_id=e.entity_id,
                    occurred_at=e.occurred_at,
                    from_state=e.from_state,
                    owner_role=str(e.payload.get("owner_role", "")),
                    level=int(e.payload.get("level", 0)),
                )
                for e in escalations
            ],
        }
    )
