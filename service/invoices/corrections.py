"""Reissue (退回重开): a red invoice reversing the original in full, and the corrected one."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from sqlalchemy.orm import Session

from service import journal
from service.auth.tokens import Actor
from service.errors import Conflict
from service.invoices.lines import ZERO, DraftLine, build_lines, drafts_of, set_totals
from service.invoices.models import Invoice, InvoiceLine
from service.invoices.usecases import MACHINE, load
from service.numbering import document_number


def reverse_and_correct(
    session: Session,
    *,
    actor: Actor,
    original: Invoice,
    correct: Callable[[list[DraftLine]], list[DraftLine]],
    today: date,
    max_lines: int,
    reason: str,
) -> tuple[Invoice, Invoice]:
    """A reissue: a red invoice reversing the original in full, and the corrected invoice.

    A second correction of the same original is applied to the corrected draft already made,
    so the original is never reversed twice (a red invoice never takes back more than the
    original still holds).
    """
    if original.kind != "blue":
        raise Conflict(f"invoice {original.invoice_no} is red; only blue invoices are reissued")
    if original.replaced_by_id is not None:
        corrected = load(session, original.replaced_by_id)
        if corrected.state != "draft":
            raise Conflict(
                f"invoice {original.invoice_no} was already replaced by "
                f"{corrected.invoice_no}, which is issued; dispute that one instead"
            )
        red = load(session, original.reversed_by_id or 0)
        drafts = correct(drafts_of(corrected))
        corrected.lines.clear()
        session.flush()
    else:
        red = _red_copy(
            session, actor=actor, original=original, today=today, max_lines=max_lines, reason=reason
        )
        drafts = correct(drafts_of(original))
        corrected = Invoice(
            invoice_no=document_number(session, "IV", today.year),
            kind="blue",
            customer_id=original.customer_id,
            order_id=original.order_id,
            state="draft",
            remark=original.remark,
            prices_include_tax=original.prices_include_tax,
            delivery_route=original.delivery_route,
            delivery_address=original.delivery_address,
            original_id=original.id,
            created_by=actor.username,
            amount=ZERO,
            tax=ZERO,
            total=ZERO,
        )
        session.add(corrected)
    contract = original.order.contract
    lines = build_lines(
        drafts,
        includes_tax=original.prices_include_tax,
        discount_rate=contract.discount_rate,
        on_invoice=original.customer.discount_mode == "on_invoice",
    )
    corrected.lines.extend(lines)
    set_totals(corrected, lines, max_lines=max_lines)
    session.flush()
    original.reversed_by_id, original.replaced_by_id = red.id, corrected.id
    journal.append(
        session,
        entity_type=MACHINE,
        entity_id=corrected.id,
        trigger="create",
        from_state=None,
        to_state=corrected.state,
        actor=actor.username,
        payload={"replaces": original.invoice_no, "reason": reason, "total": corrected.total},
    )
    return red, corrected


def _red_copy(
    session: Session,
    *,
    actor: Actor,
    original: Invoice,
    today: date,
    max_lines: int,
    reason: str,
) -> Invoice:
    lines = [
        InvoiceLine(
            line_no=line.line_no,
            source="reversal",
            item=line.item,
            order_line_id=line.order_line_id,
            quantity=-line.quantity,
            unit_price=line.unit_price,
            amount=-line.amount,
            tax_rate=line.tax_rate,
            tax=-line.tax,
        )
        for line in original.lines
    ]
    red = Invoice(
        invoice_no=document_number(session, "IV", today.year),
        kind="red",
        customer_id=original.customer_id,
        order_id=original.order_id,
        state="draft",
        remark=f"红字冲销 reverses {original.invoice_no} (fapiao {original.fapiao_no}); "
        f"{original.remark}",
        prices_include_tax=original.prices_include_tax,
        delivery_route=original.delivery_route,
        delivery_address=original.delivery_address,
        original_id=original.id,
        created_by=actor.username,
        lines=lines,
    )
    set_totals(red, lines, max_lines=max_lines)
    session.add(red)
    session.flush()
    journal.append(
        session,
        entity_type=MACHINE,
        entity_id=red.id,
        trigger="create",
        from_state=None,
        to_state=red.state,
        actor=actor.username,
        payload={"reverses": original.invoice_no, "reason": reason, "total": red.total},
    )
    return red
