"""`o2c import invoices`: issued invoices with their fapiao and receipts from the old system
(R9, R19): set-based, atomic per invoice, rerun-safe, on the ledger so the identity holds."""

from __future__ import annotations

import csv
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select

from service.auth import tokens
from service.imports import ImportReport, run_import
from service.invoices.importer import InvoiceImporter
from service.invoices.models import Invoice
from service.ledger import LedgerEntry
from service.orders.importer import OrderImporter
from service.orders.models import Order
from service.receipts.models import Receipt
from service.receivables.check import check
from tests.flows import Flows
from tests.pages import Person, text_of
from tests.support import analyses, unique, unique_fapiao

Line = tuple[object, ...]


def _admin(flows: Flows) -> str:
    username = unique("golive")
    with flows.backend.db.write() as session:
        tokens.create_user(session, username=username, roles=["admin"])
    return username


def _file(folder: Path, columns: tuple[str, ...], rows: list[Line]) -> Path:
    path = folder / f"{unique('file')}.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(columns)
        writer.writerows(rows)
    return path


def _invoice(flows: Flows, *, order_no: str | None = None, lines: int = 2) -> list[Line]:
    world, today = flows.world, flows.today
    received, invoiced = today - timedelta(days=12), today - timedelta(days=10)
    invoice_no, fapiao, receipt = unique("IV"), unique_fapiao(), unique("RK")
    order_no = order_no or unique("SO")
    return [
        (
            invoice_no,
            fapiao,
            str(invoiced),
            "",
            world.customer,
            order_no,
            "",
            world.dc,
            str(received - timedelta(days=5)),
            receipt,
            str(received),
            n + 1,
            world.items[n],
            10,
            "113.00",
            "0.13",
        )
        for n in range(lines)
    ]


def _import(flows: Flows, path: Path, user: str, **kwargs: object) -> ImportReport:
    return run_import(
        flows.backend.runtime,
        InvoiceImporter(),
        path=path,
        username=user,
        **kwargs,  # type: ignore[arg-type]
    )


def _stored(flows: Flows, invoice_no: object) -> Invoice | None:
    with flows.backend.db.read() as session:
        return session.scalar(select(Invoice).where(Invoice.invoice_no == invoice_no))


def test_r19_opening_invoices_are_issued_on_the_ledger_with_their_due_dates(
    flows: Flows, tmp_path: Path, person: Callable[..., Person]
) -> None:
    one, two = _invoice(flows), _invoice(flows, lines=1)
    report = _import(flows, _file(tmp_path, InvoiceImporter.columns, one + two), _admin(flows))
    assert (report.booked, report.refused) == (2, 0), report.problems

    invoice = _stored(flows, one[0][0])
    assert invoice is not None
    assert (invoice.state, invoice.fapiao_no, invoice.imported) == ("issued", one[0][1], True)
    # 2 lines of 10 x 113.00 tax included: 2000.00 + 260.00 tax.
    assert (invoice.amount, invoice.tax, invoice.total) == (
        Decimal("2000.00"),
        Decimal("260.00"),
        Decimal("2260.00"),
    )
    assert invoice.outstanding == invoice.total
    assert str(invoice.term_start) == one[0][10]
    assert invoice.term_start is not None and invoice.due_date is not None
    assert invoice.due_date > invoice.term_start
    with flows.backend.db.read() as session:
        order = session.get(Order, invoice.order_id)
        assert order is not None and (order.state, order.imported) == ("invoiced", True)
        receipt = session.scalar(select(Receipt).where(Receipt.order_id == order.id))
        assert receipt is not None and (receipt.receipt_no, receipt.imported) == (one[0][9], True)
        entry = session.scalar(select(LedgerEntry).where(LedgerEntry.invoice_id == invoice.id))
        assert entry is not None and (entry.amount, str(entry.business_date)) == (
            Decimal("2260.00"),
            one[0][2],
        )
        assert check(session, flows.backend.runtime.workflows).ok
    history = flows.history(order.id)
    assert [(e["trigger"], e["to_state"], e["business_date"]) for e in history] == [
        ("import", "invoiced", one[0][2])
    ]
    shown = flows.finance.get(f"/invoices/{invoice.id}")
    assert shown.status_code == 200 and shown.json()["outstanding"] == "2260.00"
    # Brought over from the old system, and said so: in the API and on the pages.
    assert shown.json()["imported"] is True
    assert flows.sales.get(f"/orders/{order.id}").json()["imported"] is True
    assert flows.logistics.get(f"/orders/{order.id}/receipt").json()["imported"] is True
    made_here = flows.invoice(flows.receipted_order()["id"])
    assert made_here["imported"] is False
    for locale, words in (("en", "Imported from the old system"), ("zh", "从旧系统导入")):
        reader = person("finance", locale=locale)
        assert words in text_of(reader.page(f"/web/invoices/{invoice.id}"))
        assert words in text_of(reader.page(f"/web/orders/{order.id}"))
        assert words not in text_of(reader.page(f"/web/invoices/{made_here['id']}"))


def test_r9_an_order_imported_as_shipped_is_received_and_invoiced(
    flows: Flows, tmp_path: Path
) -> None:
    world, today, user = flows.world, flows.today, _admin(flows)
    number, po = unique("SO"), unique("PO")
    on = [str(today - timedelta(days=d)) for d in (30, 25, 20)]
    head = (world.customer, po, on[0], world.dc, world.contract, number, "shipped", *on[1:])
    order_rows = [(*head, n + 1, world.items[n], 10, "113.00", "") for n in range(2)]
    orders = run_import(
        flows.backend.runtime,
        OrderImporter(),
        path=_file(tmp_path, OrderImporter.columns, order_rows),
        username=user,
    )
    assert orders.booked == 1, orders.problems
    rows = _invoice(flows, order_no=number)
    assert _import(flows, _file(tmp_path, InvoiceImporter.columns, rows), user).booked == 1
    invoice = _stored(flows, rows[0][0])
    assert invoice is not None
    history = flows.history(invoice.order_id)
    assert [e["trigger"] for e in history] == [
        "import",
        "approve",
        "ship",
        "post_receipt",
        "invoice",
    ]
    assert flows.order(invoice.order_id)["state"] == "invoiced"


def test_bad_rows_by_line_atomic_invoices_reruns_and_dry_runs(flows: Flows, tmp_path: Path) -> None:
    good, user = _invoice(flows), _admin(flows)
    bad = _invoice(flows)
    bad[1] = (*bad[1][:13], "ten", *bad[1][14:])
    unknown = [(*r[:4], "NO-SUCH-CUSTOMER", *r[5:]) for r in _invoice(flows, lines=1)]
    taken = _invoice(flows, lines=1)
    taken[0] = (taken[0][0], good[0][1], *taken[0][2:])  # good's fapiao number
    path = _file(tmp_path, InvoiceImporter.columns, good + bad + unknown + taken)

    dry = _import(flows, path, user, dry_run=True)
    assert (dry.would_book, dry.refused) == (1, 3)  # taken clashes with good in one chunk
    in_chunks = _import(flows, path, user, dry_run=True, chunk_size=1)
    assert (in_chunks.would_book, in_chunks.refused) == (2, 2)  # each chunk rolled back
    assert _stored(flows, good[0][0]) is None

    report = _import(flows, path, user, chunk_size=2)
    reasons = {r.line: (r.outcome, r.reason) for r in report.rows}
    assert reasons[5] == ("refused", "qty: 'ten' is not a whole number")
    assert reasons[4][0] == "not booked"
    assert reasons[6] == ("refused", "customer_code: no such customer")
    assert reasons[7][0] == "refused" and "fapiao_no" in reasons[7][1]
    assert (report.booked, report.refused) == (1, 3)
    assert _stored(flows, bad[0][0]) is None

    again = _import(flows, path, user)
    assert (again.booked, again.already_booked, again.refused) == (0, 1, 3)
    with flows.backend.db.read() as session:
        invoice = _stored(flows, good[0][0])
        assert invoice is not None
        entries = session.scalars(
            select(LedgerEntry).where(LedgerEntry.invoice_id == invoice.id)
        ).all()
        assert len(entries) == 1


def test_r19_an_import_of_a_bulk_of_invoices_refreshes_the_planner_statistics(
    flows: Flows, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Any booking counts as a bulk here: the tables the import grows are analysed once, after
    # its chunks; a dry run and a rerun that books nothing analyse nothing.
    analysed = analyses(monkeypatch)
    user = _admin(flows)
    path = _file(tmp_path, InvoiceImporter.columns, _invoice(flows) + _invoice(flows))
    assert _import(flows, path, user, dry_run=True).would_book == 2
    assert analysed == []
    assert _import(flows, path, user, chunk_size=1).booked == 2
    assert analysed == ["invoices", "orders", "receipts"]
    assert _import(flows, path, user).already_booked == 2
    assert analysed == ["invoices", "orders", "receipts"]
