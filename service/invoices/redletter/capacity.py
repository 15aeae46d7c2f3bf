"""What a blue invoice's line still holds, and the money of taking some of it back.

A blue line is taken back by red invoices' lines and by return deductions on later invoices
(both name it in `reverses_line_id`), and is promised to red-letter forms still open. Whatever
takes back more than is left is refused; the caller holds the blue invoice's row
(`load(..., for_update=True)`) so that two takings of the same invoice queue and the second sees
the first.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from service import money
from service.db import Money
from service.invoices.models import Invoice, InvoiceLine
from service.invoices.redletter.models import RedLetterForm, RedLetterFormLine
from service.workflow import Workflows

ZERO = Decimal("0.00")
# Lines a red invoice or a deduction may take back: what was sold, not its discount.
REVERSIBLE = ("goods", "carry_forward")


@dataclass(frozen=True)
class Left:
    """What one blue line still holds: quantity, amount without tax, tax (all positive)."""

    quantity: int
    amount: Decimal
    tax: Decimal


def remaining(
    session: Session,
    workflows: Workflows,
    blue: Invoice,
    *,
    except_form: int | None = None,
    promised: bool = True,
) -> dict[int, Left]:
    """Per line of `blue`: its quantity and money less what red invoices and deductions took
    back (on invoices not discarded) and, with `promised`, what open forms (other than
    `except_form`) promise."""
    ids = [line.id for line in blue.lines]
    taken: dict[int, tuple[int, Decimal, Decimal]] = {}
    for line_id, qty, amount, tax in session.execute(
        select(
            InvoiceLine.reverses_line_id,
            func.coalesce(func.sum(InvoiceLine.quantity), 0),
            func.coalesce(func.sum(InvoiceLine.amount, type_=Money), ZERO),
            func.coalesce(func.sum(InvoiceLine.tax, type_=Money), ZERO),
        )
        .join(Invoice, Invoice.id == InvoiceLine.invoice_id)
        .where(InvoiceLine.reverses_line_id.in_(ids), Invoice.state != "discarded")
        .group_by(InvoiceLine.reverses_line_id)
    ):
        if line_id is not None:
            taken[line_id] = (-int(qty), -Decimal(amount), -Decimal(tax))
    promises = (
        select(
            RedLetterFormLine.blue_line_id,
            func.coalesce(func.sum(RedLetterFormLine.quantity), 0),
            func.coalesce(func.sum(RedLetterFormLine.amount, type_=Money), ZERO),
            func.coalesce(func.sum(RedLetterFormLine.tax, type_=Money), ZERO),
        )
        .join(RedLetterForm, RedLetterForm.id == RedLetterFormLine.form_id)
        .where(
            RedLetterFormLine.blue_line_id.in_(ids),
            RedLetterForm.state.in_(workflows.tagged(RedLetterForm, "open")),
        )
        .group_by(RedLetterFormLine.blue_line_id)
    )
    if except_form is not None:
        promises = promises.where(RedLetterForm.id != except_form)
    for line_id, qty, amount, tax in session.execute(promises) if promised else ():
        before = taken.get(line_id, (0, ZERO, ZERO))
        taken[line_id] = (
            before[0] + int(qty),
            before[1] + Decimal(amount),
            before[2] + Decimal(tax),
        )
    left = {}
    for line in blue.lines:
        if line.source not in REVERSIBLE:
            continue
        if blue.reversed_by_id is not None:
            # Reversed in full by a reissue's red invoice: nothing is left to take back.
            left[line.id] = Left(0, ZERO, ZERO)
            continue
        qty, amount, tax = taken.get(line.id, (0, ZERO, ZERO))
        left[line.id] = Left(line.quantity - qty, line.amount - amount, line.tax - tax)
    return left


@dataclass(frozen=True)
class Takers:
    """What already takes part of a blue invoice back: the numbers of the invoices (red
    invoices, or invoices deducting a return) and of the open red-letter forms."""

    invoices: list[str]
    forms: list[str]

    def __bool__(self) -> bool:
        return bool(self.invoices or self.forms)


def takers(session: Session, workflows: Workflows, blue: Invoice) -> Takers:
    """Who takes part of `blue` back, other than the red invoice of its reissue: a reissue
    reversing it in full would take that part back a second time."""
    ids = [line.id for line in blue.lines]
    invoice_nos = session.scalars(
        select(Invoice.invoice_no)
        .join(InvoiceLine, InvoiceLine.invoice_id == Invoice.id)
        .where(
            InvoiceLine.reverses_line_id.in_(ids),
            Invoice.state != "discarded",
            Invoice.id != (blue.reversed_by_id or 0),
        )
        .distinct()
        .order_by(Invoice.invoice_no)
    )
    form_nos = session.scalars(
        select(RedLetterForm.form_no)
        .where(
            RedLetterForm.blue_invoice_id == blue.id,
            RedLetterForm.state.in_(workflows.tagged(RedLetterForm, "open")),
        )
        .order_by(RedLetterForm.form_no)
    )
    return Takers(invoices=list(invoice_nos), forms=list(form_nos))


def take_back(
    line: InvoiceLine, quantity: int, left: Left, *, includes_tax: bool
) -> money.LineMoney:
    """The money of taking `quantity` of `line` back, as the invoice computed it: the price
    and rate of the line, half-up to the fen; the last of a line takes exactly what is left."""
    if quantity == left.quantity:
        return money.LineMoney(amount=left.amount, tax=left.tax)
    return money.goods(line.unit_price, quantity, line.tax_rate, includes_tax=includes_tax)


def discount_back(line: InvoiceLine, amount: Decimal, left: Left) -> money.LineMoney:
    """A sales discount (销售折让) on a line: the amount without tax, its tax at the line's rate."""
    if amount == left.amount:
        return money.LineMoney(amount=left.amount, tax=left.tax)
    return money.LineMoney(amount=amount, tax=min(money.fen(amount * line.tax_rate), left.tax))


def fully_taken(left: dict[int, Left]) -> bool:
    """Nothing left on any line: the blue invoice is reversed in full."""
    return all(v.quantity <= 0 and v.amount <= 0 and v.tax <= 0 for v in left.values())
