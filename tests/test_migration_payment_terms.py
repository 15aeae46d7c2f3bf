"""R19, migration 0015: each existing customer's terms become its version 1, in force since
2000-01-01 (the old code term_from_receipt as the basis receipt), and the customer's own term
columns go, on both databases."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError

from service.db import Database
from service.migrate import upgrade
from tests.support import BACKENDS, fresh_database


@pytest.fixture(params=BACKENDS)
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    with ExitStack() as stack:
        url = stack.enter_context(fresh_database(request.param, tmp_path))
        db = Database(url)
        stack.callback(db.dispose)
        yield db


def _customer(code: str, kind: str, days: int, day: int | None) -> dict[str, object]:
    return {"code": code, "kind": kind, "days": days, "day": day}


def test_r19_existing_customers_terms_become_their_first_version(database: Database) -> None:
    upgrade(database, "0014")
    insert = text(
        "INSERT INTO customers (code, name, branch, grade, credit_limit, payment_term_days, "
        "settlement_kind, settlement_day, reconciliation_lead_days, invoice_delivery, "
        "discount_mode, return_credit_methods, state, created_at, version, tax_no) VALUES "
        "(:code, 'old customer', '', 'B', 100000, :days, :kind, :day, 3, 'branch', "
        "'on_invoice', '[]', 'active', CURRENT_TIMESTAMP, 1, '')"
    )
    with database.engine.begin() as connection:
        connection.execute(insert, _customer("OLD-R", "term_from_receipt", 45, None))
        connection.execute(insert, _customer("OLD-M", "monthly_day", 60, 25))
    upgrade(database)
    with database.engine.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT c.code, t.effective_from, t.basis, t.days, t.day_of_month, "
                "t.non_working, t.created_by FROM payment_terms t JOIN customers c "
                "ON c.id = t.customer_id ORDER BY c.code"
            )
        ).all()
        columns = {c["name"] for c in inspect(connection).get_columns("customers")}
    since = [date.fromisoformat(str(r[1])) for r in rows]
    assert since == [date(2000, 1, 1)] * 2
    assert [(r[0], r[2], r[3], r[4], r[5], r[6]) for r in rows] == [
        ("OLD-M", "monthly_day", 60, 25, "keep", "migration"),
        ("OLD-R", "receipt", 45, None, "keep", "migration"),
    ]
    assert not columns & {"payment_term_days", "settlement_kind", "settlement_day"}
    # The table keeps a day of the month only with a monthly settlement day, on both databases.
    with database.engine.connect() as connection:
        refused = text(
            "INSERT INTO payment_terms (customer_id, effective_from, basis, days, day_of_month, "
            "non_working, note, created_by, created_at) SELECT id, '2026-01-01', 'receipt', 30, "
            "15, 'keep', '', 'test', CURRENT_TIMESTAMP FROM customers WHERE code = 'OLD-R'"
        )
        with pytest.raises(IntegrityError, match="ck_payment_terms_day_of_month"):
            connection.execute(refused)
