"""What a blue invoice's line still holds, and the money of taking some of it back.

A blue line is taken back by red invoices' lines and by return deductions on later invoices
(both name it in `reverses_line_id`), and is promised to red-letter forms still open. Whatever
takes back more than is left is refused; the caller holds the blue invoice's row
(`load(..., for_update=True)`) so that two takings of the same invoice queue and the second sees
the first.

Goods sold with a discount line (R12, on the invoice) were paid net: taking some of them back
takes the same share of their discount line back too (`with_discounts`), so a return is never
credited at the price before the discount. A discount line's amounts are negative, and so is
what is left of it.
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
# Lines a person may take back: what was sold; its discount line follows its share.
REVERSIBLE = ("goods", "carry_forward")
DISCOUNT = "discount"


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
    """Per goods and discount line of `blue`: its quantity and money less what red invoices
    and deductions took back (on invoices not discarded) and, with `promised`, what open forms
    (other than `except_form`) promise."""
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
        if line.source not in REVERSIBLE and line.source != DISCOUNT:
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
    """Nothing left on any line: the blue invoice is reversed in full (a discount line's
    negative remainder goes with its goods)."""
    return all(v.quantity <= 0 and v.amount <= 0 and v.tax <= 0 for v in left.values())


def discount_lines(blue: Invoice) -> dict[int, InvoiceLine]:
    """Goods line id -> the discount line that follows it (R12 puts it right after)."""
    found = {}
    for line, following in zip(blue.lines, blue.lines[1:], strict=False):
        if line.source in REVERSIBLE and following.source == DISCOUNT:
            found[line.id] = following
    return found


@dataclass(frozen=True)
class Taking:
    """One blue line taken back: how many and the money (positive for goods, negative for the
    share of a discount line)."""

    line: InvoiceLine
    quantity: int
    money: money.LineMoney


def with_discounts(blue: Invoice, takings: list[Taking], left: dict[int, Left]) -> list[Taking]:
    """`takings` of goods lines, each followed by its share of the goods' discount line: the
    same fraction of the discount as of the line's quantity, half-up to the fen; the last of a
    line takes what is left of its discount."""
    discounts = discount_lines(blue)
    result = []
    for taking in takings:
        result.append(taking)
        discount = discounts.get(taking.line.id)
        if discount is None or taking.quantity == 0:
            continue
        room = left.get(taking.line.id)
        rest = left.get(discount.id, Left(0, ZERO, ZERO))
        if room is not None and taking.quantity >= room.quantity:
            share = money.LineMoney(amount=rest.amount, tax=rest.tax)
        else:
            part = Decimal(taking.quantity) / Decimal(taking.line.quantity)
            share = money.LineMoney(
                amount=max(money.fen(discount.amount * part), rest.amount),
                tax=max(money.fen(discount.tax * part), rest.tax),
            )
        if share.amount or share.tax:
            result.append(Taking(discount, 0, share))
    return result


def everything(blue: Invoice) -> list[Taking]:
    """Every line of `blue` taken back as it stands (a full reversal)."""
    return [
        Taking(line, line.quantity, money.LineMoney(amount=line.amount, tax=line.tax))
        for line in blue.lines
    ]
