"""The receivables ageing (R30) through the API on both databases: its buckets add up to what the
ledger stores, invoices fall into the right bucket at its edges, by due date or by receipt date
(R19), an invoice whose due date waits for the calendar has a bucket of its own, unapplied credit
is shown beside each customer, the CSV for Excel, and a customer's receivables."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select

from service.ledger import Balance
from service.receivables.ageing import Buckets, ageing
from service.settings import SettingsError, load_settings
from tests import receivables_flows as rf
from tests.flows import Flows
from tests.support import Backend, make_world

ZERO = Decimal("0.00")
BUCKETS = ["not_due", "1_30", "31_60", "61_90", "91_180", "over_180", "no_due_date"]
AS_OF = date(2026, 12, 31)


def _ago(days: int) -> date:
    return AS_OF - timedelta(days=days)


def _amount(invoice: dict[str, object]) -> Decimal:
    return Decimal(str(invoice["outstanding"]))


def test_r30_ageing_buckets_add_up_to_the_outstanding_the_ledger_stores(
    backend: Backend, flows: Flows
) -> None:
    wanted = {
        "not_due": _ago(-10),
        "1_30": _ago(12),
        "61_90": _ago(70),
        "over_180": _ago(400),
        "no_due_date": None,
    }
    made = rf.dated_invoices(flows, *({"due": day} for day in wanted.values()))
    invoices = dict(zip(wanted, made, strict=True))
    found = rf.row(flows, as_of=str(AS_OF))
    assert list(found["buckets"]) == BUCKETS
    for code in BUCKETS:
        expected = _amount(invoices[code]) if code in invoices else ZERO
        assert Decimal(found["buckets"][code]) == expected, code
    stored = rf.stored_balance(flows)
    total = sum(Decimal(v) for v in found["buckets"].values())
    # The sum of the buckets is the stored outstanding, and the ledger identity holds.
    assert total == Decimal(found["outstanding"]) == stored["outstanding"]
    left = (
        stored["invoiced"]
        - stored["red_invoiced"]
        - stored["credited"]
        - stored["paid"]
        - stored["deducted"]
    )
    assert left == stored["outstanding"] - stored["unapplied"]
    assert found["invoices"] == len(invoices)
    # Overdue: past the due date (the undated one is not overdue, never guessed).
    overdue = sum(_amount(invoices[c]) for c in ("1_30", "61_90", "over_180"))
    assert Decimal(found["overdue"]) == overdue
    assert found["customer_code"] == flows.world.customer and found["grade"] == "B"

    # Over the whole database: every customer's row is its stored outstanding, the totals
    # their sum.
    everyone = flows.finance.get("/receivables/ageing", params={"as_of": str(AS_OF)}).json()
    with backend.db.read() as session:
        owed = session.scalar(select(func.coalesce(func.sum(Balance.outstanding), 0))) or 0
    assert Decimal(everyone["totals"]["outstanding"]) == Decimal(owed)
    assert sum(Decimal(v) for v in everyone["totals"]["buckets"].values()) == Decimal(owed)
    assert everyone["totals"]["customers"] == len(everyone["customers"])
    codes = [r["customer_code"] for r in everyone["customers"]]
    assert codes == sorted(codes)


def test_r30_bucket_edges_due_today_is_not_due_day_30_and_31_apart(flows: Flows) -> None:
    edges = {
        "today": (0, "not_due"),
        "tomorrow": (-1, "not_due"),
        "yesterday": (1, "1_30"),
        "day 30": (30, "1_30"),
        "day 31": (31, "31_60"),
        "day 60": (60, "31_60"),
        "day 61": (61, "61_90"),
        "day 180": (180, "91_180"),
        "day 181": (181, "over_180"),
    }
    dated = rf.dated_invoices(flows, *({"due": _ago(days)} for days, _b in edges.values()))
    made = dict(zip(edges, dated, strict=True))
    listed = {i["invoice_no"]: i for i in rf.receivables(flows, as_of=str(AS_OF))["invoices"]}
    for name, (days, bucket) in edges.items():
        shown = listed[made[name]["invoice_no"]]
        assert (shown["days"], shown["bucket"]) == (days, bucket), name
        assert shown["due_date"] == str(_ago(days))
    # The aggregate puts each in the same bucket as the invoice list.
    found = rf.row(flows, as_of=str(AS_OF))
    for code in BUCKETS:
        expected = sum((_amount(made[n]) for n, (_d, b) in edges.items() if b == code), ZERO)
        assert Decimal(found["buckets"][code]) == expected, code


def test_r19_ageing_by_receipt_date_counts_days_since_the_customer_received(
    flows: Flows,
) -> None:
    recent, old, waiting = rf.dated_invoices(
        flows,
        {"due": _ago(-45), "received": _ago(0)},
        {"due": _ago(5), "received": _ago(50)},
        {"due": None, "received": _ago(95)},
    )
    by_due = rf.row(flows, as_of=str(AS_OF), basis="due")
    assert Decimal(by_due["buckets"]["not_due"]) == _amount(recent)
    assert Decimal(by_due["buckets"]["1_30"]) == _amount(old)
    assert Decimal(by_due["buckets"]["no_due_date"]) == _amount(waiting)

    answer = rf.ageing(flows, as_of=str(AS_OF), basis="receipt")
    assert answer["basis"] == "receipt"
    assert [b["code"] for b in answer["buckets"]] == [
        "0_30",
        "31_60",
        "61_90",
        "91_180",
        "over_180",
        "no_receipt_date",
    ]
    [by_receipt] = answer["customers"]
    assert Decimal(by_receipt["buckets"]["0_30"]) == _amount(recent)
    assert Decimal(by_receipt["buckets"]["31_60"]) == _amount(old)
    # By receipt date the invoice waiting for its due date is aged all the same.
    assert Decimal(by_receipt["buckets"]["91_180"]) == _amount(waiting)
    assert by_receipt["outstanding"] == by_due["outstanding"]
    # Overdue is by due date whatever the basis.
    assert by_receipt["overdue"] == by_due["overdue"] == str(_amount(old))
    listed = rf.receivables(flows, as_of=str(AS_OF), basis="receipt")["invoices"]
    assert [(i["invoice_no"], i["days"], i["bucket"]) for i in listed] == [
        (waiting["invoice_no"], 95, "91_180"),
        (old["invoice_no"], 50, "31_60"),
        (recent["invoice_no"], 0, "0_30"),
    ]


def test_r30_buckets_follow_the_setting(backend: Backend, flows: Flows) -> None:
    made = rf.dated_invoices(flows, *({"due": _ago(d)} for d in (0, 10, 11, 20, 21)))
    buckets = Buckets.of("due", AS_OF, [10, 20])
    assert [b.code for b in buckets.all] == ["not_due", "1_10", "11_20", "over_20", "no_due_date"]
    with backend.db.read() as session:
        [found] = ageing(session, buckets, customer=flows.world.customer).customers
    amounts = [_amount(i) for i in made]
    assert found.buckets == {
        "not_due": amounts[0],
        "1_10": amounts[1],
        "11_20": amounts[2] + amounts[3],
        "over_20": amounts[4],
        "no_due_date": ZERO,
    }


def test_r30_unapplied_credit_is_shown_beside_the_customer(backend: Backend, flows: Flows) -> None:
    [owing] = rf.dated_invoices(flows, {"due": _ago(3)})
    with rf.credit_held(flows, Decimal("120.50")):
        found = rf.row(flows, as_of=str(AS_OF))
        mine = rf.receivables(flows, as_of=str(AS_OF))
    assert Decimal(found["unapplied"]) == Decimal("120.50")
    assert Decimal(found["net"]) == _amount(owing) - Decimal("120.50")
    assert Decimal(mine["unapplied"]) == Decimal("120.50")
    assert Decimal(mine["balance"]["unapplied"]) == Decimal("120.50")
    assert Decimal(mine["balance"]["outstanding"]) == _amount(owing)
    # A customer owing nothing but holding credit is listed too, with empty buckets.
    other = make_world(backend.db, today=flows.today, grade="A", branch="East")
    with Flows(backend, other) as theirs, rf.credit_held(theirs, Decimal("75.00")):
        [held] = rf.ageing(theirs, as_of=str(AS_OF))["customers"]
    assert held["outstanding"] == "0.00" and held["invoices"] == 0
    assert held["unapplied"] == "75.00" and held["net"] == "-75.00"
    assert set(held["buckets"].values()) == {"0.00"}
    assert held["grade"] == "A" and held["branch"] == "East"


def test_r30_ageing_filters_by_customer_grade_and_branch(backend: Backend, flows: Flows) -> None:
    rf.dated_invoices(flows, {"due": _ago(1)})
    other = make_world(backend.db, today=flows.today, grade="C", branch="North")
    with Flows(backend, other) as theirs:
        rf.dated_invoices(theirs, {"due": _ago(1)})
    found = flows.hq.get("/receivables/ageing", params={"grade": "C", "branch": "North"}).json()
    codes = {r["customer_code"] for r in found["customers"]}
    assert other.customer in codes and flows.world.customer not in codes
    assert {r["grade"] for r in found["customers"]} == {"C"}
    nobody = rf.ageing(flows, customer="NO-SUCH-CUSTOMER")
    assert nobody["customers"] == [] and nobody["totals"]["outstanding"] == "0.00"
    for params in ({"basis": "overdue"}, {"as_of": "2026-02-30"}, {"customer": "x" * 33}):
        refused = flows.finance.get("/receivables/ageing", params=params)
        assert refused.status_code == 422, (params, refused.text)
    assert flows.logistics.get("/receivables/ageing").status_code == 403
    assert flows.sales.get("/receivables/ageing").status_code == 200


def test_r30_ageing_as_csv_for_excel(flows: Flows) -> None:
    [invoice] = rf.dated_invoices(flows, {"due": _ago(40)})
    params = {"customer": flows.world.customer, "as_of": str(AS_OF)}
    answer = flows.finance.get("/receivables/ageing.csv", params=params)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "text/csv; charset=utf-8"
    assert f'filename="ageing-due-{AS_OF}.csv"' in answer.headers["content-disposition"]
    assert answer.content.startswith(b"\xef\xbb\xbf")  # the BOM Excel reads UTF-8 by
    rows = list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig"))))
    assert rows[0] == [
        "customer_code",
        "customer_name",
        "grade",
        "branch",
        *BUCKETS,
        "outstanding",
        "overdue",
        "invoices",
        "unapplied",
        "net",
    ]
    amount = str(_amount(invoice))
    assert rows[1][0] == flows.world.customer and rows[1][4 + BUCKETS.index("31_60")] == amount
    assert rows[-1][0] == "total" and rows[-1][-5] == amount
    assert len(rows) == 3

    chinese = flows.finance.get("/receivables/ageing.csv", params={**params, "lang": "zh"})
    header = next(csv.reader(io.StringIO(chinese.content.decode("utf-8-sig"))))
    assert header[:2] == ["客户", "客户名称"]
    assert header[4:11] == [
        "未到期",
        "1–30天",
        "31–60天",
        "61–90天",
        "91–180天",
        "180天以上",
        "暂无到期日",
    ]
    english = flows.finance.get("/receivables/ageing.csv", params={**params, "lang": "en"})
    assert "over 180 days" in english.content.decode("utf-8-sig").splitlines()[0]


def test_a_customers_receivables_lists_its_open_invoices_oldest_due_first(
    flows: Flows,
) -> None:
    late, waiting, early = rf.dated_invoices(
        flows, {"due": _ago(35)}, {"due": None}, {"due": _ago(-5)}
    )
    found = rf.receivables(flows, as_of=str(AS_OF))
    assert found["customer_code"] == flows.world.customer
    assert [i["invoice_no"] for i in found["invoices"]] == [
        late["invoice_no"],
        early["invoice_no"],
        waiting["invoice_no"],
    ]
    first = found["invoices"][0]
    assert first["fapiao_no"] == late["fapiao_no"]
    assert first["total"] == first["outstanding"] == late["total"]
    assert first["term_start"] == late["term_start"]
    assert found["invoices"][2]["days"] is None
    assert found["invoices"][2]["bucket"] == "no_due_date"
    assert found["open_invoices"] == 3
    assert found["ageing"]["customers"][0]["outstanding"] == found["balance"]["outstanding"]
    paged = rf.receivables(flows, as_of=str(AS_OF), limit=1, offset=1)
    assert [i["invoice_no"] for i in paged["invoices"]] == [early["invoice_no"]]
    assert paged["open_invoices"] == 3
    missing = flows.finance.get("/customers/NO-SUCH-CUSTOMER/receivables")
    assert missing.status_code == 404 and missing.json()["code"] == "customer.not_found"
    assert flows.logistics.get(f"/customers/{flows.world.customer}/receivables").status_code == 403


def _o2c(backend: Backend, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "service", *args],
        check=False,
        env={"PATH": "/usr/bin:/bin", "O2C_DATABASE_URL": backend.settings.database_url, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_r30_o2c_ar_ageing_prints_a_table_and_writes_the_csv(
    backend: Backend, flows: Flows, tmp_path: Path
) -> None:
    owed = rf.dated_invoices(flows, {"due": _ago(15)}, {"due": _ago(-3)})
    mine = ["--as-of", str(AS_OF), "--customer", flows.world.customer]
    shown = _o2c(backend, "ar", "ageing", *mine, O2C_AGEING_BUCKETS="[10, 20]")
    assert shown.returncode == 0, shown.stderr
    lines = shown.stdout.splitlines()
    assert lines[0] == f"receivables ageing: 1 customer(s), by due date as of {AS_OF}"
    assert lines[1].split() == [
        "customer",
        "grade",
        "not_due",
        "1_10",
        "11_20",
        "over_20",
        "no_due_date",
        "outstanding",
        "overdue",
        "unapplied",
    ]
    late, early = (f"{_amount(i):,}" for i in owed)
    total = f"{sum(_amount(i) for i in owed):,}"
    row = [flows.world.customer, "B", early, "0.00", late, "0.00", "0.00", total, late, "0.00"]
    assert lines[2].split() == row
    assert lines[3].split()[0] == "total" and len(lines) == 4

    target = tmp_path / "ageing.csv"
    written = _o2c(backend, "ar", "ageing", *mine, "--basis", "receipt", "--csv", str(target))
    assert written.returncode == 0, written.stderr
    assert f"ageing written to {target}" in written.stdout
    rows = list(csv.reader(io.StringIO(target.read_bytes().decode("utf-8-sig"))))
    assert rows[0][4] == "0_30" and rows[1][0] == flows.world.customer
    assert target.read_bytes().startswith(b"\xef\xbb\xbf")

    refused = _o2c(backend, "ar", "ageing", "--basis", "overdue")
    assert refused.returncode == 1 and "--basis: 'overdue'" in refused.stderr


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("[30, 30]", "must ascend: 30 follows 30"),
        ("[30.5]", "valid integer"),
        ('["30"]', "valid integer"),
        ("[true]", "valid integer"),
        ("[]", "at least 1 item"),
        ("[3651]", "less than or equal to 3650"),
        (str(list(range(1, 12))), "at most 10 items"),
    ],
)
def test_r30_the_ageing_buckets_setting_is_ascending_whole_days(
    monkeypatch: pytest.MonkeyPatch, value: str, reason: str
) -> None:
    monkeypatch.setenv("O2C_AGEING_BUCKETS", value)
    with pytest.raises(SettingsError) as refused:
        load_settings()
    assert str(refused.value).startswith("invalid setting O2C_AGEING_BUCKETS (ageing_buckets")
    assert reason in str(refused.value)
    assert str(refused.value).endswith("(in environment variable O2C_AGEING_BUCKETS)")
    monkeypatch.setenv("O2C_AGEING_BUCKETS", "[7, 14, 365]")
    assert load_settings().ageing_buckets == (7, 14, 365)
