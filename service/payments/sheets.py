"""What the payment pages show: the allocation a payment would get (oldest due first, before
finance edits it), the deductions a customer may take, its credit and open invoices."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from service import ledger
from service.context import Context
from service.invoices.models import DiscountCredit, Invoice
from service.masterdata.queries import customer_by_code
from service.payments import allocation, deductions
from service.payments.allocation import OpenInvoice
from service.payments.models import Deduction
from service.payments.schemas import DeductionRef
from service.statements.models import Statement, StatementAdjustment, StatementEntry

ZERO = Decimal("0.00")
PAGE = 50


@dataclass(frozen=True)
class Deductible:
    """A source the customer may deduct: its kind, id, amount and what it is."""

    kind: str
    id: int
    amount: Decimal
    reference: str


@dataclass(frozen=True)
class Proposed:
    invoice: OpenInvoice
    deducted: Decimal
    paid: Decimal

    @property
    def left(self) -> Decimal:
        return self.invoice.outstanding - self.deducted - self.paid


@dataclass
class Preview:
    """A payment before it is recorded: where its deductions and its money would go."""

    customer_code: str
    customer_name: str
    amount: Decimal
    unapplied: Decimal
    rows: list[Proposed] = field(default_factory=list)
    deductible: list[Deductible] = field(default_factory=list)
    chosen: list[DeductionRef] = field(default_factory=list)

    @property
    def allocated(self) -> Decimal:
        return sum((r.paid for r in self.rows), ZERO)

    @property
    def left_as_credit(self) -> Decimal:
        return self.amount - self.allocated


def deductible(session: Session, ctx: Context, customer_id: int) -> list[Deductible]:
    """The customer's receipt-offset discounts and confirmed statements' adjustments that no
    standing deduction took yet."""
    taken = (
        select(Deduction.id)
        .where(Deduction.source_id == DiscountCredit.id, Deduction.reversed_on.is_(None))
        .where(Deduction.source_type == "discount_credit")
        .exists()
    )
    discounts = session.execute(
        select(DiscountCredit.id, DiscountCredit.amount, Invoice.invoice_no)
        .join(Invoice, Invoice.id == DiscountCredit.invoice_id)
        .where(
            DiscountCredit.customer_id == customer_id,
            DiscountCredit.mode == deductions.RECEIPT_OFFSET,
            DiscountCredit.state == "pending",
            ~taken,
        )
        .order_by(DiscountCredit.id)
    )
    adjusted = (
        select(Deduction.id)
        .where(
            Deduction.source_type == "statement_adjustment",
            Deduction.source_id == StatementAdjustment.id,
            Deduction.reversed_on.is_(None),
        )
        .exists()
    )
    adjustments = session.execute(
        select(StatementAdjustment.id, StatementAdjustment.amount, StatementAdjustment.document_no)
        .join(
            StatementEntry,
            and_(
                StatementEntry.source_type == deductions.ENTRY_OF["statement_adjustment"],
                StatementEntry.source_id == StatementAdjustment.id,
            ),
        )
        .join(Statement, Statement.id == StatementEntry.statement_id)
        .where(
            StatementAdjustment.customer_id == customer_id,
            StatementAdjustment.state.in_(ctx.workflows.tagged(StatementAdjustment, "open")),
            Statement.state.in_(deductions.paying_states(ctx.workflows)),
            ~adjusted,
        )
        .order_by(StatementAdjustment.id)
    )
    return [Deductible("discount_credit", *row) for row in discounts] + [
        Deductible("statement_adjustment", *row) for row in adjustments
    ]


def preview(
    session: Session,
    ctx: Context,
    *,
    customer_code: str,
    amount: Decimal,
    chosen: list[DeductionRef],
) -> Preview:
    """Where the deductions ticked and the amount would go, as recording allocates them:
    deductions first (to their own invoice, then oldest due first), then the money."""
    customer = customer_by_code(session, customer_code)
    invoices = allocation.open_invoices(session, ctx, customer.id, hold=False)
    sources = deductions.resolve(session, ctx, customer.id, chosen, field="deductions")
    taken: dict[int, Decimal] = {}
    deducted: dict[int, Decimal] = {}
    for source in sources:
        allocation.add(deducted, deductions.spread(source, invoices, taken))
    paid = allocation.oldest_first(invoices, amount, taken)
    return Preview(
        customer_code=customer.code,
        customer_name=customer.name,
        amount=amount,
        unapplied=ledger.balance(session, customer.id).unapplied,
        rows=[Proposed(i, deducted.get(i.id, ZERO), paid.get(i.id, ZERO)) for i in invoices],
        deductible=deductible(session, ctx, customer.id),
        chosen=chosen,
    )
