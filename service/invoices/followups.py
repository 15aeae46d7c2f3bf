"""A follow-up invoice (R8, R9): a re-delivered shortage invoiced on its own, from the follow-up
delivery's signed receipt, instead of waiting for the customer's next invoice.

The re-delivered quantity is a carry-forward: whichever invoice takes it first (this one or the
next invoice of the customer) bills it, once; the row is held while it is taken. A follow-up
invoice does not move its order (the order's own invoice does); discarding its draft releases
the quantity again.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.context import Context
from service.errors import Conflict, Invalid
from service.invoices import terms
from service.invoices.lines import DraftLine, build_lines, set_totals
from service.invoices.models import CarryForward, Invoice
from service.invoices.queries import agreed, answer
from service.invoices.schemas import FollowUpCreate, InvoiceOut
from service.invoices.usecases import delivery_address, discount_credit, references
from service.numbering import document_number
from service.orders import queries as orders
from service.receipts.models import Receipt, ReceiptException


def create(session: Session, ctx: Context, *, data: FollowUpCreate) -> InvoiceOut:
    """The draft invoice of one re-delivered shortage, at the order's price (R11)."""
    field = "receipt_exception_id"
    exc = session.get(ReceiptException, data.receipt_exception_id)
    if exc is None:
        raise Invalid(
            "receipt_exception.not_found", field=field, exception_id=data.receipt_exception_id
        )
    carried = session.scalar(
        select(CarryForward)
        .where(CarryForward.source_receipt_exception_id == exc.id)
        .with_for_update()
    )
    if carried is None:
        raise Conflict("invoice.follow_up_not_redelivered", field=field, state=exc.state)
    if carried.state != "pending":
        taken = session.get(Invoice, carried.invoice_id or 0)
        raise Conflict(
            "invoice.follow_up_already_invoiced",
            field=field,
            invoice_no=taken.invoice_no if taken is not None else "-",
        )
    receipt = session.get(Receipt, exc.receipt_id)
    assert receipt is not None  # a foreign key
    order = orders.load(session, receipt.order_id)
    customer, contract = order.customer, order.contract
    rate = agreed(session, order).discount_rate  # R12: as agreed for the order
    lines = build_lines(
        [
            DraftLine(
                source="carry_forward",
                item=carried.item,
                quantity=carried.quantity,
                unit_price=carried.unit_price,
                tax_rate=carried.tax_rate,
                carry_forward_id=carried.id,
            )
        ],
        includes_tax=contract.prices_include_tax,
        discount_rate=rate,
        on_invoice=customer.discount_mode == "on_invoice",
    )
    invoice = Invoice(
        invoice_no=document_number(session, "IV", ctx.day.year),
        kind="blue",
        customer=customer,
        order=order,
        remark=references(order, exc.redelivery_receipt_no or receipt.receipt_no)
        + f"; 补发 follow-up of receipt {receipt.receipt_no}",
        prices_include_tax=contract.prices_include_tax,
        delivery_route=customer.invoice_delivery,
        delivery_address=delivery_address(customer),
        follow_up_of_id=exc.id,
        created_by=ctx.actor.username,
        lines=lines,
    )
    set_totals(invoice, lines, max_lines=ctx.settings.invoice_max_lines)
    terms.start_term(
        session, invoice, customer.id, exc.redelivery_receipt_date or receipt.receipt_date
    )
    ctx.create(
        session,
        invoice,
        payload={
            "order_id": order.id,
            "follow_up_of": exc.id,
            "follow_up_receipt_no": exc.redelivery_receipt_no,
            "total": invoice.total,
            "carried_forward": [carried.id],
        },
    )
    carried.state, carried.invoice_id = "invoiced", invoice.id
    discount_credit(session, invoice, lines, rate)
    return answer(session, ctx, invoice.id)
