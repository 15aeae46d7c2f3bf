"""How a received return is credited: the customer's consent, finance's choice of method (R24,
R25) and the customer's blue invoice back (R24 b).

Methods (a) red-letter and (c) next-invoice deduction are credited by the invoices feature when
the red invoice or the invoice carrying the deduction is issued (see `service.returns.queries`);
method (b) is credited here, when the customer's blue invoice is recorded.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from rules.vocabularies.return_credit import DOCUMENTS
from service import ledger
from service.context import Context
from service.errors import Conflict, Invalid
from service.invoices.models import Invoice, InvoiceLine
from service.masterdata.models import Item
from service.returns.facts import credit_facts, documents_on_file, proposal
from service.returns.models import CustomerBlueInvoice, Return
from service.returns.queries import DEDUCTION, answer, load
from service.returns.schemas import BlueInvoiceIn, ConsentIn, MethodIn, ReturnOut
from service.returns.usecases import ZERO, attachment

BLUE_INVOICE = "customer_blue_invoice"


def _redecide(session: Session, ctx: Context, ret: Return) -> dict[str, Any]:
    """Once the goods are back, the rules in force now propose again (the facts may change)."""
    used = session.scalar(select(Invoice.use_confirmed_on).where(Invoice.id == ret.invoice_id))
    ret.proposal = proposal(ctx.rules, ctx.today, credit_facts(ret, ret.customer, used is not None))
    return ret.proposal


def _decisions(made: dict[str, Any] | None) -> list[dict[str, Any]]:
    return [made] if made is not None and "ruleset" in made else []


def attach_consent(session: Session, ctx: Context, *, return_id: int, data: ConsentIn) -> ReturnOut:
    """Finance files the customer's written consent to a deduction (确认函, R25)."""
    ret = load(session, return_id)
    ret.consent_id = attachment(session, data.attachment_id, "attachment_id")
    made = _redecide(session, ctx, ret) if ret.receipt_no is not None else None
    ctx.fire(
        session,
        ret,
        "attach_consent",
        payload={"attachment_id": data.attachment_id},
        decisions=_decisions(made),
        if_match=True,
    )
    return answer(session, ctx, ret.id)


def _credit_under_way(session: Session, ret: Return) -> str | None:
    """The invoice already carrying this return's credit, if any (not a discarded draft)."""
    return session.scalar(
        select(Invoice.invoice_no)
        .join(InvoiceLine, InvoiceLine.invoice_id == Invoice.id)
        .where(InvoiceLine.return_id == ret.id, Invoice.state != "discarded")
        .limit(1)
    )


def choose_method(session: Session, ctx: Context, *, return_id: int, data: MethodIn) -> ReturnOut:
    """Finance confirms the rules' proposal, or chooses another method the customer accepts
    with a reason; a deduction needs the three documents of R25 on file."""
    ret = load(session, return_id)
    made = _redecide(session, ctx, ret)
    proposed = made.get("method")
    method = data.method or proposed
    payload = {"method": method, "proposed": proposed, "reason": data.reason}
    ctx.fire(
        session, ret, "choose_method", payload=payload, decisions=_decisions(made), if_match=True
    )
    if method is None:
        raise Conflict(
            "return.no_proposal", field="method", explanation=str(made.get("explanation", ""))
        )
    accepted = list(ret.customer.return_credit_methods or [])
    if method not in accepted:
        raise Conflict(
            "return.method_not_accepted", field="method", method=method, accepted=accepted
        )
    if method != proposed and not data.reason:
        raise Invalid(
            "return.method_reason_required", field="reason", method=method, proposed=proposed or "-"
        )
    if method == DEDUCTION:
        on_file = documents_on_file(ret)
        missing = [d for d in DOCUMENTS if d not in on_file]
        if missing:
            raise Conflict("return.deduction_documents_missing", field="method", missing=missing)
    under_way = _credit_under_way(session, ret)
    if under_way is not None and method != ret.credit_method:
        raise Conflict(
            "return.credit_under_way",
            field="method",
            method=ret.credit_method or "-",
            invoice_no=under_way,
        )
    ret.credit_method, ret.method_reason = method, data.reason
    return answer(session, ctx, ret.id)


def _check_blue_invoice(session: Session, ctx: Context, ret: Return, data: BlueInvoiceIn) -> None:
    if ret.credit_method != BLUE_INVOICE:
        raise Conflict(
            "return.method_not_blue_invoice",
            field="invoice_number",
            method=ret.credit_method or "-",
        )
    if data.invoice_date > ctx.today:
        raise Invalid("return.date_in_future", field="invoice_date", day=data.invoice_date)
    if ret.received_on is not None and data.invoice_date < ret.received_on:
        raise Invalid(
            "return.blue_invoice_before_receipt",
            field="invoice_date",
            day=data.invoice_date,
            received_on=ret.received_on,
        )
    returned = {line.item.code for line in ret.lines if line.received_qty}
    for index, line in enumerate(data.lines):
        if line.item_code not in returned:
            raise Invalid(
                "return.blue_invoice_item_not_returned",
                field=f"lines[{index}].item_code",
                item=line.item_code,
                returned=sorted(returned),
            )
    for name in ("amount", "tax"):
        added: Decimal = sum((getattr(line, name) for line in data.lines), ZERO)
        stated: Decimal = getattr(data, name)
        if added != stated:
            raise Invalid(
                "return.blue_invoice_lines_do_not_add_up",
                field=name,
                column=name,
                lines_total=added,
                stated=stated,
            )
    if data.amount + data.tax != data.total:
        raise Invalid(
            "return.blue_invoice_total_does_not_add_up",
            field="total",
            amount=data.amount,
            tax=data.tax,
            stated=data.total,
        )
    if data.total != ret.total:
        raise Conflict(
            "return.blue_invoice_not_the_credit",
            field="total",
            stated=data.total,
            credit=ret.total,
            return_no=ret.return_no,
        )
    clash = session.scalar(
        select(func.count())
        .select_from(CustomerBlueInvoice)
        .where(
            CustomerBlueInvoice.customer_id == ret.customer_id,
            CustomerBlueInvoice.invoice_number == data.invoice_number,
        )
    )
    if clash:
        raise Conflict(
            "return.blue_invoice_number_taken",
            field="invoice_number",
            invoice_number=data.invoice_number,
        )


def record_blue_invoice(
    session: Session, ctx: Context, *, return_id: int, data: BlueInvoiceIn
) -> ReturnOut:
    """R24 (b): the customer's blue invoice back credits the return, once, on its date (the
    business date of the step)."""
    ret = load(session, return_id)
    ctx = ctx.carried(session, data.invoice_date, field="invoice_date")
    ctx.fire(
        session,
        ret,
        "credit",
        payload={
            "method": BLUE_INVOICE,
            "invoice_number": data.invoice_number,
            "invoice_date": data.invoice_date,
            "total": data.total,
        },
        if_match=True,
    )
    _check_blue_invoice(session, ctx, ret, data)
    codes = {line.item.code for line in ret.lines}
    items = dict(session.execute(select(Item.code, Item.id).where(Item.code.in_(codes))).all())
    session.add(
        CustomerBlueInvoice(
            return_id=ret.id,
            customer_id=ret.customer_id,
            invoice_number=data.invoice_number,
            invoice_date=data.invoice_date,
            amount=data.amount,
            tax=data.tax,
            total=data.total,
            lines=[
                {**line.model_dump(mode="json"), "item_id": items.get(line.item_code)}
                for line in data.lines
            ],
            recorded_by=ctx.actor.username,
        )
    )
    ret.credited_on = data.invoice_date
    try:
        session.flush()
    except IntegrityError:
        raise Conflict(
            "return.blue_invoice_number_taken",
            field="invoice_number",
            invoice_number=data.invoice_number,
        ) from None
    _post_credit(session, ctx, ret)
    return answer(session, ctx, ret.id)


def _post_credit(session: Session, ctx: Context, ret: Return) -> None:
    """The credit lowers what is owed on the returned goods' invoice as far as it is still
    owed (its row held); the rest is the customer's unapplied credit, for the next invoices."""
    owed = session.scalar(
        select(Invoice.outstanding).where(Invoice.id == ret.invoice_id).with_for_update()
    )
    applied = min(ret.total, owed or ZERO)
    ledger.post(
        session,
        ledger.Posting(
            customer_id=ret.customer_id,
            kind="return_credit",
            source_type="return",
            source_id=ret.id,
            amount=-ret.total,
            day=ret.credited_on or ctx.today,
            reference=ret.return_no,
            invoice_id=ret.invoice_id,
            allocations={ret.invoice_id: applied} if applied > ZERO else {},
        ),
        actor=ctx.actor.username,
    )
    invoice = session.get(Invoice, ret.invoice_id)
    if invoice is None:
        return
    if invoice.state == "partly_paid" and invoice.outstanding == ZERO:
        # What was paid on it covers what the credit left of it.
        ctx.fire(session, invoice, "pay", payload={"return": ret.return_no})
    # Its statement and order follow at once (paid, partly paid, closed).
    ctx.money_moved(session, {invoice.id}, payload={"return": ret.return_no})
