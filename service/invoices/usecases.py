"""Invoice use cases: make from the signed receipt, issue, send, sign, discard, reverse/correct."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload, selectinload

from service import journal
from service.auth.tokens import Actor
from service.errors import Conflict, Invalid, NotFound
from service.invoices import money
from service.invoices.lines import ZERO, DraftLine, build_lines, set_totals
from service.invoices.models import CarryForward, DiscountCredit, Invoice, InvoiceLine
from service.numbering import document_number
from service.orders import usecases as orders
from service.orders.guards import OrderContext
from service.orders.models import Order
from service.receipts import usecases as receipts
from service.receipts.models import Receipt
from service.workflow import Workflows

MACHINE = "invoice"


def load(session: Session, invoice_id: int) -> Invoice:
    invoice = session.scalar(
        select(Invoice)
        .where(Invoice.id == invoice_id)
        .options(
            joinedload(Invoice.customer),
            joinedload(Invoice.order).joinedload(Order.contract),
            selectinload(Invoice.lines).joinedload(InvoiceLine.item),
        )
    )
    if invoice is None:
        raise NotFound(f"no invoice {invoice_id}", field="invoice_id")
    return invoice


def remark(order: Order, receipt: Receipt) -> str:
    """R10: the four references the customer's settlement centre matches invoices by."""
    return (
        f"客户订单号 PO {order.customer_po_no}; 公司订单号 order {order.company_order_no}; "
        f"入库单号 receipt {receipt.receipt_no}; 仓库 DC {order.warehouse.code}"
    )


def _received_drafts(order: Order, receipt: Receipt) -> list[DraftLine]:
    """R9: the received quantities; R11: contract prices in force on the order date."""
    contract_prices = {p.item_id: p.unit_price for p in order.contract.prices}
    drafts = []
    for line in receipt.lines:
        if line.received_qty == 0:
            continue
        ordered = line.order_line
        if line.received_item_id == ordered.item_id:
            price, rate = ordered.unit_price, ordered.tax_rate
        elif line.received_item_id in contract_prices:
            price, rate = contract_prices[line.received_item_id], line.received_item.tax_rate
        else:
            raise Conflict(
                f"the customer received model {line.received_item.code} instead of "
                f"{ordered.item.code}, and contract {order.contract.contract_no} has no price "
                "for it; agree the price (or settle the receipt exception) first",
                field="order_id",
            )
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


def create(
    session: Session,
    *,
    actor: Actor,
    workflows: Workflows,
    order_id: int,
    today: date,
    max_lines: int,
) -> Invoice:
    """Make the draft invoice of a receipted order (R9-R12), with carried-forward quantities."""
    order = orders.load(session, order_id)
    workflows.fire(
        session,
        orders.MACHINE,
        order,
        "invoice",
        actor=actor,
        context=OrderContext(order=order, today=today),
    )
    receipt = receipts.load(session, order_id)
    drafts = _received_drafts(order, receipt)
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
        raise Conflict(
            "nothing was received on this order: there is nothing to invoice", field="order_id"
        )
    customer, contract = order.customer, order.contract
    on_invoice = customer.discount_mode == "on_invoice"
    lines = build_lines(
        drafts,
        includes_tax=contract.prices_include_tax,
        discount_rate=contract.discount_rate,
        on_invoice=on_invoice,
    )
    invoice = Invoice(
        invoice_no=document_number(session, "IV", today.year),
        kind="blue",
        customer=customer,
        order=order,
        state=workflows[MACHINE].initial,
        remark=remark(order, receipt),
        prices_include_tax=contract.prices_include_tax,
        delivery_route=customer.invoice_delivery,
        delivery_address=(customer.settlement_centre_address or "")
        if customer.invoice_delivery == "settlement_centre"
        else f"{customer.branch} finance",
        created_by=actor.username,
        lines=lines,
    )
    set_totals(invoice, lines, max_lines=max_lines)
    session.add(invoice)
    session.flush()
    for cf in carried:
        cf.state, cf.invoice_id = "invoiced", invoice.id
    if not on_invoice and contract.discount_rate > 0:
        gross = sum((line.amount + line.tax for line in lines if line.source == "goods"), ZERO)
        session.add(
            DiscountCredit(
                customer_id=customer.id,
                invoice_id=invoice.id,
                mode=customer.discount_mode,
                amount=money.fen(gross * contract.discount_rate),
                discount_order_no=order.discount_order_no,
            )
        )
    journal.append(
        session,
        entity_type=MACHINE,
        entity_id=invoice.id,
        trigger="create",
        from_state=None,
        to_state=invoice.state,
        actor=actor.username,
        payload={
            "order_id": order.id,
            "total": invoice.total,
            "carried_forward": [cf.id for cf in carried],
        },
    )
    return invoice


def issue(
    session: Session,
    *,
    actor: Actor,
    workflows: Workflows,
    invoice_id: int,
    fapiao_no: str,
    fapiao_date: date,
    today: date,
    expected_version: int | None = None,
) -> Invoice:
    """The tax system issued it; a red invoice's issue voids the invoice it reverses."""
    invoice = load(session, invoice_id)
    workflows.fire(
        session,
        MACHINE,
        invoice,
        "issue",
        actor=actor,
        expected_version=expected_version,
        payload={"fapiao_no": fapiao_no, "fapiao_date": fapiao_date},
    )
    if fapiao_date > today:
        raise Invalid(f"fapiao date {fapiao_date} is in the future", field="fapiao_date")
    clash = session.scalar(select(Invoice.id).where(Invoice.fapiao_no == fapiao_no))
    if clash is not None:
        raise Conflict(
            f"fapiao {fapiao_no} is already recorded on invoice {clash}", field="fapiao_no"
        )
    invoice.fapiao_no, invoice.fapiao_date = fapiao_no, fapiao_date
    if invoice.kind == "red" and invoice.original_id is not None:
        original = load(session, invoice.original_id)
        workflows.fire(
            session,
            MACHINE,
            original,
            "void",
            actor=actor,
            payload={"red_invoice": invoice.invoice_no, "fapiao_no": fapiao_no},
        )
    try:
        session.flush()
    except IntegrityError:
        raise Conflict(
            f"fapiao {fapiao_no} was recorded at the same moment", field="fapiao_no"
        ) from None
    return invoice


def send(
    session: Session,
    *,
    actor: Actor,
    workflows: Workflows,
    invoice_id: int,
    sent_on: date,
    tracking_no: str | None,
    today: date,
    expected_version: int | None = None,
) -> Invoice:
    """R13: to the branch finance, or straight to the customer's settlement centre."""
    invoice = load(session, invoice_id)
    workflows.fire(
        session,
        MACHINE,
        invoice,
        "send",
        actor=actor,
        expected_version=expected_version,
        payload={
            "sent_on": sent_on,
            "route": invoice.delivery_route,
            "address": invoice.delivery_address,
            "tracking_no": tracking_no,
        },
    )
    _not_before(sent_on, invoice.fapiao_date, "sent_on", "the fapiao date", today)
    invoice.sent_on, invoice.tracking_no = sent_on, tracking_no
    return invoice


def sign(
    session: Session,
    *,
    actor: Actor,
    workflows: Workflows,
    invoice_id: int,
    signed_on: date,
    signed_by: str,
    today: date,
    expected_version: int | None = None,
) -> Invoice:
    """The customer signed for the invoice (R23 needs it before settlement)."""
    invoice = load(session, invoice_id)
    workflows.fire(
        session,
        MACHINE,
        invoice,
        "sign",
        actor=actor,
        expected_version=expected_version,
        payload={"signed_on": signed_on, "signed_by": signed_by},
    )
    _not_before(
        signed_on, invoice.sent_on or invoice.fapiao_date, "signed_on", "the day it was sent", today
    )
    invoice.signed_on, invoice.signed_by = signed_on, signed_by
    return invoice


def _not_before(day: date, earliest: date | None, field: str, what: str, today: date) -> None:
    if day > today:
        raise Invalid(f"{day} is in the future", field=field)
    if earliest is not None and day < earliest:
        raise Invalid(f"{day} is before {what} ({earliest})", field=field)


def discard(
    session: Session,
    *,
    actor: Actor,
    workflows: Workflows,
    invoice_id: int,
    today: date,
    expected_version: int | None = None,
) -> Invoice:
    """Throw a draft away: carried-forward quantities wait for the next invoice again."""
    invoice = load(session, invoice_id)
    workflows.fire(
        session, MACHINE, invoice, "discard", actor=actor, expected_version=expected_version
    )
    for cf in session.scalars(select(CarryForward).where(CarryForward.invoice_id == invoice.id)):
        cf.state, cf.invoice_id = "pending", None
    for credit in session.scalars(
        select(DiscountCredit).where(DiscountCredit.invoice_id == invoice.id)
    ):
        credit.state = "cancelled"
    if invoice.original_id is not None:
        original = session.get(Invoice, invoice.original_id)
        if original is not None and original.reversed_by_id == invoice.id:
            original.reversed_by_id = None
        if original is not None and original.replaced_by_id == invoice.id:
            original.replaced_by_id = None
    else:
        order = orders.load(session, invoice.order_id)
        workflows.fire(
            session,
            orders.MACHINE,
            order,
            "reopen_invoicing",
            actor=actor,
            context=OrderContext(order=order, today=today),
            payload={"discarded_invoice": invoice.invoice_no},
        )
    session.flush()
    return invoice
