"""A small supplier going live mid-business, as the files its old system exports: the master
data of tests/data/golive/ (five customers), 200 open orders, 500 issued invoices with their
receipts, the opening receivables at cut-over (some invoices partly paid, two customers holding
credit), the payments of the week after cut-over (with remittances, or to be allocated oldest
due first) and the control figures. Generated from a fixed seed into a folder, with what the
old system knows besides: each invoice's due date, what it still owes, each customer's credit,
worked out here by hand from the terms and the payments (never read back from the service).

The dates are fixed, all in 2026 (receipts from June, every due date before the year's end, so
no working-day calendar beyond the package's is needed; none after the day the tests run, which
the importers would refuse): cut-over on CUTOVER, payments until PAID_UNTIL, the scheduler's
next run on RUN.
"""

from __future__ import annotations

import calendar
import csv
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import chinese_calendar

from service.invoices.importer import InvoiceImporter
from service.orders.importer import OrderImporter
from service.payments.importer import PaymentsImporter
from service.payments.opening import OpeningReceivablesImporter
from tests.golive import GoLive, golive_files

CUTOVER = date(2026, 11, 30)
PAID_FROM, PAID_UNTIL = date(2026, 12, 1), date(2026, 12, 4)
RUN = date(2026, 12, 7)
ORDERS, INVOICES = 200, 500
ZERO = Decimal("0.00")
CENT = Decimal("0.01")
# Per customer of the fixture files: the receipt dates of its open invoices (so that every due
# date falls in 2026) and how many units an invoice line holds.
RECEIVED = {
    "C01": (date(2026, 8, 1), date(2026, 11, 15), (1, 3)),
    "C02": (date(2026, 9, 1), date(2026, 11, 27), (1, 3)),
    "C03": (date(2026, 7, 1), date(2026, 10, 25), (1, 4)),
    "C04": (date(2026, 9, 1), date(2026, 11, 27), (2, 6)),
    "C05": (date(2026, 6, 1), date(2026, 9, 30), (1, 3)),
}
CREDITS = {"C02": Decimal("3500.00"), "C05": Decimal("1200.00")}

ORDER_COLUMNS = OrderImporter.columns
INVOICE_COLUMNS = InvoiceImporter.columns
OPENING_COLUMNS = OpeningReceivablesImporter.columns
PAYMENT_COLUMNS = PaymentsImporter.columns
CONTROL_COLUMNS = ["customer_code", "receivable", "overdue", "unapplied_credit"]


@dataclass
class Customer:
    code: str
    grade: str
    credit_limit: Decimal
    basis: str
    days: int
    day_of_month: int | None
    non_working: str
    lead_days: int
    dcs: list[str] = field(default_factory=list)
    prices: dict[str, Decimal] = field(default_factory=dict)
    contract_no: str = ""
    credit: Decimal = ZERO

    def due(self, received: date) -> date:
        """R19 by hand: the terms' date, moved to a working day when they say so."""
        if self.basis == "receipt":
            day = received + timedelta(days=self.days)
        elif self.basis == "month_end":
            last = calendar.monthrange(received.year, received.month)[1]
            day = received.replace(day=last) + timedelta(days=self.days)
        else:
            assert self.day_of_month is not None
            earliest = received + timedelta(days=self.days)
            day = _in_month(earliest.year, earliest.month, self.day_of_month)
            if day < earliest:
                year, month = divmod(earliest.year * 12 + earliest.month, 12)
                day = _in_month(year, month + 1, self.day_of_month)
        step = {"keep": 0, "next": 1, "previous": -1}[self.non_working]
        while step and not chinese_calendar.is_workday(day):
            day += timedelta(days=step)
        return day


def _in_month(year: int, month: int, day: int) -> date:
    return date(year, month, min(day, calendar.monthrange(year, month)[1]))


@dataclass
class Invoice:
    invoice_no: str
    customer: Customer
    received: date
    due: date
    total: Decimal
    outstanding: Decimal  # what it owes now: after the opening receivables and the payments
    rows: list[list[object]]
    at_cutover: Decimal = ZERO  # what it owed at cut-over (the opening receivables' figure)


@dataclass
class Supplier:
    golive: GoLive
    files: dict[str, Path]  # importer name -> file, in the order of going live
    control: Path
    customers: dict[str, Customer]
    invoices: list[Invoice]
    orders: int
    payments: int

    def receivable(self, customer: Customer) -> Decimal:
        return sum((i.outstanding for i in self.invoices if i.customer is customer), ZERO)

    def overdue(self, customer: Customer, today: date) -> Decimal:
        mine = (i for i in self.invoices if i.customer is customer and i.due < today)
        return sum((i.outstanding for i in mine), ZERO)


def _write(path: Path, header: Sequence[str], rows: Iterable[Sequence[object]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def _master(golive: GoLive) -> dict[str, Customer]:
    customers: dict[str, Customer] = {}
    with golive.files["customers"].open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            found = customers.get(row["code"])
            if found is None:
                found = customers[row["code"]] = Customer(
                    code=row["code"],
                    grade=row["grade"],
                    credit_limit=Decimal(row["credit_limit"]),
                    basis=row["settlement_kind"],
                    days=int(row["payment_term_days"]),
                    day_of_month=int(row["settlement_day"]) if row["settlement_day"] else None,
                    non_working=row["non_working"],
                    lead_days=int(row["reconciliation_lead_days"] or 3),
                )
            found.dcs.append(row["dc_code"])
    with golive.files["contracts"].open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            customer = customers[row["customer_code"]]
            customer.contract_no = row["contract_no"]
            customer.prices[row["item_code"]] = Decimal(row["unit_price"])
    return customers


def _lines(rnd: random.Random, customer: Customer, units: tuple[int, int]) -> list[tuple[str, int]]:
    items = rnd.sample(sorted(customer.prices), rnd.randint(1, min(3, len(customer.prices))))
    return [(item, rnd.randint(*units)) for item in items]


def _orders(rnd: random.Random, golive: GoLive, customers: list[Customer]) -> list[list[object]]:
    rows: list[list[object]] = []
    for n in range(ORDERS):
        customer = customers[n % len(customers)]
        state = ("draft", "approved", "shipped")[n % 3]
        ordered = date(2026, 11, 16) + timedelta(days=rnd.randint(0, 10))
        approved = ordered + timedelta(days=1) if state != "draft" else None
        shipped = ordered + timedelta(days=3) if state == "shipped" else None
        number = f"{golive.prefix}SO{n:05d}" if approved else ""
        head = [customer.code, f"{golive.prefix}PO{n:05d}", ordered, rnd.choice(customer.dcs)]
        head += [customer.contract_no, number, state, approved or "", shipped or ""]
        for line_no, (item, qty) in enumerate(_lines(rnd, customer, (1, 5)), start=1):
            rows.append([*head, line_no, item, qty, customer.prices[item], ""])
    return rows


def _invoices(rnd: random.Random, golive: GoLive, customers: list[Customer]) -> list[Invoice]:
    made = []
    serial = int(golive.prefix[2:8], 16)
    for n in range(INVOICES):
        customer = customers[n % len(customers)]
        first, last, units = RECEIVED[customer.code.removeprefix(golive.prefix)]
        received = first + timedelta(days=rnd.randint(0, (last - first).days))
        invoiced = min(received + timedelta(days=rnd.randint(0, 3)), CUTOVER)
        number = f"{golive.prefix}IV{n:05d}"
        head = [number, f"{serial:08d}{n:012d}", invoiced, "", customer.code]
        head += [f"{golive.prefix}SX{n:05d}", "", rnd.choice(customer.dcs)]
        head += [received - timedelta(days=rnd.randint(2, 9)), f"{golive.prefix}RK{n:05d}"]
        head += [received]
        lines = _lines(rnd, customer, units)
        rows: list[list[object]] = [
            [*head, line_no, item, qty, customer.prices[item], ""]
            for line_no, (item, qty) in enumerate(lines, start=1)
        ]
        total = sum((customer.prices[item] * qty for item, qty in lines), ZERO)
        due = customer.due(received)
        made.append(Invoice(number, customer, received, due, total, total, rows))
    return made


def _opening(
    rnd: random.Random, golive: GoLive, invoices: list[Invoice], customers: list[Customer]
) -> list[list[object]]:
    """Every invoice open at cut-over with what it still owes (a quarter of them partly paid in
    the old system), then the customers' credit."""
    rows: list[list[object]] = []
    for invoice in invoices:
        if rnd.random() < 0.25:
            share = Decimal(rnd.randint(10, 90)) / 100
            invoice.outstanding = (invoice.total * share).quantize(CENT)
        invoice.at_cutover = invoice.outstanding
        rows.append([invoice.customer.code, invoice.invoice_no, invoice.outstanding, CUTOVER])
    for customer in customers:
        customer.credit = CREDITS.get(customer.code.removeprefix(golive.prefix), ZERO)
        if customer.credit:
            rows.append([customer.code, "", customer.credit, CUTOVER])
    return rows


def _oldest_first(invoices: list[Invoice], customer: Customer, amount: Decimal) -> Decimal:
    """Allocate as the service does without a remittance; what is left over."""
    open_ = [i for i in invoices if i.customer is customer and i.outstanding > 0]
    for invoice in sorted(open_, key=lambda i: (i.due, i.received, i.invoice_no)):
        paid = min(amount, invoice.outstanding)
        invoice.outstanding -= paid
        amount -= paid
    return amount


def _payments(
    rnd: random.Random, golive: GoLive, invoices: list[Invoice], customers: list[Customer]
) -> tuple[list[list[object]], int]:
    """Six payments per customer in the week after cut-over: four with a remittance advice (one
    of them paying more than it names), two to be allocated oldest due first."""
    rows: list[list[object]] = []
    count = 0
    for customer in customers:
        for k in range(6):
            count += 1
            reference = f"{golive.prefix.upper()}BK{count:04d}"
            day = PAID_FROM + timedelta(days=rnd.randint(0, (PAID_UNTIL - PAID_FROM).days))
            head = [reference, customer.code, day]
            if k >= 4:
                amount = Decimal(rnd.randint(5, 40) * 1000)
                customer.credit += _oldest_first(invoices, customer, amount)
                rows.append([*head, amount, "", "", "", "oldest first"])
                continue
            open_ = [i for i in invoices if i.customer is customer and i.outstanding > 0]
            named = rnd.sample(open_, rnd.randint(1, 3))
            paid = [
                (i, i.outstanding if rnd.random() < 0.6 else (i.outstanding / 2).quantize(CENT))
                for i in named
            ]
            extra = Decimal("150.00") if k == 3 else ZERO
            amount = sum((p for _, p in paid), ZERO) + extra
            customer.credit += extra
            for invoice, part in paid:
                invoice.outstanding -= part
                rows.append([*head, amount, "", invoice.invoice_no, part, "remittance"])
    return rows, count


def make_supplier(folder: Path, *, seed: int = 15) -> Supplier:
    """The old system's export files in `folder`, with codes unique to this call."""
    rnd = random.Random(seed)
    golive = golive_files(folder)
    by_code = _master(golive)
    customers = list(by_code.values())
    orders = _orders(rnd, golive, customers)
    invoices = _invoices(rnd, golive, customers)
    opening = _opening(rnd, golive, invoices, customers)
    payments, paid = _payments(rnd, golive, invoices, customers)
    files = dict(golive.files)
    files["orders"] = _write(folder / "orders.csv", ORDER_COLUMNS, orders)
    rows = [row for invoice in invoices for row in invoice.rows]
    files["invoices"] = _write(folder / "invoices.csv", INVOICE_COLUMNS, rows)
    files["opening-receivables"] = _write(folder / "opening.csv", OPENING_COLUMNS, opening)
    files["payments"] = _write(folder / "payments.csv", PAYMENT_COLUMNS, payments)
    supplier = Supplier(golive, files, folder / "control.csv", by_code, invoices, ORDERS, paid)
    _write(
        supplier.control,
        CONTROL_COLUMNS,
        [[c.code, supplier.receivable(c), supplier.overdue(c, RUN), c.credit] for c in customers],
    )
    return supplier
