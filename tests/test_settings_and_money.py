"""Settings are validated at start-up; money columns stay exact Decimals on both databases."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from service.db import Money
from service.journal import jsonable
from service.masterdata.models import Customer
from service.settings import SettingsError, load_settings
from service.web.templating import percent
from tests.support import Backend


def test_defaults_come_from_config_defaults_toml() -> None:
    settings = load_settings()
    assert settings.order_max_lines == 5
    assert settings.receipt_exception_overdue_working_days == 5
    assert settings.timezone == "Asia/Shanghai"
    assert settings.database_url.startswith("sqlite:///")


def test_environment_overrides_are_validated(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("O2C_ORDER_MAX_LINES", "3")
    monkeypatch.setenv("O2C_SELLER_TAX_NO", "91310114MA1HDQ001L")
    assert load_settings().order_max_lines == 3
    assert load_settings().seller_tax_no == "91310114MA1HDQ001L"
    for name, value in [
        ("O2C_ORDER_MAX_LINES", "0"),
        ("O2C_ORDER_MAX_LINES", "five"),
        ("O2C_TIMEZONE", "Mars/Olympus"),
        ("O2C_DATABASE_URL", "mysql://x/y"),
        ("O2C_PORT", "99999"),
        ("O2C_LOG_LEVEL", "loud"),
        ("O2C_SELLER_TAX_NO", "91310114MA1HDQ00IL"),  # checked as a customer's is
        ("O2C_RECEIPT_EXCEPTION_OVERDUE_WORKING_DAYS", "0"),
        ("O2C_RECEIPT_EXCEPTION_OVERDUE_WORKING_DAYS", "61"),
        ("O2C_METRICS_TOKEN", "too-short"),
        ("O2C_METRICS_TOKEN", "a token with spaces in it"),
        ("O2C_METRICS_TOKEN", "x" * 257),
    ]:
        monkeypatch.setenv(name, value)
        with pytest.raises(SettingsError, match=f"invalid setting {name}"):
            load_settings()
        monkeypatch.delenv(name)


def test_an_unknown_setting_in_a_deployment_file_is_refused(
    monkeypatch: pytest.MonkeyPatch, tmp_path: object
) -> None:
    from pathlib import Path

    path = Path(str(tmp_path)) / "deploy.toml"
    path.write_text("order_max_line = 7\n")
    monkeypatch.setenv("O2C_CONFIG_FILE", str(path))
    with pytest.raises(SettingsError, match="order_max_line"):
        load_settings()
    path.write_text("order_max_lines = 7\n")
    assert load_settings().order_max_lines == 7


def test_money_is_decimal_never_float() -> None:
    from sqlalchemy.dialects import postgresql, sqlite

    with pytest.raises(TypeError, match="never float"):
        Money.process_bind_param(0.1, sqlite.dialect())
    with pytest.raises(ValueError, match="more than 2 decimal places"):
        Money.process_bind_param(Decimal("1.005"), postgresql.dialect())  # type: ignore[no-untyped-call]
    assert Money.process_bind_param(Decimal("12.30"), sqlite.dialect()) == 1230
    assert Money.process_result_value(1230, sqlite.dialect()) == Decimal("12.30")


def test_rates_are_shown_as_people_write_them_without_a_float() -> None:
    shown = [percent(Decimal(r)) for r in ("0.1300", "0.0650", "0.0900", "0", "0.1")]
    assert shown == ["13%", "6.5%", "9%", "0%", "10%"]
    assert percent(None) == "—"


def test_journal_payloads_keep_money_and_dates_exact() -> None:
    from datetime import UTC, date, datetime
    from enum import StrEnum

    class Kind(StrEnum):
        SHORTAGE = "shortage"

    payload = {
        "amount": Decimal("1234.50"),
        "on": date(2026, 11, 23),
        "at": datetime(2026, 11, 23, 8, 30, tzinfo=UTC),
        "lines": [{"qty": 3, "price": Decimal("0.10"), "ok": True, "note": None}],
        "kinds": (Kind.SHORTAGE,),
        7: frozenset({"x"}),
    }
    assert jsonable(payload) == {
        "amount": "1234.50",
        "on": "2026-11-23",
        "at": "2026-11-23T08:30:00+00:00",
        "lines": [{"qty": 3, "price": "0.10", "ok": True, "note": None}],
        "kinds": ["shortage"],
        "7": ["x"],
    }
    plain = {"receipt_no": "RK-1", "lines": [{"line_no": 1, "received_qty": 5}]}
    assert jsonable(plain) == plain


def test_money_round_trips_and_sums_exactly(backend: Backend) -> None:
    from service.masterdata.schemas import CustomerIn
    from service.masterdata.usecases import new_customer
    from tests.support import unique

    limits = [Decimal("0.10"), Decimal("0.20"), Decimal("99999999999.99")]
    codes = [unique("M") for _ in limits]
    with backend.db.write() as session:
        for code, limit in zip(codes, limits, strict=True):
            new_customer(
                session,
                CustomerIn(
                    code=code,
                    name=code,
                    grade="A",
                    credit_limit=limit,
                    payment_term_days=30,
                    settlement_kind="term_from_receipt",
                ),
                workflows=backend.runtime.workflows,
            )
    with backend.db.read() as session:
        stored = session.scalars(select(Customer.credit_limit).where(Customer.code.in_(codes)))
        assert sorted(stored) == sorted(limits)
        summed = session.scalar(
            select(func.sum(Customer.credit_limit, type_=Money)).where(Customer.code.in_(codes))
        )
    assert summed == sum(limits)
    assert isinstance(summed, Decimal)
