"""Gap-free document numbers allocated inside the caller's transaction."""

from __future__ import annotations

from sqlalchemy import String, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from service.db import Base


class NumberSequence(Base):
    """Counters for document numbers (company order numbers, shipment notes)."""

    __tablename__ = "number_sequences"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    last_value: Mapped[int] = mapped_column(default=0)


def next_number(session: Session, name: str) -> int:
    """Increment and return the counter `name`; concurrent callers queue on its row lock."""
    stmt = (
        update(NumberSequence)
        .where(NumberSequence.name == name)
        .values(last_value=NumberSequence.last_value + 1)
        .returning(NumberSequence.last_value)
    )
    value = session.execute(stmt).scalar_one_or_none()
    if value is not None:
        return value
    try:
        with session.begin_nested():
            session.add(NumberSequence(name=name, last_value=1))
        return 1
    except IntegrityError:
        # Someone created the counter at the same moment; now the update finds it.
        return session.execute(stmt).scalar_one()


def document_number(session: Session, prefix: str, year: int) -> str:
    """A number like SO2026000123: prefix, year, and a per-year counter."""
    return f"{prefix}{year}{next_number(session, f'{prefix}-{year}'):06d}"
