"""The two parties a document names, kept as they stood when it left us.

An invoice names its seller and buyer when the tax system issues it, a red-letter form when
finance enters it, a statement when it is sent: a printout made later (a copy for an audit, a
dispute a year on) shows them as the document gave them, not as the settings and the customer's
master data read today. A document not yet issued or sent shows them as they are now.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from service.settings import Seller


@dataclass(frozen=True)
class Party:
    """A party as a printout names it: its name, taxpayer number and address ("" when none)."""

    name: str
    tax_no: str
    address: str = ""


@dataclass(frozen=True)
class Parties:
    seller: Party
    buyer: Party

    @classmethod
    def now(cls, seller: Seller, *, buyer_name: str, buyer_tax_no: str) -> Parties:
        """The parties as the settings (our company) and the customer's master data name them
        today."""
        return cls(
            seller=Party(seller.name, seller.tax_no, seller.address),
            buyer=Party(buyer_name, buyer_tax_no),
        )

    def stored(self) -> dict[str, dict[str, str]]:
        """What the document keeps (a JSON column)."""
        return {"seller": asdict(self.seller), "buyer": asdict(self.buyer)}

    def unless_kept(self, kept: dict[str, Any] | None) -> Parties:
        """The parties the document kept, or these (now) when it kept none yet."""
        if not kept:
            return self
        return Parties(seller=_party(kept["seller"]), buyer=_party(kept["buyer"]))


def _party(kept: dict[str, Any]) -> Party:
    return Party(
        name=str(kept.get("name", "")),
        tax_no=str(kept.get("tax_no", "")),
        address=str(kept.get("address", "")),
    )
