"""Compare an invoice with what the customer booked, item by item; pure, no I/O.

One finding per discrepancy, classified as DOMAIN.md's kinds: a model invoiced but another
booked (R14), more or fewer invoiced than booked (R15), a different unit price (R16) or
discount (R17), or the same goods with a different tax split (rounding).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from decimal import Decimal

ZERO = Decimal("0.00")


@dataclass
class Side:
    """One item's totals on the invoice or in the booking. Amounts exclude tax; the discount
    is given as a positive amount including tax."""

    item_code: str
    quantity: int = 0
    unit_price: Decimal | None = None
    amount: Decimal = ZERO
    tax: Decimal = ZERO
    discount: Decimal = ZERO

    @property
    def gross(self) -> Decimal:
        return self.amount + self.tax

    def add(
        self,
        quantity: int,
        unit_price: Decimal | None,
        amount: Decimal,
        tax: Decimal,
        discount: Decimal,
    ) -> None:
        self.quantity += quantity
        if self.unit_price is None and quantity:
            self.unit_price = unit_price
        self.amount += amount
        self.tax += tax
        self.discount += discount


@dataclass(frozen=True)
class Finding:
    """One discrepancy: both sides as the booking states them, and the differences between them
    (invoiced minus booked)."""

    kind: str
    item_code: str | None
    booked_item_code: str | None
    invoiced: Side
    booked: Side
    invoice_tax_difference: Decimal = field(default=ZERO)

    @property
    def quantity_difference(self) -> int:
        return self.invoiced.quantity - self.booked.quantity

    @property
    def amount_difference(self) -> Decimal:
        """Without tax."""
        return self.invoiced.amount - self.booked.amount

    @property
    def tax_difference(self) -> Decimal:
        return self.invoiced.tax - self.booked.tax

    @property
    def discount_difference(self) -> Decimal:
        return self.invoiced.discount - self.booked.discount

    @property
    def total_difference(self) -> Decimal:
        """What the invoice asks minus what the customer booked to pay."""
        return self.amount_difference + self.tax_difference - self.discount_difference

    @property
    def line_tax_difference(self) -> Decimal:
        return abs(self.tax_difference)


def _pair(kind: str, invoiced: Side | None, booked: Side | None) -> Finding:
    return Finding(
        kind=kind,
        item_code=invoiced.item_code if invoiced else None,
        booked_item_code=booked.item_code if booked else None,
        invoiced=invoiced or Side(item_code=""),
        booked=booked or Side(item_code=""),
    )


def compare(invoiced: Iterable[Side], booked: Iterable[Side]) -> list[Finding]:
    """All discrepancies between the invoice's items and the booking's items."""
    ours = {side.item_code: side for side in invoiced}
    theirs = {side.item_code: side for side in booked}
    findings: list[Finding] = []
    only_ours = sorted(set(ours) - set(theirs))
    only_theirs = sorted(set(theirs) - set(ours))
    # A model on the invoice and another in the booking, in place of each other (R14).
    for mine, other in zip(only_ours, only_theirs, strict=False):
        findings.append(_pair("model_mismatch", ours[mine], theirs[other]))
    for mine in only_ours[len(only_theirs) :]:
        findings.append(_pair("quantity_over_invoiced", ours[mine], None))
    for other in only_theirs[len(only_ours) :]:
        findings.append(_pair("quantity_under_invoiced", None, theirs[other]))
    tax_gaps: list[Finding] = []
    for code in sorted(set(ours) & set(theirs)):
        ours_side, theirs_side = ours[code], theirs[code]
        if ours_side.quantity > theirs_side.quantity:
            findings.append(_pair("quantity_over_invoiced", ours_side, theirs_side))
        elif ours_side.quantity < theirs_side.quantity:
            findings.append(_pair("quantity_under_invoiced", ours_side, theirs_side))
        elif ours_side.unit_price != theirs_side.unit_price:
            findings.append(_pair("price_mismatch", ours_side, theirs_side))
        elif ours_side.discount != theirs_side.discount:
            findings.append(_pair("discount_mismatch", ours_side, theirs_side))
        elif (ours_side.amount, ours_side.tax) != (theirs_side.amount, theirs_side.tax):
            tax_gaps.append(_pair("tax_difference", ours_side, theirs_side))
    accumulated = abs(
        sum((ours[f.item_code or ""].tax - theirs[f.item_code or ""].tax for f in tax_gaps), ZERO)
    )
    findings += [replace(f, invoice_tax_difference=accumulated) for f in tax_gaps]
    return findings
