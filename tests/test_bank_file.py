"""Reading a bank statement file (no database): encodings, Chinese and English headers, amounts
as banks write them, dates, debits skipped, and each bad field named by line and code."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from service.errors import Invalid
from service.payments.bankfile import (
    MAX_COLUMNS,
    decode,
    parse_amount,
    parse_day,
    read_rows,
    same_file_twice,
)
from service.payments.bankmatch import tokens

TODAY = date(2026, 12, 6)


@pytest.mark.parametrize(
    ("text", "amount"),
    [
        ("1,234.50", Decimal("1234.50")),
        ("¥1,234.5", Decimal("1234.50")),
        ("１２３．４５", Decimal("123.45")),
        ("-88.00", Decimal("-88.00")),
        ("(88.00)", Decimal("-88.00")),
        ("12.345", None),
        ("12.3.4", None),
        ("NaN", None),
        ("", None),
    ],
)
def test_amounts_as_banks_write_them(text: str, amount: Decimal | None) -> None:
    assert parse_amount(text) == amount


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("2026-12-05", date(2026, 12, 5)),
        ("2026/12/5", date(2026, 12, 5)),
        ("20261205", date(2026, 12, 5)),
        ("2026年12月5日", date(2026, 12, 5)),
        ("2026-12-05 10:31:02", date(2026, 12, 5)),
        ("2026-13-45", None),
        ("05/12/2026", None),
    ],
)
def test_dates_as_banks_write_them(text: str, day: date | None) -> None:
    assert parse_day(text) == day


def test_a_gbk_file_with_chinese_headers_reads_like_a_utf8_one() -> None:
    text = '交易时间,贷方金额,对方账户名称,交易流水号,摘要\n20261205,"1,000.00",某公司,ab 12,货款\n'
    for content in (text.encode("gbk"), text.encode("utf-8-sig"), text.encode("gb18030")):
        [row] = read_rows(decode(content, "f.csv"), "f.csv", TODAY)
        assert (row.value_date, row.amount, row.payer, row.bank_reference, row.remittance) == (
            date(2026, 12, 5),
            Decimal("1000.00"),
            "某公司",
            "AB12",
            "货款",
        )
    with pytest.raises(Invalid) as refused:
        decode(b"\x00\x01\xff\xfe", "f.csv")
    assert refused.value.code == "bank.file.not_text"


def test_each_bad_field_is_named_by_line_and_debits_are_skipped() -> None:
    text = (
        "date,amount,payer,reference,memo,balance\n"
        "2026-12-05,10.00,A,R1,x,1\n"
        "\n"
        "2026-12-07,10.00,A,R2,x,1\n"
        "2026-12-05,-5.00,,R3,refund\n"
        "2026-12-05,10.00,,r 1,x\n"
        f"2026-12-05,10.00,A,{'R' * 65},x\n"
        "2026-12-05,10.00,A\x07,R5,x\n"
    )
    rows = read_rows(text, "f.csv", TODAY)
    same_file_twice(rows)
    assert [r.line for r in rows] == [2, 4, 5, 6, 7, 8]
    found = {r.line: sorted((p.field, p.code) for p in r.problems) for r in rows}
    assert found[2] == []
    assert found[4] == [("value_date", "bank.line.date_in_future")]
    assert rows[2].skipped
    assert found[6] == [("bank_reference", "bank.line.repeated"), ("payer", "bank.line.empty")]
    assert found[7] == [("bank_reference", "bank.line.too_long")]
    assert found[8] == [("payer", "bank.line.control_characters"), ("payer", "bank.line.empty")]
    assert rows[0].raw == {
        "date": "2026-12-05",
        "amount": "10.00",
        "payer": "A",
        "reference": "R1",
        "memo": "x",
        "balance": "1",
    }


def test_a_header_without_the_needed_columns_or_with_too_many_is_refused() -> None:
    with pytest.raises(Invalid) as missing:
        read_rows("日期,金额\n", "f.csv", TODAY)
    assert (missing.value.code, missing.value.params["missing"]) == (
        "bank.file.columns_missing",
        ["payer", "bank_reference"],
    )
    with pytest.raises(Invalid) as twice:
        read_rows("日期,交易日期,金额,付款人,流水号\n", "f.csv", TODAY)
    assert twice.value.code == "bank.file.column_twice"
    wide = ",".join(["date", "amount", "payer", "reference"] + ["x"] * MAX_COLUMNS)
    with pytest.raises(Invalid) as too_wide:
        read_rows(wide + "\n", "f.csv", TODAY)
    assert too_wide.value.code == "bank.file.too_many_columns"


def test_references_are_read_from_remittance_text_in_any_width() -> None:
    assert tokens("货款ＩＶ２０２６０００００１，对账单dz2026000002") == [
        "IV2026000001",
        "DZ2026000002",
    ]
    assert tokens("FP26440000000000000002款") == ["FP26440000000000000002", "26440000000000000002"]
