"""The ledger check: the stored receivables against the documents they come from.

Per customer, each cumulative figure is summed again from its source documents (issued blue
invoices, red invoices, the customers' blue invoices crediting returns (R24 b), payments not
reversed, deductions not reversed) and compared with the stored balances and with the ledger
entries that built them; the sum of its invoices' outstanding with the stored outstanding; and
the identity

    invoiced - red_invoiced - credited - paid - deducted = outstanding - unapplied

with the figures from the documents and the stored outstanding and unapplied credit. Per
invoice: outstanding = its total (once issued) + its red invoices - what was applied to it, and
never below 0. Every query is set-based: a handful, whatever the number of invoices.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, case, func, literal, select
from sqlalchemy.orm import Session

from service.db import Money
from service.invoices.models import Invoice
from service.ledger import FIGURES, KINDS, Allocation, Balance, LedgerEntry
from service.masterdata.models import Customer
from service.payments.models import Deduction, Payment
from service.returns.models import CustomerBlueInvoice
from service.workflow import Workflows

ZERO = Decimal("0.00")
STORED = (*FIGURES, "outstanding", "unapplied")


@dataclass(frozen=True)
class Failure:
    """One figure that does not add up: whose, which, what the documents say, what is stored."""

    customer_code: str
    check: str
    expected: Decimal
    stored: Decimal
    invoice_no: str | None = None

    def __str__(self) -> str:
        where = f"customer {self.customer_code}"
        if self.invoice_no is not None:
            where += f" invoice {self.invoice_no}"
        return f"{where}: {self.check} should be {self.expected}, is {self.stored}"


@dataclass(frozen=True)
class Report:
    customers: int
    invoices: int
    failures: list[Failure] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failures


def _sum(value: Any) -> Any:
    return func.coalesce(func.sum(value, type_=Money), ZERO)


def _issued_blue() -> Any:
    return (Invoice.kind == "blue") & Invoice.fapiao_no.is_not(None)


def source_figures(workflows: Workflows) -> list[Select[Any]]:
    """(customer id, figure, amount) from the source documents, one query per figure."""
    red = (Invoice.kind == "red") & Invoice.fapiao_no.is_not(None)
    counted = workflows.tagged(Payment, "counted")
    return [
        select(Invoice.customer_id, literal("invoiced"), _sum(Invoice.total))
        .where(_issued_blue())
        .group_by(Invoice.customer_id),
        select(Invoice.customer_id, literal("red_invoiced"), _sum(-Invoice.total))
        .where(red)
        .group_by(Invoice.customer_id),
        select(
            CustomerBlueInvoice.customer_id, literal("credited"), _sum(CustomerBlueInvoice.total)
        ).group_by(CustomerBlueInvoice.customer_id),
        select(Payment.customer_id, literal("paid"), _sum(Payment.amount))
        .where(Payment.state.in_(counted))
        .group_by(Payment.customer_id),
        select(Deduction.customer_id, literal("deducted"), _sum(Deduction.amount))
        .where(Deduction.reversed_on.is_(None))
        .group_by(Deduction.customer_id),
    ]


def _ledger_figures(session: Session) -> dict[int, dict[str, Decimal]]:
    """What the entries add up to, per customer and balance column."""
    found: dict[int, dict[str, Decimal]] = defaultdict(dict)
    rows = session.execute(
        select(
            LedgerEntry.customer_id,
            LedgerEntry.kind,
            _sum(LedgerEntry.amount),
            _sum(LedgerEntry.outstanding_change),
            _sum(LedgerEntry.unapplied_change),
        ).group_by(LedgerEntry.customer_id, LedgerEntry.kind)
    )
    for customer_id, kind, amount, outstanding, unapplied in rows:
        figures = found[customer_id]
        column, sign = KINDS.get(kind, (None, 0))
        if column is not None:
            figures[column] = figures.get(column, ZERO) + sign * amount
        figures["outstanding"] = figures.get("outstanding", ZERO) + outstanding
        figures["unapplied"] = figures.get("unapplied", ZERO) + unapplied
    return found


def _compare_customers(
    session: Session, workflows: Workflows
) -> tuple[int, list[tuple[int, str, Decimal, Decimal]]]:
    sources: dict[int, dict[str, Decimal]] = defaultdict(dict)
    for query in source_figures(workflows):
        for customer_id, figure, amount in session.execute(query):
            sources[customer_id][figure] = sources[customer_id].get(figure, ZERO) + amount
    for customer_id, owed in session.execute(
        select(Invoice.customer_id, _sum(Invoice.outstanding))
        .where(Invoice.outstanding != 0)
        .group_by(Invoice.customer_id)
    ):
        sources[customer_id]["outstanding"] = owed
    stored = {
        b.customer_id: {name: getattr(b, name) for name in STORED}
        for b in session.scalars(select(Balance))
    }
    entries = _ledger_figures(session)
    wrong: list[tuple[int, str, Decimal, Decimal]] = []
    customers = set(sources) | set(stored) | set(entries)
    for customer_id in sorted(customers):
        src, kept, booked = sources[customer_id], stored.get(customer_id, {}), entries[customer_id]
        for name in (*FIGURES, "outstanding"):
            expected = src.get(name, ZERO)
            if kept.get(name, ZERO) != expected:
                wrong.append((customer_id, name, expected, kept.get(name, ZERO)))
        for name in STORED:
            if booked.get(name, ZERO) != kept.get(name, ZERO):
                wrong.append(
                    (
                        customer_id,
                        f"{name} (ledger entries)",
                        booked.get(name, ZERO),
                        kept.get(name, ZERO),
                    )
                )
        unapplied = kept.get("unapplied", ZERO)
        if unapplied < 0:
            wrong.append((customer_id, "unapplied (not below 0)", ZERO, unapplied))
        left = (
            src.get("invoiced", ZERO)
            - src.get("red_invoiced", ZERO)
            - src.get("credited", ZERO)
            - src.get("paid", ZERO)
            - src.get("deducted", ZERO)
        )
        right = src.get("outstanding", ZERO) - unapplied
        if left != right:
            wrong.append((customer_id, "identity", left, right))
    return len(customers), wrong


def _compare_invoices(session: Session) -> tuple[int, list[tuple[int, str, Decimal, Decimal]]]:
    reds = (
        select(Invoice.original_id.label("invoice_id"), _sum(Invoice.total).label("amount"))
        .where(Invoice.kind == "red", Invoice.fapiao_no.is_not(None))
        .group_by(Invoice.original_id)
        .subquery()
    )
    applied = (
        select(Allocation.invoice_id, _sum(Allocation.amount).label("amount"))
        .group_by(Allocation.invoice_id)
        .subquery()
    )
    expected = (
        case((_issued_blue(), Invoice.total), else_=ZERO)
        + func.coalesce(reds.c.amount, ZERO)
        - func.coalesce(applied.c.amount, ZERO)
    )
    rows = session.execute(
        select(Invoice.customer_id, Invoice.invoice_no, expected, Invoice.outstanding)
        .outerjoin(reds, reds.c.invoice_id == Invoice.id)
        .outerjoin(applied, applied.c.invoice_id == Invoice.id)
        .where((Invoice.outstanding != expected) | (Invoice.outstanding < 0))
        .order_by(Invoice.id)
    ).all()
    count = session.scalar(select(func.count()).select_from(Invoice)) or 0
    return count, [(c, number, Decimal(e), o) for c, number, e, o in rows]


def check(session: Session, workflows: Workflows) -> Report:
    """Every customer and invoice whose stored receivables do not add up, named."""
    customers, wrong = _compare_customers(session, workflows)
    invoices, wrong_invoices = _compare_invoices(session)
    ids = {row[0] for row in wrong} | {row[0] for row in wrong_invoices}
    named = select(Customer.id, Customer.code).where(Customer.id.in_(ids))
    codes: dict[int, str] = dict(session.execute(named).all())
    failures = [Failure(codes.get(c, str(c)), name, e, s) for c, name, e, s in wrong]
    failures += [
        Failure(codes.get(c, str(c)), "invoice outstanding", e, s, invoice_no=number)
        for c, number, e, s in wrong_invoices
    ]
    return Report(customers=customers, invoices=invoices, failures=failures)
