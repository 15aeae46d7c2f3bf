"""The append-only event journal: every fired transition, in the same transaction as the change.

It is the audit trail (who, when it was recorded, the business day it happened on, from, to,
payload, rule decisions) and the outbox for integrations. Rows are written only by
`service.workflow.Workflows` (creation and transitions); the migration installs database
triggers that refuse UPDATE and DELETE on it.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Date, Index, String, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from service.db import Base, UTCDateTime, utcnow


class Event(Base):
    __tablename__ = "events"
    __table_args__ = (Index("ix_events_entity", "entity_type", "entity_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    entity_type: Mapped[str] = mapped_column(String(32))
    entity_id: Mapped[int]
    trigger: Mapped[str] = mapped_column(String(64))
    from_state: Mapped[str | None] = mapped_column(String(32))
    to_state: Mapped[str] = mapped_column(String(32))
    actor: Mapped[str] = mapped_column(String(64))
    # When it was recorded, and the business day it happened on (given late, an earlier day);
    # NULL only for rows journaled before business dates were kept.
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    business_date: Mapped[date | None] = mapped_column(Date)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    decisions: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    # The HTTP request that made the change (its X-Request-ID); none for the scheduler and the
    # command line.
    request_id: Mapped[str | None] = mapped_column(String(64))


_PLAIN = frozenset({str, int, bool, float, type(None)})


def jsonable(value: Any) -> Any:
    """Make a payload JSON-safe without losing money: Decimal and dates become strings."""
    # Plain scalars first, by exact type: most of a payload is already JSON, and every write
    # request walks one.
    if type(value) in _PLAIN:
        return value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [jsonable(v) for v in value]
    return value


def history(session: Session, entity_type: str, entity_id: int) -> list[Event]:
    stmt = (
        select(Event)
        .where(Event.entity_type == entity_type, Event.entity_id == entity_id)
        .order_by(Event.id)
    )
    return list(session.scalars(stmt))


def last_business_date(session: Session, entity_type: str, entity_ids: list[int]) -> date | None:
    """The latest business date among the documents' last journal rows (None when none has
    one): the day of each document's previous step."""
    last = (
        select(func.max(Event.id))
        .where(Event.entity_type == entity_type, Event.entity_id.in_(entity_ids))
        .group_by(Event.entity_id)
    )
    stmt = select(func.max(Event.business_date)).where(Event.id.in_(last))
    return session.execute(stmt).scalar_one_or_none()
