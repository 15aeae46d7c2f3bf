"""What a statement version lists (R21) and how it adds up, for one statement or many at once.

Each kind of line is one SELECT shaped as a `statement_lines` row; who owns it (one statement,
or every statement drafted by a run) is added by the caller, so a version's lines are copied
with one INSERT ... SELECT per kind whatever the number of statements. The totals are per-line
sums in SQL, per kind, to the fen:

    goods (invoices) - credits (red invoices, the customer's blue invoices, discounts offset by
    receipts) - adjustments (price reductions, rebates, margin support, fees) = amount due.

Defective or slow-moving goods of returns still open are listed, not counted.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, exists, func, literal, null, select, true
from sqlalchemy.orm import Session, aliased

from service.db import Money, among
from service.invoices.models import DiscountCredit, Invoice
from service.masterdata.models import Warehouse
from service.orders.models import Order
from service.receipts.models import Receipt
from service.returns.models import CustomerBlueInvoice, Return
from service.statements.models import ZERO, StatementAdjustment, StatementEntry, StatementLine
from service.workflow import Workflows

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
Keyed = dict[tuple[str, int], Decimal]


def invoices(version: ColumnElement[Any]) -> Select[Any]:
    """Blue invoices as `invoice` lines (the caller says whose and which)."""
    return (
        select(
            version,
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
        .select_from(Invoice)
        .join(Order, Order.id == Invoice.order_id)
        .join(Warehouse, Warehouse.id == Order.warehouse_id)
        .outerjoin(Receipt, Receipt.order_id == Invoice.order_id)
    )


def reds(version: ColumnElement[Any], workflows: Workflows) -> Select[Any]:
    """Red invoices whose blue invoice is still receivable, as `red_invoice` lines."""
    receivable = workflows.tagged(Invoice, "receivable")
    original = ORIGINAL
    return (
        select(
            version,
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
        .select_from(Invoice)
        .join(original, original.id == Invoice.original_id)
        .where(
            Invoice.kind == "red",
            Invoice.state.in_(receivable),
            original.state.in_(receivable),
        )
    )


def taken(version: ColumnElement[Any], workflows: Workflows) -> list[Select[Any]]:
    """Credits and adjustments a statement took (`statement_entries`), as lines; the caller
    says which statement's entries."""
    receivable = workflows.tagged(Invoice, "receivable")

    def entry(source_type: str, source_id: Any) -> Any:
        return and_(
            StatementEntry.source_type == source_type, StatementEntry.source_id == source_id
        )

    blue_back = (
        select(
            version,
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
        .select_from(StatementEntry)
        .join(CustomerBlueInvoice, entry("customer_blue_invoice", CustomerBlueInvoice.id))
        .join(Return, Return.id == CustomerBlueInvoice.return_id)
    )
    discounts = (
        select(
            version,
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
        .select_from(StatementEntry)
        .join(DiscountCredit, entry("discount_offset", DiscountCredit.id))
        .join(Invoice, Invoice.id == DiscountCredit.invoice_id)
        .where(Invoice.state.in_(receivable))
    )
    adjustments = (
        select(
            version,
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
        .select_from(StatementEntry)
        .join(StatementAdjustment, entry("adjustment", StatementAdjustment.id))
    )
    return [blue_back, discounts, adjustments]


def open_returns(version: ColumnElement[Any], workflows: Workflows) -> Select[Any]:
    """Defective or slow-moving goods of returns still open: listed, not counted (the caller
    says whose)."""
    return select(
        version,
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
        Return.reason.in_(OPEN_RETURN_REASONS),
        Return.state.in_(workflows.tagged(Return, "open")),
    )


def not_taken(source_type: str, source_id: Any) -> Any:
    return ~exists().where(
        StatementEntry.source_type == source_type, StatementEntry.source_id == source_id
    )


def entries(
    workflows: Workflows, statement_id: ColumnElement[Any], customer_id: Any
) -> list[Select[Any]]:
    """The customer's credits and adjustments no statement has taken yet, as
    `statement_entries` rows of `statement_id`."""
    receivable = workflows.tagged(Invoice, "receivable")
    return [
        select(statement_id, literal("customer_blue_invoice"), CustomerBlueInvoice.id)
        .join(Return, Return.id == CustomerBlueInvoice.return_id)
        .where(
            CustomerBlueInvoice.customer_id == customer_id,
            Return.state.in_(workflows.tagged(Return, "credited")),
            not_taken("customer_blue_invoice", CustomerBlueInvoice.id),
        ),
        select(statement_id, literal("discount_offset"), DiscountCredit.id)
        .join(Invoice, Invoice.id == DiscountCredit.invoice_id)
        .where(
            DiscountCredit.customer_id == customer_id,
            DiscountCredit.mode == "receipt_offset",
            DiscountCredit.state == "pending",
            Invoice.state.in_(receivable),
            not_taken("discount_offset", DiscountCredit.id),
        ),
        select(statement_id, literal("adjustment"), StatementAdjustment.id).where(
            StatementAdjustment.customer_id == customer_id,
            StatementAdjustment.state.in_(workflows.tagged(StatementAdjustment, "open")),
            not_taken("adjustment", StatementAdjustment.id),
        ),
    ]


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

    def columns(self) -> dict[str, Decimal]:
        """As the columns of a statement or version."""
        return {
            "goods_total": self.goods,
            "credits_total": self.credits,
            "adjustments_total": self.adjustments,
            "amount_due": self.amount_due,
        }


def totals_of(session: Session, version_ids: Collection[int]) -> dict[int, Totals]:
    """Per version, the per-line sums by kind, in SQL, exact on both databases."""
    sums: dict[int, dict[str, Decimal]] = defaultdict(dict)
    found = session.execute(
        select(
            StatementLine.version_id,
            StatementLine.kind,
            func.sum(StatementLine.amount, type_=Money),
        )
        .where(
            among(session, StatementLine.version_id, list(version_ids)),
            StatementLine.counted.is_(True),
        )
        .group_by(StatementLine.version_id, StatementLine.kind)
    )
    for version_id, kind, amount in found:
        sums[version_id][kind] = Decimal(amount or ZERO)

    def of(version_id: int, *kinds: str) -> Decimal:
        return sum((sums[version_id].get(k, ZERO) for k in kinds), ZERO)

    return {
        v: Totals(of(v, "invoice"), of(v, *CREDIT_KINDS), of(v, "adjustment")) for v in version_ids
    }


def keyed_lines(session: Session, version_ids: Collection[int]) -> dict[int, Keyed]:
    """Per version, its lines by (kind, source) with their amounts."""
    keyed: dict[int, Keyed] = {v: {} for v in version_ids}
    if version_ids:
        found = session.execute(
            select(
                StatementLine.version_id,
                StatementLine.kind,
                StatementLine.source_id,
                StatementLine.amount,
            ).where(among(session, StatementLine.version_id, list(version_ids)))
        )
        for version_id, kind, source, amount in found:
            keyed[version_id][(kind, source)] = Decimal(amount)
    return keyed


def changes(
    before: Keyed, after: Keyed, totals: Totals, totals_before: Totals | None = None
) -> dict[str, Any]:
    """What a version changed against the previous one: lines added, removed, changed; the
    totals before (when there was a version) and after."""

    def line(key: tuple[str, int], **amounts: Decimal) -> dict[str, Any]:
        return {"kind": key[0], "source_id": key[1]} | {k: str(v) for k, v in amounts.items()}

    changed: dict[str, Any] = {
        "added": [line(k, amount=after[k]) for k in sorted(after.keys() - before.keys())],
        "removed": [line(k, amount=before[k]) for k in sorted(before.keys() - after.keys())],
        "changed": [
            line(k, before=before[k], after=after[k])
            for k in sorted(after.keys() & before.keys())
            if before[k] != after[k]
        ],
    }
    if totals_before is not None:
        changed["totals_before"] = totals_before.as_dict()
    changed["totals_after"] = totals.as_dict()
    return changed
