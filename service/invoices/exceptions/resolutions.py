"""Carry out a resolution (R14-R17): change only what the resolution allows."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from service.context import Context
from service.errors import Conflict
from service.invoices.corrections import reverse_and_correct
from service.invoices.exceptions.models import InvoiceException
from service.invoices.lines import DraftLine, with_change
from service.invoices.models import CarryForward, Invoice
from service.invoices.queries import agreed
from service.invoices.queries import load as load_invoice
from service.masterdata import queries
from service.masterdata.models import Item

ZERO = Decimal("0.00")


def _item(session: Session, code: str | None, what: str) -> Item:
    item = queries.items_by_code(session, {code}).get(code) if code else None
    if item is None:
        raise Conflict("invoice_exception.unknown_model", side=what, item_code=code or "-")
    return item


def _contract_price(prices: dict[str, Decimal], invoice: Invoice, item: Item) -> Decimal:
    """R16: the contract price of the model, as the contract stood when the order was made
    (`prices`: `agreed`, read once per resolution)."""
    price = prices.get(item.code)
    if price is None:
        raise Conflict(
            "invoice_exception.no_contract_price",
            contract=invoice.order.contract.contract_no,
            item_code=item.code,
        )
    return price


def _carry(
    invoice: Invoice,
    exc: InvoiceException,
    item: Item,
    quantity: int,
    unit_price: Decimal,
    reason: str,
) -> CarryForward:
    return CarryForward(
        customer_id=invoice.customer_id,
        item_id=item.id,
        quantity=quantity,
        unit_price=unit_price,
        tax_rate=item.tax_rate,
        prices_include_tax=invoice.prices_include_tax,
        reason=reason,
        source_invoice_id=invoice.id,
        source_exception_id=exc.id,
    )


def execute(
    session: Session, ctx: Context, *, exc: InvoiceException, resolution: str
) -> dict[str, Any]:
    """Do what the resolution says; returns what was made, for the record (R18)."""
    # The invoice's row is held: corrections of one invoice queue, each sees the other's.
    invoice = load_invoice(session, exc.invoice_id, for_update=True)
    invoiced = _item(session, exc.item_code, "invoiced") if exc.item_code else None
    if resolution == "accept_rounding":
        return {"note": "tax difference within the rounding tolerance; nothing changes"}
    prices = agreed(session, invoice.order).prices
    if resolution == "accept_with_carry_forward":
        if invoiced is None or exc.quantity_difference >= 0:
            raise Conflict("invoice_exception.carry_forward_needs_shortfall")
        owed = _carry(
            invoice,
            exc,
            invoiced,
            -exc.quantity_difference,
            exc.invoiced_unit_price or _contract_price(prices, invoice, invoiced),
            f"R15: owed from invoice {invoice.invoice_no}",
        )
        session.add(owed)
        session.flush()
        return {"carry_forward_ids": [owed.id]}
    if resolution == "accept_and_offset_next_invoice":
        booked = _item(session, exc.booked_item_code, "booked")
        if invoiced is None:
            raise Conflict("invoice_exception.offset_needs_invoiced_model")
        reason = f"R14: offset of invoice {invoice.invoice_no} ({invoiced.code} -> {booked.code})"
        rows = [
            _carry(
                invoice,
                exc,
                booked,
                exc.booked_qty,
                _contract_price(prices, invoice, booked),
                reason,
            ),
            _carry(
                invoice,
                exc,
                invoiced,
                -exc.invoiced_qty,
                exc.invoiced_unit_price or _contract_price(prices, invoice, invoiced),
                reason,
            ),
        ]
        session.add_all(rows)
        session.flush()
        return {"carry_forward_ids": [row.id for row in rows]}
    return _reissue(
        session,
        ctx,
        invoice=invoice,
        exc=exc,
        invoiced=invoiced,
        resolution=resolution,
        prices=prices,
    )


def _reissue(
    session: Session,
    ctx: Context,
    *,
    invoice: Invoice,
    exc: InvoiceException,
    invoiced: Item | None,
    resolution: str,
    prices: dict[str, Decimal],
) -> dict[str, Any]:
    if invoiced is None:
        raise Conflict("invoice_exception.needs_invoiced_model", resolution=resolution)

    def corrected(drafts: list[DraftLine]) -> list[DraftLine]:
        assert invoiced is not None
        if resolution == "reissue":
            if exc.booked_qty == 0:
                return [d for d in drafts if not (d.source == "goods" and d.item.id == invoiced.id)]
            return with_change(drafts, invoiced.id, quantity=exc.booked_qty)
        if resolution == "exchange_invoice":
            booked = _item(session, exc.booked_item_code, "booked")
            return with_change(
                drafts,
                invoiced.id,
                item=booked,
                quantity=exc.booked_qty,
                unit_price=_contract_price(prices, invoice, booked),
                tax_rate=booked.tax_rate,
            )
        if resolution == "correct_price":
            return with_change(
                drafts, invoiced.id, unit_price=_contract_price(prices, invoice, invoiced)
            )
        if resolution == "correct_discount":
            shown = -sum(
                (
                    ln.amount + ln.tax
                    for ln in invoice.lines
                    if ln.source == "discount" and ln.item_id == invoiced.id
                ),
                ZERO,
            )
            return with_change(drafts, invoiced.id, discount=shown - exc.discount_difference)
        raise Conflict("invoice_exception.unknown_resolution", resolution=resolution)

    if resolution == "correct_price" and exc.invoiced_unit_price == _contract_price(
        prices, invoice, invoiced
    ):
        # R16: the contract price wins. The invoice already carries it: the booking is wrong.
        return {
            "note": "the invoice already carries the contract price; the customer corrects "
            "its booking"
        }
    form, replacement = reverse_and_correct(
        session,
        ctx,
        original=invoice,
        correct=corrected,
        reason=f"exception {exc.id}: {resolution}",
    )
    return {"red_letter_form_id": form.id, "corrected_invoice_id": replacement.id}
