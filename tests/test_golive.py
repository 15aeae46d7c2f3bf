"""Going live mid-business (issue: adopting the service): a small supplier's old system exported
its master data, open orders, issued invoices with their receipts, opening receivables,
the payments of the week after cut-over and the control figures (tests/golive_supplier.py);
everything is imported with the real importers, one of them through the command line, on both
databases. Then the figures agree with the control file (`o2c golive check`), the ledger
identity holds (`o2c ar check`), the scheduler's next run drafts the statements (R20) and raises
the collection tasks (R30) worked out by hand from the files, and a rerun of every import books
nothing twice."""

from __future__ import annotations

import os
import subprocess
import sys
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path

import chinese_calendar
import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner, Result

from service import bootstrap
from service.auth import tokens
from service.cli import app
from service.collection.models import CollectionTask
from service.imports import ImportReport, run_import
from service.invoices.models import Invoice
from service.journal import Event
from service.ledger import LedgerEntry
from service.masterdata.models import Customer as StoredCustomer
from service.orders.models import Order
from service.payments.models import Payment
from service.scheduler.models import Task
from service.scheduler.runner import run_due
from service.statements.models import Statement
from tests.golive_supplier import CREDITS, RUN, Customer, Supplier, make_supplier
from tests.support import Backend, unique

FINANCE_IMPORTS = ("opening-receivables", "payments")
MILLION = Decimal("1000000")


@dataclass
class WentLive:
    backend: Backend
    supplier: Supplier
    users: dict[str, str]  # importer name -> who imports it
    first: dict[str, ImportReport]  # the first run of each import (items: the command's output)

    def customer_ids(self) -> dict[int, Customer]:
        codes = {c.code: c for c in self.supplier.customers.values()}
        with self.backend.db.read() as session:
            rows = session.execute(
                select(StoredCustomer.id, StoredCustomer.code).where(StoredCustomer.code.in_(codes))
            )
            return {id_: codes[code] for id_, code in rows}


def _user(backend: Backend, role: str) -> str:
    username = unique(f"golive-{role}")
    with backend.db.write() as session:
        tokens.create_user(session, username=username, roles=[role])
    return username


def _o2c(backend: Backend, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("O2C_")}
    env["O2C_DATABASE_URL"] = backend.settings.database_url
    return subprocess.run(
        [sys.executable, "-m", "service", *args],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )


def _cli(backend: Backend, *args: str) -> Result:
    """An `o2c` command run in this process (the command line's own code, less its start)."""
    env = {"O2C_DATABASE_URL": backend.settings.database_url}
    return CliRunner().invoke(app, list(args), env=env, catch_exceptions=False)


def _import(live: WentLive, name: str) -> ImportReport:
    return run_import(
        live.backend.runtime,
        bootstrap.importers()[name],
        path=live.supplier.files[name],
        username=live.users[name],
    )


@pytest.fixture(scope="module")
def live(backend: Backend, tmp_path_factory: pytest.TempPathFactory) -> Iterator[WentLive]:
    """The supplier's files imported in go-live order: items through `o2c import items`, the
    rest through the importers' functions."""
    supplier = make_supplier(tmp_path_factory.mktemp("golive"))
    admin, finance = _user(backend, "admin"), _user(backend, "finance")
    users = {name: finance if name in FINANCE_IMPORTS else admin for name in supplier.files}
    went = WentLive(backend, supplier, users, {})
    done = _o2c(
        backend, "import", "items", str(supplier.files["items"]), "--user", admin, "--no-progress"
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "items booked: 10" in done.stdout, done.stdout
    for name in list(supplier.files)[1:]:
        report = went.first[name] = _import(went, name)
        assert (report.refused, report.problems) == (0, []), name
    yield went


def test_golive_every_document_of_the_old_system_is_booked_once(live: WentLive) -> None:
    supplier, first = live.supplier, live.first
    counts = {name: (r.booked, r.already_booked) for name, r in first.items()}
    partly = sum(1 for i in supplier.invoices if i.at_cutover != i.total)
    assert counts["customers"] == (5, 0)
    assert counts["orders"] == (supplier.orders, 0)
    assert counts["invoices"] == (len(supplier.invoices), 0)
    assert counts["payments"] == (supplier.payments, 0)
    # Opening receivables: an opening settlement per invoice partly paid in the old system and
    # one credit per customer holding one; an invoice owing its whole total needs nothing.
    opening = first["opening-receivables"]
    credits = len(CREDITS)  # customers holding credit at cut-over
    assert (opening.booked, opening.already_booked) == (
        partly + credits,
        len(supplier.invoices) - partly,
    )
    assert partly > 100

    expected = {i.invoice_no: i for i in supplier.invoices}
    with live.backend.db.read() as session:
        stored = session.execute(
            select(Invoice.invoice_no, Invoice.total, Invoice.due_date, Invoice.outstanding).where(
                Invoice.invoice_no.in_(expected)
            )
        ).all()
        states = dict(
            session.execute(
                select(Order.state, func.count())
                .join(StoredCustomer, StoredCustomer.id == Order.customer_id)
                .where(StoredCustomer.code.in_(supplier.customers), Order.imported.is_(True))
                .group_by(Order.state)
            ).all()
        )
    # R19: each invoice's due date from its customer's terms counted from the receipt date.
    assert {n: (t, d, o) for n, t, d, o in stored} == {
        n: (i.total, i.due, i.outstanding) for n, i in expected.items()
    }
    # The orders of the invoices come as invoiced; those paid in full since are closed.
    paid = sum(1 for i in supplier.invoices if i.outstanding == 0)
    assert paid > 0
    assert states == {
        "draft": 67,
        "approved": 67,
        "shipped": 66,
        "invoiced": len(supplier.invoices) - paid,
        "closed": paid,
    }


def test_golive_check_agrees_with_the_control_file_and_names_a_wrong_figure(
    live: WentLive, tmp_path: Path
) -> None:
    control = live.supplier.control
    as_of = ["--as-of", str(RUN), "--only-listed"]
    agreed = _cli(live.backend, "golive", "check", str(control), *as_of)
    assert agreed.exit_code == 0, agreed.output
    assert "5 customer(s) compared, 5 agree; all agree" in agreed.stdout

    lines = control.read_text(encoding="utf-8").splitlines()
    code, receivable, *rest = lines[3].split(",")
    wrong = Decimal(receivable) + Decimal("0.01")
    lines[3] = ",".join([code, str(wrong), *rest])
    changed = tmp_path / "control.csv"
    changed.write_text("\n".join(lines) + "\n", encoding="utf-8")
    differs = _cli(live.backend, "golive", "check", str(changed), *as_of)
    assert differs.exit_code == 1, differs.output
    assert (
        f"line 4: {code}: receivable differs: control file {wrong:,}, service "
        f"{Decimal(receivable):,}, difference -0.01"
    ) in differs.stdout
    assert "1 difference(s)" in differs.stdout


def test_golive_the_ledger_identity_holds(live: WentLive) -> None:
    done = _cli(live.backend, "ar", "check")
    assert done.exit_code == 0, done.output
    assert "ledger identity holds" in done.output


def _working_days_before(day: date, count: int) -> date:
    while count:
        day -= timedelta(days=1)
        count -= chinese_calendar.is_workday(day)
    return day


def _expected_statements(supplier: Supplier) -> dict[tuple[str, date], Decimal]:
    """R20 by hand: per customer and due date, what its unpaid invoices add up to, when the
    statement's draft day (3 working days ahead, 4 when the customer agreed 4 or more, 5 for
    grade A or a settlement of a million or fifty invoices) has come by RUN: past due dates
    are caught up."""
    due: dict[tuple[str, date], list[Decimal]] = defaultdict(list)
    for invoice in supplier.invoices:
        if invoice.outstanding > 0:
            due[(invoice.customer.code, invoice.due)].append(invoice.total)
    expected = {}
    for (code, day), totals in due.items():
        customer, amount = supplier.customers[code], sum(totals, Decimal(0))
        if customer.grade == "A" or amount >= MILLION or len(totals) >= 50:
            lead = 5
        else:
            lead = 4 if customer.lead_days >= 4 else 3
        if _working_days_before(day, lead) <= RUN:
            expected[(code, day)] = amount
    return expected


def _expected_collection(
    supplier: Supplier, allowed: dict[str, int]
) -> dict[tuple[str, str], Decimal]:
    """R30 by hand: past due, older than the grade allows, over the credit limit."""
    expected = {}
    for customer in supplier.customers.values():
        mine = [i for i in supplier.invoices if i.customer is customer and i.outstanding > 0]
        past_due = sum((i.outstanding for i in mine if i.due < RUN), Decimal(0))
        oldest = RUN - timedelta(days=allowed[customer.grade])
        too_old = sum((i.outstanding for i in mine if i.received < oldest), Decimal(0))
        over = supplier.receivable(customer) - customer.credit - customer.credit_limit
        for condition, amount in (("overdue", past_due), ("over_age", too_old)):
            if amount > 0:
                expected[(customer.code, condition)] = amount
        if over > 0:
            expected[(customer.code, "over_limit")] = over
    return expected


def test_r20_r30_the_next_scheduler_run_raises_the_statements_and_tasks_worked_out_by_hand(
    live: WentLive,
) -> None:
    backend, supplier = live.backend, live.supplier
    mine = live.customer_ids()
    run_due(
        backend.db,
        jobs=bootstrap.jobs(),
        workflows=backend.runtime.workflows,
        as_of=datetime.combine(RUN, time(9), tzinfo=backend.settings.tz),
        tz=backend.settings.tz,
        settings=backend.settings,
    )
    with backend.db.read() as session:
        statements = session.execute(
            select(Statement.id, Statement.customer_id, Statement.settlement_date)
            .add_columns(Statement.goods_total)
            .where(Statement.customer_id.in_(mine))
        ).all()
        reconcile = session.execute(
            select(Task.subject_id, Task.owner_role).where(
                Task.subject_type == "statement", Task.subject_id.in_([s.id for s in statements])
            )
        ).all()
        tasks = session.execute(
            select(
                CollectionTask.customer_id, CollectionTask.condition, CollectionTask.amount
            ).where(CollectionTask.customer_id.in_(mine))
        ).all()
    drafted = {(mine[s.customer_id].code, s.settlement_date): s.goods_total for s in statements}
    expected = _expected_statements(supplier)
    assert drafted == expected
    assert len(expected) > 20 and any(day >= RUN for _, day in expected)
    # Each statement drafted goes to its customer's sales and finance people to reconcile.
    assert sorted(reconcile) == sorted(
        (s.id, role) for s in statements for role in ("finance", "sales")
    )
    raised = {(mine[c].code, condition): amount for c, condition, amount in tasks}
    allowed = dict(backend.settings.collection_allowed_age_days)
    assert raised == _expected_collection(supplier, allowed)
    assert {condition for _, condition in raised} == {"overdue", "over_age", "over_limit"}


def _counts(backend: Backend) -> dict[str, int]:
    with backend.db.read() as session:
        return {
            model.__tablename__: session.scalar(select(func.count()).select_from(model)) or 0
            for model in (Order, Invoice, Payment, LedgerEntry, Event)
        }


def test_golive_a_rerun_of_every_import_books_nothing_twice(live: WentLive) -> None:
    before = _counts(live.backend)
    for name in live.supplier.files:
        again = _import(live, name)
        assert (again.booked, again.refused, again.problems) == (0, 0, []), name
        assert again.already_booked == len({r.document for r in again.rows}) > 0, name
    assert _counts(live.backend) == before
