"""Composing invoice lines: goods, their discount lines (R12) and carried-forward lines."""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal

from service import money
from service.errors import Conflict
from service.invoices.models import Invoice, InvoiceLine
from service.masterdata.models import Item

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class DraftLine:
    """What one goods or carried-forward line should say, before the money is worked out."""

    source: str
    item: Item
    quantity: int
    unit_price: Decimal
    tax_rate: Decimal
    order_line_id: int | None = None
    carry_forward_id: int | None = None
    discount: Decimal | None = None  # an agreed discount (incl. tax) instead of the contract's
    # A return deduction (R24 c) keeps its return, the blue line it takes back and its money
    # exactly as the invoice carrying it computed them.
    return_id: int | None = None
    reverses_line_id: int | None = None
    fixed: money.LineMoney | None = None


def build_lines(
    drafts: list[DraftLine], *, includes_tax: bool, discount_rate: Decimal, on_invoice: bool
) -> list[InvoiceLine]:
    """Money per line; each goods line followed by its discount line when R12 says so."""
    lines: list[InvoiceLine] = []
    for draft in drafts:
        line = draft.fixed or money.goods(
            draft.unit_price, draft.quantity, draft.tax_rate, includes_tax=includes_tax
        )
        lines.append(
            InvoiceLine(
                line_no=len(lines) + 1,
                source=draft.source,
                item=draft.item,
                order_line_id=draft.order_line_id,
                carry_forward_id=draft.carry_forward_id,
                return_id=draft.return_id,
                reverses_line_id=draft.reverses_line_id,
                quantity=draft.quantity,
                unit_price=draft.unit_price,
                amount=line.amount,
                tax_rate=draft.tax_rate,
                tax=line.tax,
            )
        )
        if draft.fixed is not None:
            continue
        if draft.discount is not None:
            agreed = money.split(draft.discount, draft.tax_rate, includes_tax=True)
            off = money.LineMoney(amount=-agreed.amount, tax=-agreed.tax)
        elif on_invoice and discount_rate > 0 and draft.quantity > 0:
            off = money.discount(line, discount_rate, draft.tax_rate, includes_tax=includes_tax)
        else:
            continue
        if off.amount or off.tax:
            lines.append(
                InvoiceLine(
                    line_no=len(lines) + 1,
                    source="discount",
                    item=draft.item,
                    order_line_id=draft.order_line_id,
                    quantity=0,
                    unit_price=ZERO,
                    amount=off.amount,
                    tax_rate=draft.tax_rate,
                    tax=off.tax,
                )
            )
    return lines


def set_totals(invoice: Invoice, lines: list[InvoiceLine], *, max_lines: int) -> None:
    invoice.amount = sum((line.amount for line in lines), ZERO)
    invoice.tax = sum((line.tax for line in lines), ZERO)
    invoice.total = invoice.amount + invoice.tax
    invoice.discount_total = -sum(
        (line.amount + line.tax for line in lines if line.source == "discount"), ZERO
    )
    # A paper VAT special invoice holds a limited number of lines; more need a sales list
    # (销货清单) attached, never a silent split.
    invoice.sales_list = len(lines) > max_lines


def drafts_of(invoice: Invoice, discount_rate: Decimal) -> list[DraftLine]:
    """The goods, carried-forward and return-deduction lines of an invoice, to correct and
    invoice again.

    A discount line that differs from what the contract's rate agreed for the order
    (`discount_rate`) gives was agreed separately (R17) and is kept as it is; otherwise the
    discount is worked out again at that rate.
    A return deduction is carried as it is: the return it credits stays credited once.
    """
    on_invoice = invoice.customer.discount_mode == "on_invoice"
    drafts: list[DraftLine] = []
    for index, line in enumerate(invoice.lines):
        if line.source == "return_deduction":
            drafts.append(
                DraftLine(
                    source=line.source,
                    item=line.item,
                    quantity=line.quantity,
                    unit_price=line.unit_price,
                    tax_rate=line.tax_rate,
                    return_id=line.return_id,
                    reverses_line_id=line.reverses_line_id,
                    fixed=money.LineMoney(amount=line.amount, tax=line.tax),
                )
            )
            continue
        if line.source not in {"goods", "carry_forward"}:
            continue
        agreed = None
        following = invoice.lines[index + 1] if index + 1 < len(invoice.lines) else None
        if following is not None and following.source == "discount":
            shown = -(following.amount + following.tax)
            expected = ZERO
            if on_invoice and discount_rate > 0:
                goods = money.LineMoney(amount=line.amount, tax=line.tax)
                computed = money.discount(
                    goods,
                    discount_rate,
                    line.tax_rate,
                    includes_tax=invoice.prices_include_tax,
                )
                expected = -computed.total
            if shown != expected:
                agreed = shown
        drafts.append(
            DraftLine(
                source=line.source,
                item=line.item,
                quantity=line.quantity,
                unit_price=line.unit_price,
                tax_rate=line.tax_rate,
                order_line_id=line.order_line_id,
                carry_forward_id=line.carry_forward_id,
                discount=agreed,
            )
        )
    return drafts


def with_change(drafts: list[DraftLine], item_id: int, **changes: object) -> list[DraftLine]:
    """The drafts with the goods line of `item_id` changed (only what a resolution allows)."""
    found = False
    result = []
    for draft in drafts:
        if draft.source == "goods" and draft.item.id == item_id and not found:
            found = True
            result.append(replace(draft, **changes))  # type: ignore[arg-type]
        else:
            result.append(draft)
    if not found:
        raise Conflict("invoice.item_no_longer_on_invoice", item_id=item_id)
    return result
