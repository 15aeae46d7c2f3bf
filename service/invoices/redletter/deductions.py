"""R24 (c): a return credited by a negative line on the customer's next invoice.

A return waiting for its deduction (method chosen, `next_invoice_deduction`) is carried by the
first invoice made for its customer that is not discarded: its received lines become
`return_deduction` lines taking back the blue lines they were sold on. Issuing that invoice
credits the return; discarding the draft releases it for the next invoice.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from service import money
from service.context import Context
from service.errors import Conflict
from service.invoices import queries as invoices
from service.invoices.models import Invoice, InvoiceLine
from service.invoices.redletter import capacity
from service.returns.models import Return

METHOD = "next_invoice_deduction"
ZERO = Decimal("0.00")


def pending(session: Session, customer_id: int) -> list[Return]:
    """The customer's returns waiting for a deduction and on no live invoice, held."""
    locked = list(
        session.scalars(
            select(Return)
            .where(
                Return.customer_id == customer_id,
                Return.state == "method_chosen",
                Return.credit_method == METHOD,
            )
            .order_by(Return.id)
            .with_for_update()
        )
    )
    if not locked:
        return []
    # Asked again once held: an invoice made meanwhile by another request is seen now.
    carried = set(
        session.scalars(
            select(InvoiceLine.return_id)
            .join(Invoice, Invoice.id == InvoiceLine.invoice_id)
            .where(InvoiceLine.return_id.in_([r.id for r in locked]), Invoice.state != "discarded")
        )
    )
    return [r for r in locked if r.id not in carried]


def deduction_lines(
    session: Session, ctx: Context, returns: list[Return], *, first_line_no: int
) -> list[InvoiceLine]:
    """One negative line per received return line, at the blue line's price and rate, and the
    goods' share of their discount line (positive); never more than the blue line still
    holds."""
    lines: list[InvoiceLine] = []
    blues: dict[int, tuple[Invoice, dict[int, capacity.Left]]] = {}
    for ret in returns:
        if ret.invoice_id not in blues:
            blue = invoices.load(session, ret.invoice_id, for_update=True)
            blues[ret.invoice_id] = (blue, capacity.remaining(session, ctx.workflows, blue))
        blue, left = blues[ret.invoice_id]
        by_id = {line.id: line for line in blue.lines}
        for returned in ret.lines:
            qty = returned.received_qty or 0
            blue_line = by_id.get(returned.invoice_line_id)
            if qty == 0 or blue_line is None:
                continue
            room = left.get(blue_line.id, capacity.Left(0, ZERO, ZERO))
            back = capacity.take_back(blue_line, qty, room, includes_tax=blue.prices_include_tax)
            if qty > room.quantity or back.amount > room.amount:
                raise Conflict(
                    "invoice.deduction_exceeds_remaining",
                    field="order_id",
                    return_no=ret.return_no,
                    item_code=blue_line.item.code,
                    quantity=qty,
                    remaining_quantity=room.quantity,
                )
            taking = capacity.Taking(
                blue_line, qty, money.LineMoney(amount=back.amount, tax=min(back.tax, room.tax))
            )
            # The goods' share of their discount line goes with them: the return is credited
            # at the price the customer was invoiced, after the discount.
            for taken in capacity.with_discounts(blue, [taking], left):
                was = left.get(taken.line.id, capacity.Left(0, ZERO, ZERO))
                left[taken.line.id] = capacity.Left(
                    was.quantity - taken.quantity,
                    was.amount - taken.money.amount,
                    was.tax - taken.money.tax,
                )
                lines.append(
                    InvoiceLine(
                        line_no=first_line_no + len(lines),
                        source="return_deduction",
                        item_id=taken.line.item_id,
                        order_line_id=None,
                        reverses_line_id=taken.line.id,
                        return_id=ret.id,
                        quantity=-taken.quantity,
                        unit_price=taken.line.unit_price,
                        amount=-taken.money.amount,
                        tax_rate=taken.line.tax_rate,
                        tax=-taken.money.tax,
                    )
                )
    return lines


def remark(returns: list[Return]) -> str:
    return "; 退货扣减 return deduction " + ", ".join(r.return_no for r in returns)


def refuse_negative(invoice: Invoice, lines: list[InvoiceLine]) -> None:
    """An invoice is never negative: the deductions wait for a larger invoice."""
    if invoice.total >= 0:
        return
    deducted = -sum(
        (line.amount + line.tax for line in lines if line.source == "return_deduction"), ZERO
    )
    raise Conflict(
        "invoice.negative_total",
        field="order_id",
        invoiced=invoice.total + deducted,
        deductions=deducted,
        total=invoice.total,
    )


def credit_on_issue(session: Session, ctx: Context, invoice: Invoice) -> list[str]:
    """The invoice carrying deductions is issued: each of its returns is credited, once.

    A return already credited (its deduction was on an invoice since reissued, whose corrected
    invoice carries the same deduction) is not credited again: its credit moves to this
    invoice. Only returns credited now are named."""
    per_return: dict[int, list[InvoiceLine]] = defaultdict(list)
    for line in invoice.lines:
        if line.source == "return_deduction" and line.return_id is not None:
            per_return[line.return_id].append(line)
    credited = []
    for return_id, lines in sorted(per_return.items()):
        ret = session.get(Return, return_id)
        if ret is None:  # pragma: no cover - a foreign key
            continue
        amount = -sum((line.amount for line in lines), ZERO)
        tax = -sum((line.tax for line in lines), ZERO)
        if ret.state in ctx.workflows.tagged(Return, "credited"):
            if ret.credit_invoice_id not in {invoice.id, invoice.original_id}:
                elsewhere = session.get(Invoice, ret.credit_invoice_id or 0)
                raise Conflict(
                    "invoice.return_already_credited",
                    return_no=ret.return_no,
                    credited_by=elsewhere.invoice_no if elsewhere is not None else "-",
                )
            # Credited on the day the first invoice carrying it was issued; only the invoice
            # that now carries the credit changes.
            ret.credit_invoice_id = invoice.id
            ret.amount, ret.tax, ret.total = amount, tax, amount + tax
            continue
        ctx.fire(
            session,
            ret,
            "credit",
            payload={"invoice": invoice.invoice_no, "total": amount + tax},
        )
        ret.credit_invoice_id, ret.credited_on = invoice.id, invoice.fapiao_date
        ret.amount, ret.tax, ret.total = amount, tax, amount + tax
        credited.append(ret.return_no)
    return credited
