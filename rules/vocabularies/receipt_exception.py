"""Vocabulary of `receipt_exception`: how a shortage or substitution found at receipt (R8) is
worked, and who owns it.

The facts are the exception (kind, quantity, value at the order's price), where the goods came
from (internal warehouse with a third-party carrier, or external warehouse with the delivery
company), the carrier and the customer's grade; the one action proposes a path and an owner with
a reason. A person takes the proposed path or another with a reason.
"""

from __future__ import annotations

from typing import Final, Literal, get_args

from rules.engine import (
    FactVariables,
    RecordingActions,
    action,
    build_vocabulary,
    numeric_variable,
    param,
    string_variable,
)

Kind = Literal["shortage", "substitution"]
Path = Literal["redeliver", "claim", "accept", "return"]
Owner = Literal["logistics", "sales"]
KINDS: Final[tuple[str, ...]] = get_args(Kind)
PATHS: Final[tuple[str, ...]] = get_args(Path)
OWNERS: Final[tuple[str, ...]] = get_args(Owner)
WAREHOUSE_KINDS: Final = ("internal", "external")
GRADES: Final = ("A", "B", "C")
# Which path fits which kind: a shortage is re-delivered, claimed or accepted; a substitution is
# accepted as received or returned.
PATHS_OF_KIND: Final[dict[str, tuple[str, ...]]] = {
    "shortage": ("redeliver", "claim", "accept"),
    "substitution": ("accept", "return"),
}


class ReceiptExceptionVariables(FactVariables):
    """What is known about one exception when the receipt is posted."""

    @string_variable("Shortage (less arrived) or substitution (another model)", options=KINDS)
    def kind(self) -> object:
        return self.fact("kind")

    @numeric_variable("Pieces short, or of the other model")
    def quantity(self) -> object:
        return self.fact("quantity")

    @numeric_variable("Their value at the order's price, tax included, yuan")
    def value(self) -> object:
        return self.fact("value")

    @string_variable(
        "Shipped from the internal warehouse (third-party carrier) or the external one",
        options=WAREHOUSE_KINDS,
    )
    def warehouse_kind(self) -> object:
        return self.fact("warehouse_kind")

    @string_variable("The carrier that delivered")
    def carrier(self) -> object:
        return self.fact("carrier")

    @string_variable("Customer grade", options=GRADES)
    def customer_grade(self) -> object:
        return self.fact("customer_grade")


class ReceiptExceptionActions(RecordingActions):
    """Propose how the exception is worked and who owns it."""

    @action(
        "Propose the path and the owner",
        path=param("select", "Path", PATHS),
        owner=param("select", "Owner", OWNERS),
        reason=param("text", "Reason"),
    )
    def propose(self, path: str, owner: str, reason: str) -> None:
        self.record("propose", path=path, owner=owner, reason=reason)


RECEIPT_EXCEPTION: Final = build_vocabulary(
    "receipt_exception", ReceiptExceptionVariables, ReceiptExceptionActions
)
