"""Planner statistics kept fresh after bulk changes.

Both databases choose their plans, among them the partial indexes of the daily scans, from the
statistics ANALYZE gathers. PostgreSQL's autovacuum gathers them again once about a tenth of a
table has changed, on its own schedule; SQLite never does on its own. So a change of many rows
at once (a large claim of invoices by statements, a terms change moving many due dates, the due
dates a newly known calendar year fills, a large import) is followed by ANALYZE of the table, in
the same transaction: the next scan plans with what is there now. A day's ordinary changes of a
large book are a sliver of it and gather nothing.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from service.db import Base, table_of

# A change of more rows than this, and of more than this share of the table, is a bulk change.
BULK_ROWS = 10_000
BULK_SHARE = 0.1


def refresh_after(session: Session, model: type[Base], changed: int) -> bool:
    """ANALYZE the model's table when `changed` rows make a bulk change of it; whether it did."""
    if changed <= BULK_ROWS:
        return False
    table = table_of(model)
    # The highest id stands for the number of rows (read from the primary key at once).
    rows = session.scalar(select(func.max(table.c.id))) or 0
    if changed <= BULK_SHARE * rows:
        return False
    analyze(session, table.name)
    return True


def analyze(session: Session, table: str) -> None:
    """Fresh planner statistics of `table` (both databases know ANALYZE)."""
    session.connection().exec_driver_sql(f"ANALYZE {table}")
