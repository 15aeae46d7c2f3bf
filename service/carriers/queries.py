"""R7: the carrier reports the signed receipt within 2 working days of signature; who is late.
Beside it, each carrier's record of claims (R8): the shortages claimed from it, what was claimed
and settled, the claims it refused and those still awaiting its answer.

Receipts posting reads the deadline from here to judge each receipt's report.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, select
from sqlalchemy.orm import Session

from service.carriers.schemas import CarrierLateness, LateReceipt
from service.context import Context
from service.orders.models import Order
from service.receipts.models import Receipt, ReceiptException
from service.scheduler.models import Task
from service.shipments.models import Shipment
from service.workdays import add_working_days

CARRIER_RECEIPT_OVERDUE = "carrier_receipt_overdue"
CARRIER_REPORT_WORKING_DAYS = 2
ZERO = Decimal("0.00")


def report_deadline(signed_on: date) -> date:
    """The last working day on which the carrier may report a receipt signed on `signed_on`."""
    return add_working_days(signed_on, CARRIER_REPORT_WORKING_DAYS)


def _judged(since: date | None, until: date | None) -> list[ColumnElement[bool]]:
    """The receipts R7 judged (internal-warehouse shipments), signed within the period."""
    judged = [Shipment.warehouse_kind == "internal", Receipt.reported_late.is_not(None)]
    if since:
        judged.append(Receipt.receipt_date >= since)
    if until:
        judged.append(Receipt.receipt_date <= until)
    return judged


def _counts(session: Session, judged: list[ColumnElement[bool]]) -> list[Any]:
    """Per carrier: the receipts judged and how many of them were reported late."""
    return list(
        session.execute(
            select(
                Shipment.carrier,
                func.count(Receipt.id),
                func.sum(case((Receipt.reported_late.is_(True), 1), else_=0)),
            )
            .join(Receipt, Receipt.shipment_id == Shipment.id)
            .where(*judged)
            .group_by(Shipment.carrier)
            .order_by(Shipment.carrier)
        ).all()
    )


@dataclass(frozen=True)
class Claims:
    """A carrier's claims (R8) on the shortages of receipts signed in a period: how many, what
    was claimed and settled, how many it refused (closed without a settlement) and how many
    await its answer."""

    carrier: str
    claims: int = 0
    claimed_amount: Decimal = ZERO
    settled_amount: Decimal = ZERO
    refused_claims: int = 0
    open_claims: int = 0


def _claims(session: Session, since: date | None, until: date | None) -> dict[str, Claims]:
    """Per carrier, its claims on the shortages of the receipts signed in the period."""
    claimed = ReceiptException.claim_amount.is_not(None)
    closed = ReceiptException.claim_closed_on.is_not(None)
    refused = and_(closed, ReceiptException.claim_settled_amount.is_(None))
    period: list[ColumnElement[bool]] = [claimed]
    if since:
        period.append(Receipt.receipt_date >= since)
    if until:
        period.append(Receipt.receipt_date <= until)
    rows = session.execute(
        select(
            Shipment.carrier,
            func.count(ReceiptException.id),
            func.sum(ReceiptException.claim_amount),
            func.sum(ReceiptException.claim_settled_amount),
            func.sum(case((refused, 1), else_=0)),
            func.sum(case((closed, 0), else_=1)),
        )
        .join(Receipt, Receipt.shipment_id == Shipment.id)
        .join(ReceiptException, ReceiptException.receipt_id == Receipt.id)
        .where(*period)
        .group_by(Shipment.carrier)
    ).all()
    return {
        carrier: Claims(
            carrier,
            claims,
            claimed_amount or ZERO,
            settled_amount or ZERO,
            int(refused_claims or 0),
            int(open_claims or 0),
        )
        for carrier, claims, claimed_amount, settled_amount, refused_claims, open_claims in rows
    }


def lateness(
    session: Session, _ctx: Context, *, since: date | None, until: date | None
) -> list[CarrierLateness]:
    """Per carrier: receipts judged, how many were reported late, and which; and its claims on
    the shortages of the receipts signed in the period."""
    judged = _judged(since, until)
    counted = {name: (total, int(late or 0)) for name, total, late in _counts(session, judged)}
    claims = _claims(session, since, until)
    late_rows = session.execute(
        select(
            Shipment.carrier,
            Receipt.order_id,
            Order.company_order_no,
            Receipt.receipt_no,
            Receipt.receipt_date,
            Receipt.report_deadline,
            Receipt.reported_on,
        )
        .join(Receipt, Receipt.shipment_id == Shipment.id)
        .join(Order, Order.id == Receipt.order_id)
        .where(*judged, Receipt.reported_late.is_(True))
        .order_by(Receipt.receipt_date, Receipt.id)
    ).all()
    late_by_carrier: dict[str, list[LateReceipt]] = {}
    for row in late_rows:
        late_by_carrier.setdefault(row.carrier, []).append(LateReceipt.model_validate(row))
    return [
        CarrierLateness(
            receipts=counted.get(carrier, (0, 0))[0],
            late=counted.get(carrier, (0, 0))[1],
            late_receipts=late_by_carrier.get(carrier, []),
            **asdict(claims.get(carrier, Claims(carrier))),
        )
        for carrier in sorted(counted.keys() | claims.keys())
    ]


@dataclass(frozen=True)
class CarrierRow:
    """One carrier on the board: receipts judged in the period, how many late, and how many of
    its deliveries are being chased now (tasks of R7's job the reader's role owns)."""

    carrier: str
    receipts: int
    late: int
    chasing: int


@dataclass(frozen=True)
class LateRow:
    """A signed receipt the carrier reported late."""

    id: int
    carrier: str
    order_id: int
    company_order_no: str | None
    receipt_no: str
    receipt_date: date
    report_deadline: date
    reported_on: date


@dataclass(frozen=True)
class Board:
    """The carriers' rows, a page of late receipts and where the next page starts, how many
    deliveries the reader's role is chasing, and the carriers' claims (R8)."""

    carriers: list[CarrierRow]
    late: list[LateRow]
    following: int | None
    chasing: int
    claims: list[Claims]


def board(
    session: Session,
    ctx: Context,
    *,
    since: date | None,
    until: date | None,
    carrier: str | None = None,
    before: int | None = None,
    size: int = 50,
) -> Board:
    """The carriers' board: per carrier the counts, a page of late receipts, newest first
    (by key: `before` is the last receipt id shown), of one carrier or all, and per carrier its
    claims on the shortages of the receipts signed in the period."""
    judged = _judged(since, until)
    live = ctx.workflows["task"].tagged("live")
    chases = dict(
        session.execute(
            select(Shipment.carrier, func.count(Task.id))
            .select_from(Task)
            .join(Shipment, Shipment.id == Task.subject_id)
            .where(
                Task.kind == CARRIER_RECEIPT_OVERDUE,
                Task.subject_type == "shipment",
                Task.state.in_(live),
                Task.owner_role.in_(sorted(ctx.actor.roles)),
            )
            .group_by(Shipment.carrier)
        ).all()
    )
    counted = {name: (total, int(late or 0)) for name, total, late in _counts(session, judged)}
    carriers = [
        CarrierRow(name, *counted.get(name, (0, 0)), chasing=chases.get(name, 0))
        for name in sorted(counted.keys() | chases.keys())
    ]
    stmt = (
        select(
            Receipt.id,
            Shipment.carrier,
            Receipt.order_id,
            Order.company_order_no,
            Receipt.receipt_no,
            Receipt.receipt_date,
            Receipt.report_deadline,
            Receipt.reported_on,
        )
        .join(Receipt, Receipt.shipment_id == Shipment.id)
        .join(Order, Order.id == Receipt.order_id)
        .where(*judged, Receipt.reported_late.is_(True))
        .order_by(Receipt.id.desc())
        .limit(size + 1)
    )
    if carrier:
        stmt = stmt.where(Shipment.carrier == carrier)
    if before is not None:
        stmt = stmt.where(Receipt.id < before)
    rows = session.execute(stmt).all()
    late = [LateRow(**row._mapping) for row in rows[:size]]
    following = late[-1].id if len(rows) > size else None
    claims = _claims(session, since, until)
    return Board(
        carriers,
        late,
        following,
        chasing=sum(chases.values()),
        claims=[claims[name] for name in sorted(claims)],
    )
