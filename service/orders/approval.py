"""HQ's approval after the credit check (credit_release rules), and finance ending a hold."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.auth.tokens import Actor
from service.masterdata.models import Customer
from service.numbering import document_number
from service.orders.guards import OrderContext
from service.orders.models import Order
from service.orders.schemas import ApprovalOut
from service.orders.usecases import MACHINE, load, to_out
from service.rulesets.credit import CreditCheck, RuleSource, check_credit, packaged_rules
from service.workflow import Workflows
from workflows import WorkflowError


@dataclass(frozen=True)
class Approval:
    """An order after HQ's approval, and the credit check that decided where it went."""

    order: Order
    credit: CreditCheck


def approval_out(approval: Approval, workflows: Workflows) -> ApprovalOut:
    out = to_out(approval.order, workflows).model_dump()
    return ApprovalOut.model_validate(out | {"credit_decision": approval.credit.to_dict()})


def approve(
    session: Session,
    *,
    actor: Actor,
    workflows: Workflows,
    order_id: int,
    today: date,
    expected_version: int | None = None,
    rules: RuleSource | None = None,
) -> Approval:
    """HQ approves: credit_release decides first; approved and numbered (R4), or held."""
    # The rules in force today hold or release it (R30, R32); held, it waits for finance without
    # a number. The decision is journalled with its explanation (R18).
    order = load(session, order_id)
    context = OrderContext(order=order, today=today)
    _refuse_early(session, workflows, order, "approve", actor, context, expected_version)
    # Approvals of one customer queue here, so each sees the others' orders in its exposure.
    session.execute(select(Customer.id).where(Customer.id == order.customer_id).with_for_update())
    credit = check_credit(rules or packaged_rules(), session, order, today)
    if credit.hold:
        workflows.fire(
            session,
            MACHINE,
            order,
            "hold_for_credit",
            actor=actor,
            context=context,
            expected_version=expected_version,
            payload={"reason": credit.reason},
            decisions=credit.journal(),
        )
    else:
        _fire_numbered(
            session,
            workflows,
            order,
            "approve",
            actor=actor,
            today=today,
            expected_version=expected_version,
            payload={},
            decisions=credit.journal(),
        )
    session.flush()  # the answer carries the new version (ETag / If-Match)
    return Approval(order, credit)


def end_credit_hold(
    session: Session,
    *,
    actor: Actor,
    workflows: Workflows,
    order_id: int,
    release: bool,
    reason: str,
    today: date,
    expected_version: int | None = None,
) -> Order:
    """Finance releases a held order (numbered, R4) or rejects it, with a written reason."""
    order = load(session, order_id)
    if release:
        _fire_numbered(
            session,
            workflows,
            order,
            "release_credit",
            actor=actor,
            today=today,
            expected_version=expected_version,
            payload={"reason": reason},
        )
        session.flush()  # the answer carries the new version (ETag / If-Match)
        return order
    workflows.fire(
        session,
        MACHINE,
        order,
        "reject_credit",
        actor=actor,
        context=OrderContext(order=order, today=today),
        expected_version=expected_version,
        payload={"reason": reason},
    )
    session.flush()  # the answer carries the new version (ETag / If-Match)
    return order


def _refuse_early(
    session: Session,
    workflows: Workflows,
    order: Order,
    trigger: str,
    actor: Actor,
    context: OrderContext,
    expected_version: int | None,
) -> None:
    """Refuse `trigger` as firing it would (state, role, guards) before any work is done."""
    try:
        workflows[MACHINE].fire(order.state, trigger, roles=actor.roles, context=context)
    except WorkflowError:
        # Fire it for real, so the refusal is exactly the trigger's, a stale If-Match first.
        workflows.fire(
            session,
            MACHINE,
            order,
            trigger,
            actor=actor,
            context=context,
            expected_version=expected_version,
        )
        raise


def _fire_numbered(
    session: Session,
    workflows: Workflows,
    order: Order,
    trigger: str,
    *,
    actor: Actor,
    today: date,
    expected_version: int | None,
    payload: dict[str, Any],
    decisions: list[dict[str, Any]] | None = None,
) -> None:
    """Fire a trigger that approves the order: it gets its company order number (R4)."""
    # Allocated inside the transaction: a refused approval rolls the number back (no gaps).
    number = document_number(session, "SO", today.year)
    order.company_order_no = number
    workflows.fire(
        session,
        MACHINE,
        order,
        trigger,
        actor=actor,
        context=OrderContext(order=order, today=today),
        expected_version=expected_version,
        payload=payload | {"company_order_no": number},
        decisions=decisions,
    )
