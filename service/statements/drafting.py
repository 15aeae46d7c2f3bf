"""Drafting a statement (R21): claim what it lists, set-based, and keep a version of its lines.

A statement claims, for its customer, the blue invoices still receivable that fall due on or
before its settlement date and are on no statement yet (`invoices.statement_id`, one UPDATE),
the red invoices whose blue invoice is still receivable, and the credits and adjustments not yet
on a statement (`statement_entries`, one INSERT ... SELECT each, unique per source). A version
copies its lines with INSERT ... SELECT and adds them up in SQL, per kind, to the fen:

    goods (invoices) - credits (red invoices, the customer's blue invoices, discounts offset by
    receipts) - adjustments (price reductions, rebates, margin support, fees) = amount due.

Defective or slow-moving goods of returns still open are listed, not counted. Nothing builds an
ORM object per invoice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import (
    CursorResult,
    Executable,
    Insert,
    Select,
    and_,
    exists,
    func,
    insert,
    literal,
    null,
    select,
    true,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, aliased

from service.db import Money, table_of, utcnow
from service.invoices.models import DiscountCredit, Invoice
from service.masterdata.models import Warehouse
from service.orders.models import Order
from service.receipts.models import Receipt
from service.returns.models import CustomerBlueInvoice, Return
from service.statements.models import (
    ZERO,
    Statement,
    StatementAdjustment,
    StatementEntry,
    StatementLine,
    StatementVersion,
)
from service.workflow import Workflows

# A claim bigger than this refreshes the planner's statistics of the tables it changed.
ANALYZE_AFTER = 10_000
CREDIT_KINDS = ("red_invoice", "customer_blue_invoice", "discount_offset")
OPEN_RETURN_REASONS = ("defective", "slow_moving")
# The blue invoice a red one reverses; made once, so that the statements using it keep one
# cache key (a new alias per call compiles every statement again).
ORIGINAL = aliased(Invoice, name="original")
LINE_COLUMNS = [
    "version_id",
    "kind",
    "source_id",
    "reference",
    "receipt_no",
    "receipt_date",
    "warehouse",
    "due_date",
    "description",
    "amount",
    "counted",
]


@dataclass(frozen=True)
class Claimed:
    """What one claim took: invoices (blue and red) and credits or adjustments."""

    invoices: int
    entries: int

    @property
    def anything(self) -> bool:
        return bool(self.invoices or self.entries)


def _insert_entries(session: Session) -> Insert:
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(StatementEntry).on_conflict_do_nothing(
            constraint="uq_statement_entries_source"
        )
    return sqlite.insert(StatementEntry).on_conflict_do_nothing(
        index_elements=["source_type", "source_id"]
    )


def _count(session: Session, statement: Executable) -> int:
    """Rows a bulk UPDATE or INSERT ... SELECT changed."""
    result = session.execute(statement)
    return int(cast(CursorResult[Any], result).rowcount)


def _not_taken(source_type: str, source_id: Any) -> Any:
    return ~exists().where(
        StatementEntry.source_type == source_type, StatementEntry.source_id == source_id
    )


def claim(
    session: Session,
    workflows: Workflows,
    *,
    statement_id: int,
    customer_id: int,
    settlement_date: date,
) -> Claimed:
    """Put on the statement what it lists and no statement has taken yet (R21)."""
    receivable = workflows.tagged(Invoice, "receivable")
    blue = _count(
        session,
        update(Invoice)
        .where(
            Invoice.customer_id == customer_id,
            Invoice.statement_id.is_(None),
            Invoice.due_date.is_not(None),
            Invoice.due_date <= settlement_date,
            Invoice.kind == "blue",
            Invoice.state.in_(receivable),
        )
        .values(statement_id=statement_id)
        .execution_options(synchronize_session=False),
    )
    original = ORIGINAL
    red = _count(
        session,
        update(Invoice)
        .where(
            Invoice.customer_id == customer_id,
            Invoice.statement_id.is_(None),
            Invoice.kind == "red",
            Invoice.state.in_(receivable),
            Invoice.original_id.in_(select(original.id).where(original.state.in_(receivable))),
        )
        .values(statement_id=statement_id)
        .execution_options(synchronize_session=False),
    )
    columns = ["statement_id", "source_type", "source_id"]
    sources: list[Any] = [
        select(literal(statement_id), literal("customer_blue_invoice"), CustomerBlueInvoice.id)
        .join(Return, Return.id == CustomerBlueInvoice.return_id)
        .where(
            CustomerBlueInvoice.customer_id == customer_id,
            Return.state.in_(workflows.tagged(Return, "credited")),
            _not_taken("customer_blue_invoice", CustomerBlueInvoice.id),
        ),
        select(literal(statement_id), literal("discount_offset"), DiscountCredit.id)
        .join(Invoice, Invoice.id == DiscountCredit.invoice_id)
        .where(
            DiscountCredit.customer_id == customer_id,
            DiscountCredit.mode == "receipt_offset",
            DiscountCredit.state == "pending",
            Invoice.state.in_(receivable),
            _not_taken("discount_offset", DiscountCredit.id),
        ),
        select(literal(statement_id), literal("adjustment"), StatementAdjustment.id).where(
            StatementAdjustment.customer_id == customer_id,
            StatementAdjustment.state.in_(workflows.tagged(StatementAdjustment, "open")),
            _not_taken("adjustment", StatementAdjustment.id),
        ),
    ]
    entries = 0
    for source in sources:
        # RETURNING counts what was inserted: the driver's rowcount of an INSERT ... SELECT ...
        # ON CONFLICT DO NOTHING is not always known (-1) on PostgreSQL.
        insert_new = _insert_entries(session).from_select(columns, source)
        entries += len(session.execute(insert_new.returning(StatementEntry.id)).all())
    claimed = Claimed(invoices=blue + red, entries=entries)
    if claimed.invoices > ANALYZE_AFTER:
        analyze(session, "invoices")
    return claimed


def analyze(session: Session, table: str) -> None:
    """Fresh planner statistics after a bulk change (both databases know ANALYZE)."""
    session.connection().exec_driver_sql(f"ANALYZE {table}")


def _line_sources(
    session: Session, workflows: Workflows, statement: Statement, version_id: int
) -> list[Select[Any]]:
    receivable = workflows.tagged(Invoice, "receivable")
    original = ORIGINAL
    v = literal(version_id)
    invoices = (
        select(
            v,
            literal("invoice"),
            Invoice.id,
            Invoice.invoice_no,
            Receipt.receipt_no,
            Invoice.term_start,
            Warehouse.code,
            Invoice.due_date,
            func.coalesce(Invoice.fapiao_no, ""),
            Invoice.total,
            true(),
        )
        .join(Order, Order.id == Invoice.order_id)
        .join(Warehouse, Warehouse.id == Order.warehouse_id)
        .outerjoin(Receipt, Receipt.order_id == Invoice.order_id)
        .where(
            # The customer's invoices first (ix_invoices_customer_state): no index leads to
            # statement_id, so alone it would read every invoice, once per line kind.
            Invoice.customer_id == statement.customer_id,
            Invoice.statement_id == statement.id,
            Invoice.kind == "blue",
            Invoice.state.in_(receivable),
        )
    )
    reds = (
        select(
            v,
            literal("red_invoice"),
            Invoice.id,
            Invoice.invoice_no,
            null(),
            Invoice.term_start,
            null(),
            Invoice.due_date,
            literal("reverses ") + original.invoice_no,
            -Invoice.total,
            true(),
        )
        .join(original, original.id == Invoice.original_id)
        .where(
            Invoice.customer_id == statement.customer_id,
            Invoice.statement_id == statement.id,
            Invoice.kind == "red",
            Invoice.state.in_(receivable),
            original.state.in_(receivable),
        )
    )
    blue_back = (
        select(
            v,
            literal("customer_blue_invoice"),
            CustomerBlueInvoice.id,
            CustomerBlueInvoice.invoice_number,
            Return.receipt_no,
            Return.received_on,
            null(),
            null(),
            literal("return ") + Return.return_no,
            CustomerBlueInvoice.total,
            true(),
        )
        .join(Return, Return.id == CustomerBlueInvoice.return_id)
        .join(
            StatementEntry,
            and_(
                StatementEntry.source_type == "customer_blue_invoice",
                StatementEntry.source_id == CustomerBlueInvoice.id,
            ),
        )
        .where(StatementEntry.statement_id == statement.id)
    )
    discounts = (
        select(
            v,
            literal("discount_offset"),
            DiscountCredit.id,
            func.coalesce(DiscountCredit.discount_order_no, Invoice.invoice_no),
            null(),
            null(),
            null(),
            null(),
            literal("discount of invoice ") + Invoice.invoice_no,
            DiscountCredit.amount,
            true(),
        )
        .join(Invoice, Invoice.id == DiscountCredit.invoice_id)
        .join(
            StatementEntry,
            and_(
                StatementEntry.source_type == "discount_offset",
                StatementEntry.source_id == DiscountCredit.id,
            ),
        )
        .where(StatementEntry.statement_id == statement.id, Invoice.state.in_(receivable))
    )
    adjustments = (
        select(
            v,
            literal("adjustment"),
            StatementAdjustment.id,
            StatementAdjustment.document_no,
            null(),
            null(),
            null(),
            null(),
            StatementAdjustment.kind + literal(": ") + StatementAdjustment.description,
            StatementAdjustment.amount,
            true(),
        )
        .join(
            StatementEntry,
            and_(
                StatementEntry.source_type == "adjustment",
                StatementEntry.source_id == StatementAdjustment.id,
            ),
        )
        .where(StatementEntry.statement_id == statement.id)
    )
    open_returns = select(
        v,
        literal("open_return"),
        Return.id,
        Return.return_no,
        Return.receipt_no,
        Return.received_on,
        null(),
        null(),
        Return.reason + literal(": ") + Return.note,
        Return.total,
        literal(False),
    ).where(
        Return.customer_id == statement.customer_id,
        Return.reason.in_(OPEN_RETURN_REASONS),
        Return.state.in_(workflows.tagged(Return, "open")),
    )
    return [invoices, reds, blue_back, discounts, adjustments, open_returns]  # type: ignore[list-item]


@dataclass(frozen=True)
class Totals:
    goods: Decimal
    credits: Decimal
    adjustments: Decimal

    @property
    def amount_due(self) -> Decimal:
        return self.goods - self.credits - self.adjustments

    def as_dict(self) -> dict[str, str]:
        return {
            "goods_total": str(self.goods),
            "credits_total": str(self.credits),
            "adjustments_total": str(self.adjustments),
            "amount_due": str(self.amount_due),
        }


def totals_of(session: Session, version_id: int) -> Totals:
    """Per-line sums by kind, in SQL, exact on both databases."""
    sums = dict(
        session.execute(
            select(StatementLine.kind, func.sum(StatementLine.amount, type_=Money))
            .where(StatementLine.version_id == version_id, StatementLine.counted.is_(True))
            .group_by(StatementLine.kind)
        ).all()
    )

    def of(*kinds: str) -> Decimal:
        return sum((Decimal(sums.get(k) or ZERO) for k in kinds), ZERO)

    return Totals(of("invoice"), of(*CREDIT_KINDS), of("adjustment"))


def _keyed_lines(session: Session, version_id: int | None) -> dict[tuple[str, int], Decimal]:
    if version_id is None:
        return {}
    rows = session.execute(
        select(StatementLine.kind, StatementLine.source_id, StatementLine.amount).where(
            StatementLine.version_id == version_id
        )
    ).all()
    return {(kind, source): Decimal(amount) for kind, source, amount in rows}


def _changes(
    before: dict[tuple[str, int], Decimal], after: dict[tuple[str, int], Decimal]
) -> dict[str, list[dict[str, Any]]]:
    def line(key: tuple[str, int], **amounts: Decimal) -> dict[str, Any]:
        return {"kind": key[0], "source_id": key[1]} | {k: str(v) for k, v in amounts.items()}

    return {
        "added": [line(k, amount=after[k]) for k in sorted(after.keys() - before.keys())],
        "removed": [line(k, amount=before[k]) for k in sorted(before.keys() - after.keys())],
        "changed": [
            line(k, before=before[k], after=after[k])
            for k in sorted(after.keys() & before.keys())
            if before[k] != after[k]
        ],
    }


def current_version_id(session: Session, statement: Statement) -> int | None:
    if statement.versions == 0:
        return None
    return session.scalar(
        select(StatementVersion.id).where(
            StatementVersion.statement_id == statement.id,
            StatementVersion.number == statement.versions,
        )
    )


def keep_version(
    session: Session, workflows: Workflows, statement: Statement, *, actor: str, reason: str
) -> StatementVersion:
    """A new version of the statement from what it has claimed: its lines, totals and what
    changed against the previous version (lines added, removed, changed; totals before/after)."""
    previous_id = current_version_id(session, statement)
    before = Totals(statement.goods_total, statement.credits_total, statement.adjustments_total)
    version = StatementVersion(
        statement_id=statement.id,
        number=statement.versions + 1,
        reason=reason,
        made_by=actor,
        made_at=utcnow(),
        goods_total=ZERO,
        credits_total=ZERO,
        adjustments_total=ZERO,
        amount_due=ZERO,
        changes={},
    )
    session.add(version)
    session.flush()
    for source in _line_sources(session, workflows, statement, version.id):
        session.execute(insert(table_of(StatementLine)).from_select(LINE_COLUMNS, source))
    totals = totals_of(session, version.id)
    changes: dict[str, Any] = _changes(
        _keyed_lines(session, previous_id), _keyed_lines(session, version.id)
    )
    if previous_id is not None:
        changes["totals_before"] = before.as_dict()
    changes["totals_after"] = totals.as_dict()
    version.goods_total, version.credits_total = totals.goods, totals.credits
    version.adjustments_total, version.amount_due = totals.adjustments, totals.amount_due
    version.changes = changes
    statement.versions = version.number
    statement.goods_total, statement.credits_total = totals.goods, totals.credits
    statement.adjustments_total, statement.amount_due = totals.adjustments, totals.amount_due
    session.flush()
    return version
