"""Invoice use cases: make from the signed receipt, issue, send, sign, discard."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from service import ledger, money
from service.context import Context
from service.errors import Conflict, Invalid
from service.invoices import terms
from service.invoices.lines import ZERO, DraftLine, build_lines, set_totals
from service.invoices.models import CarryForward, DiscountCredit, Invoice, InvoiceLine
from service.invoices.queries import agreed, answer, load
from service.invoices.redletter import deductions
from service.invoices.schemas import (
    InvoiceCreate,
    InvoiceIssue,
    InvoiceOut,
    InvoiceSend,
    InvoiceSign,
)
from service.masterdata import queries as masterdata
from service.masterdata.models import Customer
from service.numbering import document_number
from service.orders import queries as orders
from service.orders.models import Order
from service.receipts import queries as receipts
from service.receipts.models import Receipt, ReceiptException


def references(order: Order, receipt_no: str) -> str:
    """R10: the four references the customer's settlement centre matches invoices by."""
    return reference_text(
        order.customer_po_no, order.company_order_no, receipt_no, order.warehouse.code
    )


def reference_text(po_no: str, company_order_no: str | None, receipt_no: str, dc: str) -> str:
    return (
        f"客户订单号 PO {po_no}; 公司订单号 order {company_order_no}; "
        f"入库单号 receipt {receipt_no}; 仓库 DC {dc}"
    )


def remark(order: Order, receipt: Receipt) -> str:
    return references(order, receipt.receipt_no)


def discount_credit(
    session: Session, invoice: Invoice, lines: list[InvoiceLine], discount_rate: Decimal
) -> None:
    """R12 outside the invoice: the goods' discount, at the rate agreed for the order, recorded
    as a credit to offset later."""
    customer = invoice.customer
    if customer.discount_mode == "on_invoice" or discount_rate <= 0:
        return
    billed = ("goods", "carry_forward") if invoice.follow_up_of_id else ("goods",)
    gross = sum((line.amount + line.tax for line in lines if line.source in billed), ZERO)
    session.add(
        DiscountCredit(
            customer_id=customer.id,
            invoice_id=invoice.id,
            mode=customer.discount_mode,
            amount=money.fen(gross * discount_rate),
            discount_order_no=invoice.order.discount_order_no,
        )
    )


def delivery_address(customer: Customer) -> str:
    """R13: where the invoice goes; never an empty name."""
    if customer.invoice_delivery == "settlement_centre" and customer.settlement_centre_address:
        return customer.settlement_centre_address
    branch = customer.branch.strip()
    return f"{branch} finance" if branch else f"branch finance for {customer.name}"


def _received_drafts(order: Order, receipt: Receipt, prices: dict[str, Decimal]) -> list[DraftLine]:
    """R9: the received quantities; R11: the prices agreed when the order was made, a
    substituted model's from the contract as it stood then (`prices`: HQ may have changed it
    since)."""
    drafts = []
    for line in receipt.lines:
        if line.received_qty == 0:
            continue
        ordered = line.order_line
        if line.received_item_id == ordered.item_id:
            price, rate = ordered.unit_price, ordered.tax_rate
        else:
            if line.received_item.code not in prices:
                raise Conflict(
                    "invoice.substitute_not_in_contract",
                    field="order_id",
                    received=line.received_item.code,
                    ordered=ordered.item.code,
                    contract=order.contract.contract_no,
                )
            price, rate = prices[line.received_item.code], line.received_item.tax_rate
        drafts.append(
            DraftLine(
                source="goods",
                item=line.received_item,
                quantity=line.received_qty,
                unit_price=price,
                tax_rate=rate,
                order_line_id=ordered.id,
            )
        )
    return drafts


def _take_carry_forwards(session: Session, customer_id: int) -> list[CarryForward]:
    return list(
        session.scalars(
            select(CarryForward)
            .where(CarryForward.customer_id == customer_id, CarryForward.state == "pending")
            .order_by(CarryForward.id)
            .with_for_update()
        )
    )


def _follow_ups(session: Session, carried: list[CarryForward]) -> str:
    """R10 for re-delivered shortages (R8): the follow-up receipts' numbers, as the customer's
    settlement centre matches them."""
    ids = [cf.source_receipt_exception_id for cf in carried if cf.source_receipt_exception_id]
    if not ids:
        return ""
    numbers = session.scalars(
        select(ReceiptException.redelivery_receipt_no)
        .where(ReceiptException.id.in_(ids))
        .order_by(ReceiptException.id)
    )
    return "; 补发入库单 follow-up receipt " + ", ".join(n for n in numbers if n)


def create(session: Session, ctx: Context, *, data: InvoiceCreate) -> InvoiceOut:
    """Make the draft invoice of a receipted order (R9-R12), with carried-forward quantities, on
    the business date given (not before the receipt date), numbered in its year."""
    order = orders.load(session, data.order_id)
    if data.business_date is not None:
        received = session.scalar(select(Receipt.receipt_date).where(Receipt.order_id == order.id))
        ctx = ctx.dated(session, data.business_date, field="business_date", not_before=received)
    ctx.fire(session, order, "invoice")
    receipt = receipts.load(session, order.id)
    then = agreed(session, order)
    drafts = _received_drafts(order, receipt, then.prices)
    carried = _take_carry_forwards(session, order.customer_id)
    drafts += [
        DraftLine(
            source="carry_forward",
            item=cf.item,
            quantity=cf.quantity,
            unit_price=cf.unit_price,
            tax_rate=cf.tax_rate,
            carry_forward_id=cf.id,
        )
        for cf in carried
    ]
    if not drafts:
        raise Conflict("invoice.nothing_received", field="order_id", order_id=order.id)
    customer, contract = order.customer, order.contract
    on_invoice = customer.discount_mode == "on_invoice"
    lines = build_lines(
        drafts,
        includes_tax=contract.prices_include_tax,
        discount_rate=then.discount_rate,
        on_invoice=on_invoice,
    )
    # R24 (c): returns waiting for a deduction go on this invoice as negative lines.
    returns = deductions.pending(session, customer.id)
    lines += deductions.deduction_lines(session, ctx, returns, first_line_no=len(lines) + 1)
    invoice = Invoice(
        invoice_no=document_number(session, "IV", ctx.day.year),
        kind="blue",
        customer=customer,
        order=order,
        remark=remark(order, receipt)
        + _follow_ups(session, carried)
        + (deductions.remark(returns) if returns else ""),
        prices_include_tax=contract.prices_include_tax,
        delivery_route=customer.invoice_delivery,
        delivery_address=delivery_address(customer),
        created_by=ctx.actor.username,
        lines=lines,
    )
    set_totals(invoice, lines, max_lines=ctx.settings.invoice_max_lines)
    deductions.refuse_negative(invoice, lines)
    terms.start_term(session, invoice, customer.id, receipt.receipt_date)
    ctx.create(
        session,
        invoice,
        payload={
            "order_id": order.id,
            "total": invoice.total,
            "carried_forward": [cf.id for cf in carried],
            "return_deductions": [r.return_no for r in returns],
        },
    )
    for cf in carried:
        cf.state, cf.invoice_id = "invoiced", invoice.id
    discount_credit(session, invoice, lines, then.discount_rate)
    return answer(session, ctx, invoice.id)


def issue(session: Session, ctx: Context, *, invoice_id: int, data: InvoiceIssue) -> InvoiceOut:
    """The tax system issued it. A reissue's corrected invoice waits until the red invoice
    (issued against the reissue's red-letter form) voided the original: the customer never owes
    both. A red invoice is never a draft: it is issued against its form."""
    invoice = load(session, invoice_id)
    ctx = ctx.carried(session, data.fapiao_date, field="fapiao_date")
    if invoice.original_id is not None:
        original = load(session, invoice.original_id)
        if original.reversed_by_id is None:
            raise Conflict(
                "invoice.original_not_reversed",
                field="invoice_id",
                invoice_no=invoice.invoice_no,
                original=original.invoice_no,
            )
    ctx.fire(
        session,
        invoice,
        "issue",
        payload={"fapiao_no": data.fapiao_no, "fapiao_date": data.fapiao_date},
        if_match=True,
    )
    if data.fapiao_date > ctx.today:
        raise Invalid("invoice.date_in_future", field="fapiao_date", day=data.fapiao_date)
    clash = session.scalar(select(Invoice.id).where(Invoice.fapiao_no == data.fapiao_no))
    if clash is not None:
        raise Conflict(
            "invoice.fapiao_already_recorded",
            field="fapiao_no",
            fapiao_no=data.fapiao_no,
            invoice_id=clash,
        )
    invoice.fapiao_no, invoice.fapiao_date = data.fapiao_no, data.fapiao_date
    invoice.parties = masterdata.parties_now(ctx, invoice.customer).stored()
    deductions.credit_on_issue(session, ctx, invoice)
    try:
        session.flush()
    except IntegrityError:
        raise Conflict(
            "invoice.fapiao_recorded_concurrently", field="fapiao_no", fapiao_no=data.fapiao_no
        ) from None
    # From now on the customer owes its total (the receivables ledger).
    ledger.post(
        session,
        ledger.issued(
            customer_id=invoice.customer_id,
            invoice_id=invoice.id,
            invoice_no=invoice.invoice_no,
            total=invoice.total,
            day=data.fapiao_date,
        ),
        actor=ctx.actor.username,
    )
    return answer(session, ctx, invoice.id)


def send(session: Session, ctx: Context, *, invoice_id: int, data: InvoiceSend) -> InvoiceOut:
    """R13: to the branch finance, or straight to the customer's settlement centre."""
    invoice = load(session, invoice_id)
    ctx = ctx.carried(session, data.sent_on, field="sent_on")
    ctx.fire(
        session,
        invoice,
        "send",
        payload={
            "sent_on": data.sent_on,
            "route": invoice.delivery_route,
            "address": invoice.delivery_address,
            "tracking_no": data.tracking_no,
        },
        if_match=True,
    )
    _not_before(data.sent_on, invoice.fapiao_date, "sent_on", ctx.today)
    invoice.sent_on, invoice.tracking_no = data.sent_on, data.tracking_no
    return answer(session, ctx, invoice.id)


def sign(session: Session, ctx: Context, *, invoice_id: int, data: InvoiceSign) -> InvoiceOut:
    """The customer signed for the invoice (R23 needs it before settlement)."""
    invoice = load(session, invoice_id)
    ctx = ctx.carried(session, data.signed_on, field="signed_on")
    ctx.fire(
        session,
        invoice,
        "sign",
        payload={"signed_on": data.signed_on, "signed_by": data.signed_by},
        if_match=True,
    )
    _not_before(data.signed_on, invoice.sent_on or invoice.fapiao_date, "signed_on", ctx.today)
    invoice.signed_on, invoice.signed_by = data.signed_on, data.signed_by
    return answer(session, ctx, invoice.id)


def _not_before(day: date, earliest: date | None, field: str, today: date) -> None:
    if day > today:
        raise Invalid("invoice.date_in_future", field=field, day=day)
    if earliest is not None and day < earliest:
        raise Invalid("invoice.date_before_previous_step", field=field, day=day, earliest=earliest)


def discard(session: Session, ctx: Context, *, invoice_id: int) -> InvoiceOut:
    """Throw a draft away: carried-forward quantities wait for the next invoice again.

    The red and the corrected draft of a reissue carry out an invoice exception's resolution
    together; one of them alone is not thrown away (the original would be reversed without a
    replacement, or replaced without being reversed)."""
    invoice = load(session, invoice_id)
    if invoice.original_id is not None:
        original = load(session, invoice.original_id)
        raise Conflict(
            "invoice.reissue_draft_not_discardable",
            field="invoice_id",
            invoice_no=invoice.invoice_no,
            original=original.invoice_no,
        )
    ctx.fire(session, invoice, "discard", if_match=True)
    for cf in session.scalars(select(CarryForward).where(CarryForward.invoice_id == invoice.id)):
        cf.state, cf.invoice_id = "pending", None
    for credit in session.scalars(
        select(DiscountCredit).where(DiscountCredit.invoice_id == invoice.id)
    ):
        credit.state = "cancelled"
    if invoice.follow_up_of_id is None:
        # A follow-up invoice never moved its order; the order's own invoice did.
        order = orders.load(session, invoice.order_id)
        ctx.fire(
            session, order, "reopen_invoicing", payload={"discarded_invoice": invoice.invoice_no}
        )
    return answer(session, ctx, invoice.id)
