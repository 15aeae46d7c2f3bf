"""Invoice arithmetic: amounts without tax and tax per line, half-up to the fen (invoices,
their red lines and deductions, returns: every feature that values a line the same way)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

FEN = Decimal("0.01")


def fen(value: Decimal) -> Decimal:
    return value.quantize(FEN, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class LineMoney:
    amount: Decimal  # without tax
    tax: Decimal

    @property
    def total(self) -> Decimal:
        return self.amount + self.tax

    @property
    def parts(self) -> tuple[Decimal, Decimal]:
        """(amount without tax, tax)."""
        return self.amount, self.tax


def split(gross_or_net: Decimal, rate: Decimal, *, includes_tax: bool) -> LineMoney:
    """From a tax-inclusive gross (contract prices usually are, 含税价) or a net amount."""
    if includes_tax:
        gross = fen(gross_or_net)
        amount = fen(gross / (1 + rate))
        return LineMoney(amount=amount, tax=gross - amount)
    amount = fen(gross_or_net)
    return LineMoney(amount=amount, tax=fen(amount * rate))


def goods(unit_price: Decimal, quantity: int, rate: Decimal, *, includes_tax: bool) -> LineMoney:
    return split(unit_price * quantity, rate, includes_tax=includes_tax)


def discount(
    line: LineMoney, discount_rate: Decimal, tax_rate: Decimal, *, includes_tax: bool
) -> LineMoney:
    """The discount line of a goods line (R12 on the invoice): negative, same tax rate."""
    base = line.total if includes_tax else line.amount
    off = split(base * discount_rate, tax_rate, includes_tax=includes_tax)
    return LineMoney(amount=-off.amount, tax=-off.tax)


def rounding_gap(amount: Decimal, rate: Decimal, tax: Decimal) -> Decimal:
    """|amount x rate - tax|: what the invoicing software's tolerance (0.06 a line) measures."""
    return abs(amount * rate - tax)
