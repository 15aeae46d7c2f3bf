"""`o2c import items|customers|contracts|powers-of-attorney`: the old system's master data at
go-live, each document through the API's use case, bad rows reported by line and column."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import httpx
import pytest

from service import bootstrap
from service.auth import tokens
from service.errors import Forbidden
from service.imports import ImportReport, run_import
from tests.golive import golive_files
from tests.support import Backend, World, unique

Row = tuple[object, ...]
CUSTOMER_HEADER = [
    "code",
    "name",
    "grade",
    "credit_limit",
    "payment_term_days",
    "settlement_kind",
    "settlement_day",
    "invoice_delivery",
    "settlement_centre_address",
    "dc_code",
    "dc_name",
    "dc_address",
]
CONTRACT_HEADER = [
    "contract_no",
    "customer_code",
    "valid_from",
    "valid_to",
    "item_code",
    "unit_price",
]
ATTORNEY_HEADER = [
    "attorney_no",
    "customer_code",
    "attorney_name",
    "id_number",
    "phone",
    "scope",
    "contract_no",
    "valid_from",
    "valid_to",
]


@pytest.fixture
def hq_user(backend: Backend) -> str:
    username = unique("golive")
    with backend.db.write() as session:
        tokens.create_user(session, username=username, roles=["hq"])
    return username


@pytest.fixture
def hq(backend: Backend) -> Iterator[httpx.Client]:
    with backend.client("hq") as client:
        yield client


def _import(backend: Backend, name: str, path: Path, user: str, **kwargs: Any) -> ImportReport:
    importer = bootstrap.importers()[name]
    return run_import(backend.runtime, importer, path=path, username=user, **kwargs)


def _csv(folder: Path, header: list[str], rows: Sequence[Row]) -> Path:
    path = folder / f"{unique('file')}.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def _problems(report: ImportReport) -> dict[int, tuple[str, str]]:
    return {r.line: (r.outcome, r.reason) for r in report.problems}


def _counts(report: ImportReport) -> tuple[int, int, int]:
    return report.booked, report.already_booked, report.refused


def _customer(code: str, *, dc: str = "DC1", **cells: object) -> Row:
    values: dict[str, object] = {
        "code": code,
        "name": f"customer {code}",
        "grade": "B",
        "credit_limit": "500000",
        "payment_term_days": 45,
        "settlement_kind": "receipt",
        "dc_code": dc,
        "dc_name": f"DC {dc}" if dc else "",
    }
    values.update(cells)
    return tuple(values.get(column, "") for column in CUSTOMER_HEADER)


def test_golive_files_import_in_order_and_a_rerun_books_nothing_twice(
    backend: Backend, hq_user: str, hq: httpx.Client, tmp_path: Path
) -> None:
    golive = golive_files(tmp_path)
    expected = {"items": 10, "customers": 5, "contracts": 5, "powers-of-attorney": 6}
    for name, path in golive.files.items():
        report = _import(backend, name, path, hq_user)
        assert report.problems == [], name
        assert _counts(report) == (expected[name], 0, 0), name
    for name, path in golive.files.items():
        assert _counts(_import(backend, name, path, hq_user)) == (0, expected[name], 0), name

    c03 = hq.get(f"/customers/{golive.code('GL-C03')}").json()
    assert (c03["settlement_kind"], c03["payment_term_days"], c03["settlement_day"]) == (
        "monthly_day",
        60,
        25,
    )
    assert c03["non_working"] == "previous"
    assert c03["return_credit_methods"] == ["customer_blue_invoice"]
    c01 = hq.get(f"/customers/{golive.code('GL-C01')}").json()
    assert [w["code"] for w in c01["warehouses"]] == ["SH-DC1", "SH-DC2"]
    assert c01["tax_no"] == "91310114MA1HDQ001L"
    history = hq.get(f"/customers/{golive.code('GL-C01')}/history").json()
    assert [e["trigger"] for e in history] == ["import"]

    contract = hq.get(f"/contracts/{golive.code('GL-HT-C01')}").json()
    assert contract["discount_rate"] == "0.0200"
    assert {p["item_code"]: p["unit_price"] for p in contract["prices"]} == {
        golive.code("GL-KFR-35GW"): "2899.00",
        golive.code("GL-KFR-50LW"): "5299.00",
        golive.code("GL-BCD-470"): "4599.00",
        golive.code("GL-INST-01"): "120.00",
    }
    attorneys = hq.get(f"/customers/{golive.code('GL-C02')}/powers-of-attorney").json()
    by_name = {a["attorney_name"]: a for a in attorneys}
    # 李娜's ends with her contract; 王强's contract is the one in force on its first day.
    assert by_name["李娜"]["valid_to"] == "2028-12-31"
    assert by_name["王强"]["contract_no"] == golive.code("GL-HT-C02")
    assert by_name["王强"]["scope"] == ["collect"]
    poa_history = hq.get(f"/powers-of-attorney/{by_name['王强']['id']}/history").json()
    assert poa_history[0]["trigger"] == "import"
    assert poa_history[0]["payload"]["attorney_no"] == golive.code("GL-WT-003")


def test_customers_bad_rows_are_reported_by_line_and_the_good_ones_booked(
    backend: Backend, hq_user: str, hq: httpx.Client, tmp_path: Path
) -> None:
    a, b, c, d, e, f, g = (unique("C") for _ in range(7))
    rows = [
        _customer(a, dc="DC1"),  # line 2: not booked (line 3)
        _customer(a, dc="DC2", grade="C"),  # line 3: disagrees with line 2
        _customer(b, settlement_kind="monthly_day"),  # line 4: no settlement day
        _customer(c, grade="Z", credit_limit="lots"),  # line 5: two bad cells
        _customer(d, dc=""),  # line 6: booked, without DCs
        _customer(e, dc="", dc_name="a DC without a code"),  # line 7
        _customer(f, dc="DC1"),  # line 8: the same DC twice (refused when booked)
        _customer(f, dc="DC1"),  # line 9
        _customer(g, invoice_delivery="settlement_centre"),  # line 10: no address
    ]
    report = _import(backend, "customers", _csv(tmp_path, CUSTOMER_HEADER, rows), hq_user)

    assert _counts(report) == (1, 0, 6)
    problems = _problems(report)
    assert sorted(problems) == [2, 3, 4, 5, 7, 8, 9, 10]
    assert problems[2][0] == "not booked" and "line 3" in problems[2][1]
    assert problems[3] == ("refused", "grade: C differs from B on line 2 of the same document")
    assert problems[4][1].startswith("settlement_day: ")
    assert problems[5][1].startswith("grade: ") and "; credit_limit: " in problems[5][1]
    assert problems[7][1] == "dc_code: is empty while the row names a DC"
    assert problems[8][0] == "not booked"
    assert problems[9][1] == "dc_code: DC1 is on line 8 too"
    assert problems[10][1].startswith("settlement_centre_address: ")
    assert hq.get(f"/customers/{d}").status_code == 200
    for code in (a, b, c, e, f, g):
        assert hq.get(f"/customers/{code}").status_code == 404


def test_a_rerun_with_other_data_is_refused_naming_the_columns_and_changes_nothing(
    backend: Backend, hq_user: str, hq: httpx.Client, tmp_path: Path
) -> None:
    code = unique("C")
    first = _csv(tmp_path, CUSTOMER_HEADER, [_customer(code, dc="DC1"), _customer(code, dc="DC2")])
    assert _counts(_import(backend, "customers", first, hq_user)) == (1, 0, 0)
    before = hq.get(f"/customers/{code}").json()

    changed = [
        _customer(code, dc="DC1", credit_limit="900000"),
        _customer(code, dc="DC2", credit_limit="900000", dc_name="renamed"),
    ]
    report = _import(backend, "customers", _csv(tmp_path, CUSTOMER_HEADER, changed), hq_user)

    assert _counts(report) == (0, 0, 1)
    assert _problems(report)[2] == (
        "refused",
        f"credit_limit: customer {code} is stored with 500000.00; nothing was changed; "
        f"dc_name: customer {code} is stored with DC DC1;DC DC2; nothing was changed",
    )
    assert hq.get(f"/customers/{code}").json() == before


def test_a_contract_is_booked_whole_or_not_at_all_unknown_items_refused_by_line(
    backend: Backend, world: World, hq_user: str, hq: httpx.Client, tmp_path: Path
) -> None:
    customer = unique("C")
    made = _import(
        backend, "customers", _csv(tmp_path, CUSTOMER_HEADER, [_customer(customer)]), hq_user
    )
    assert made.booked == 1
    x, y, z, w, v = (unique("HT") for _ in range(5))
    item, other = world.items[0], world.items[1]
    rows: list[Row] = [
        (x, customer, "2026-01-01", "2026-06-30", item, "100.00"),  # line 2: not booked
        (x, customer, "2026-01-01", "2026-06-30", "NO-SUCH-ITEM", "50.00"),  # line 3
        (x, customer, "2026-01-01", "2026-06-30", "NOR-THIS", "60.00"),  # line 4
        (y, customer, "2026-07-01", "2027-06-30", item, "101.00"),  # line 5: booked
        (y, customer, "2026-07-01", "2027-06-30", other, "202.00"),  # line 6: booked
        (z, customer, "2027-01-01", "2027-12-31", item, "99.00"),  # line 7: overlaps y
        (w, "NO-SUCH-CUSTOMER", "2026-01-01", "2026-12-31", item, "99.00"),  # line 8
        (v, customer, "2028-01-01", "2028-12-31", item, "0"),  # line 9: no price
    ]
    report = _import(backend, "contracts", _csv(tmp_path, CONTRACT_HEADER, rows), hq_user)

    assert _counts(report) == (1, 0, 4)
    problems = _problems(report)
    assert problems == {
        2: ("not booked", f"contract {x} is refused: see line 3, 4"),
        3: ("refused", "item_code: unknown item NO-SUCH-ITEM"),
        4: ("refused", "item_code: unknown item NOR-THIS"),
        7: (
            "refused",
            f"valid_from: contract {y} already covers 2026-07-01 to 2027-06-30; "
            "one contract is in force at a time",
        ),
        8: ("refused", "customer_code: unknown customer NO-SUCH-CUSTOMER"),
        9: ("refused", "unit_price: Input should be greater than 0"),
    }
    assert hq.get(f"/contracts/{x}").status_code == 404
    prices = hq.get(f"/contracts/{y}").json()["prices"]
    assert {p["item_code"]: p["unit_price"] for p in prices} == {item: "101.00", other: "202.00"}

    # The items fixed, x books; y with one price changed in the file is refused on that row.
    fixed: list[Row] = [
        rows[0],
        (x, customer, "2026-01-01", "2026-06-30", world.items[2], "50.00"),
        (x, customer, "2026-01-01", "2026-06-30", other, "75.00"),
        rows[3],
        (y, customer, "2026-07-01", "2027-06-30", other, "203.00"),
    ]
    again = _import(backend, "contracts", _csv(tmp_path, CONTRACT_HEADER, fixed), hq_user)
    assert _counts(again) == (1, 0, 1)
    assert _problems(again) == {
        5: ("not booked", f"contract {y} is refused: see line 6"),
        6: (
            "refused",
            f"unit_price: contract {y} is stored with 202.00 for {other}; nothing was changed",
        ),
    }
    # Run again as first meant (the items fixed): both are booked now, each with its prices.
    rerun = _csv(tmp_path, CONTRACT_HEADER, [*fixed[:4], rows[4]])
    assert _counts(_import(backend, "contracts", rerun, hq_user)) == (0, 2, 0)


def test_a_dry_run_books_nothing_and_says_what_it_would_book(
    backend: Backend, hq_user: str, hq: httpx.Client, tmp_path: Path
) -> None:
    golive = golive_files(tmp_path)
    for name in ("items", "customers"):
        report = _import(backend, name, golive.files[name], hq_user, dry_run=True)
        assert (report.would_book, report.booked, report.refused) == (
            {"items": 10, "customers": 5}[name],
            0,
            0,
        )
    assert hq.get(f"/customers/{golive.code('GL-C01')}").status_code == 404
    assert golive.code("GL-XQB80") not in {i["code"] for i in hq.get("/items").json()}
    # The contracts name items the dry run did not book: it says so, by line.
    dry = _import(backend, "contracts", golive.files["contracts"], hq_user, dry_run=True)
    assert dry.would_book == 0 and dry.refused == 5
    assert _import(backend, "items", golive.files["items"], hq_user).booked == 10


def test_r28_powers_of_attorney_within_their_contract_found_again_by_number(
    backend: Backend, world: World, hq_user: str, hq: httpx.Client, tmp_path: Path
) -> None:
    contract = hq.get(f"/contracts/{world.contract}").json()
    start, end = contract["valid_from"], contract["valid_to"]
    numbers = [unique("WT") for _ in range(5)]
    rows: list[Row] = [
        (numbers[0], world.customer, "甲", "ID-1", "", "reconcile;collect", "", start, ""),
        (numbers[1], world.customer, "乙", "", "", "collect", "", start, ""),  # no identity
        (numbers[2], world.customer, "丙", "ID-3", "", "collect", "", start, "2099-12-31"),
        (numbers[3], "NO-SUCH-CUSTOMER", "丁", "ID-4", "", "collect", "", start, ""),
        (numbers[4], world.customer, "戊", "ID-5", "", "sign", "", start, ""),  # no such scope
    ]
    report = _import(backend, "powers-of-attorney", _csv(tmp_path, ATTORNEY_HEADER, rows), hq_user)

    assert _counts(report) == (1, 0, 4)
    problems = _problems(report)
    assert problems[3][1].startswith("id_number: ")
    assert problems[4][1].startswith("valid_to: ")
    assert problems[5][1] == "customer_code: no customer NO-SUCH-CUSTOMER"
    assert problems[6][1].startswith("scope")
    made = {
        a["attorney_name"]: a
        for a in hq.get(f"/customers/{world.customer}/powers-of-attorney").json()
    }
    assert made["甲"]["valid_to"] == end and made["甲"]["scope"] == ["reconcile", "collect"]

    # A rerun: found by number; one recorded by hand before is found by person and first day.
    by_hand = hq.post(
        f"/customers/{world.customer}/powers-of-attorney",
        json={
            "attorney_name": "己",
            "phone": "13500000000",
            "scope": ["reconcile"],
            "valid_from": start,
        },
    )
    assert by_hand.status_code == 201, by_hand.text
    changed = (numbers[0], world.customer, "甲", "ID-1", "", "collect", "", start, "")
    rerun = [
        changed,  # line 2: the scope differs from what was booked under that number
        (unique("WT"), world.customer, "己", "", "13500000000", "reconcile", "", start, ""),
    ]
    again = _import(backend, "powers-of-attorney", _csv(tmp_path, ATTORNEY_HEADER, rerun), hq_user)
    assert _counts(again) == (0, 1, 1)
    assert _problems(again)[2][1].startswith(f"scope: power of attorney {numbers[0]} is stored")


def test_the_importing_user_must_keep_master_data(backend: Backend, tmp_path: Path) -> None:
    username = unique("sales")
    with backend.db.write() as session:
        tokens.create_user(session, username=username, roles=["sales"])
    golive = golive_files(tmp_path)
    with pytest.raises(Forbidden):
        _import(backend, "customers", golive.files["customers"], username)


def test_the_commands_import_the_golive_files_and_report_by_line(
    backend: Backend, hq_user: str, tmp_path: Path
) -> None:
    golive = golive_files(tmp_path)
    env = {k: v for k, v in os.environ.items() if not k.startswith("O2C_")}
    env["O2C_DATABASE_URL"] = backend.settings.database_url

    def o2c(name: str, *args: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "service", "import", name, *args]
        return subprocess.run(command, env=env, capture_output=True, text=True, check=False)

    items = golive.files["items"]
    with items.open("a", encoding="utf-8") as handle:
        handle.write(f"{golive.code('GL-BAD')},a bad rate,台,high\n")  # line 12
    dry = o2c("items", str(items), "--user", hq_user, "--dry-run")
    assert dry.returncode == 1, dry.stderr
    assert "line 12: tax_rate: Input should be a valid decimal" in dry.stdout
    assert "dry run, nothing booked: rows read: 11; items would book: 10" in dry.stdout
    report = tmp_path / "outcomes.csv"
    done = o2c("items", str(items), "--user", hq_user, "--no-progress", "--report", str(report))
    assert done.returncode == 1
    assert "items booked: 10, already booked: 0, refused: 1" in done.stdout
    with report.open(encoding="utf-8") as handle:
        outcomes = [(r["line"], r["outcome"]) for r in csv.DictReader(handle)]
    assert outcomes == [(str(n), "booked") for n in range(2, 12)] + [("12", "refused")]
    again = o2c("items", str(items), "--user", hq_user, "--no-progress")
    assert "items booked: 0, already booked: 10, refused: 1" in again.stdout
