"""Gap-free document numbers allocated inside the caller's transaction."""

from __future__ import annotations

import re
from collections.abc import Iterable

from sqlalchemy import String, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column
from sqlalchemy.sql.dml import ReturningUpdate

from service.db import Base


class NumberSequence(Base):
    """Counters for document numbers (company order numbers, shipment notes)."""

    __tablename__ = "number_sequences"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    last_value: Mapped[int] = mapped_column(default=0)


def _move(name: str, by: int) -> ReturningUpdate[int]:
    return (
        update(NumberSequence)
        .where(NumberSequence.name == name)
        .values(last_value=NumberSequence.last_value + by)
        .returning(NumberSequence.last_value)
    )


def reserve(session: Session, name: str, count: int = 1) -> int:
    """Take the next `count` values of the counter `name` and return the last of them; the
    counter's row stays locked until the transaction ends (concurrent callers queue on it)."""
    value = session.execute(_move(name, count)).scalar_one_or_none()
    if value is not None:
        return value
    try:
        with session.begin_nested():
            session.add(NumberSequence(name=name, last_value=count))
        return count
    except IntegrityError:
        # Someone created the counter at the same moment; now the update finds it.
        return session.execute(_move(name, count)).scalar_one()


def give_back(session: Session, name: str, count: int) -> None:
    """Return the last `count` values this transaction reserved and did not use (numbers stay
    gap-free); only right while the transaction still holds the counter from `reserve`."""
    if count:
        session.execute(_move(name, -count))


def next_number(session: Session, name: str) -> int:
    """Increment and return the counter `name`; concurrent callers queue on its row lock."""
    return reserve(session, name)


def counter(prefix: str, year: int) -> str:
    return f"{prefix}-{year}"


def formatted(prefix: str, year: int, value: int) -> str:
    return f"{prefix}{year}{value:06d}"


def document_number(session: Session, prefix: str, year: int) -> str:
    """A number like SO2026000123: prefix, year, and a per-year counter."""
    return formatted(prefix, year, next_number(session, counter(prefix, year)))


def document_numbers(session: Session, prefix: str, year: int, count: int) -> list[str]:
    """`count` consecutive numbers in one step (see `document_number`)."""
    last = reserve(session, counter(prefix, year), count)
    return [formatted(prefix, year, value) for value in range(last - count + 1, last + 1)]


def at_least(session: Session, prefix: str, numbers: Iterable[str]) -> None:
    """Numbers made elsewhere (the old system's, imported) that look like ours: the counter of
    each year moves past the highest, so no number this service makes later repeats one."""
    highest: dict[int, int] = {}
    for number in numbers:
        found = re.fullmatch(rf"{re.escape(prefix)}([0-9]{{4}})([0-9]{{6}})", number)
        if found is not None:
            year, value = int(found[1]), int(found[2])
            highest[year] = max(value, highest.get(year, 0))
    for year, value in sorted(highest.items()):
        name = counter(prefix, year)
        current = session.scalar(
            select(NumberSequence.last_value).where(NumberSequence.name == name)
        )
        if current is None:
            reserve(session, name, value)
        elif current < value:
            reserve(session, name, value - current)
