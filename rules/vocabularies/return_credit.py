"""Vocabulary of `return_credit`: how a return whose goods are back is credited (R24-R25).

The facts are what the customer accepts, the case (reason, amount, whether the buyer confirmed
use of the blue invoice) and the documents on file; the one action proposes a method with a
reason. Finance confirms the proposal or chooses another method the customer accepts.
"""

from __future__ import annotations

from typing import Final, Literal, get_args

from rules.engine import (
    FactVariables,
    RecordingActions,
    action,
    boolean_variable,
    build_vocabulary,
    numeric_variable,
    param,
    select_multiple_variable,
    string_variable,
)

Method = Literal["red_letter", "customer_blue_invoice", "next_invoice_deduction"]
Reason = Literal["defective", "slow_moving", "wrong_model", "other"]
Document = Literal["return_receipt", "approval_report", "customer_consent"]
METHODS: Final[tuple[str, ...]] = get_args(Method)
REASONS: Final[tuple[str, ...]] = get_args(Reason)
DOCUMENTS: Final[tuple[str, ...]] = get_args(Document)


class ReturnCreditVariables(FactVariables):
    """What is known about one return once its goods are back."""

    @select_multiple_variable(
        "Credit methods the customer accepts (R24)", options=METHODS, default=()
    )
    def accepted_methods(self) -> object:
        return self.fact("accepted_methods")

    @string_variable("Why the goods came back", options=REASONS)
    def reason(self) -> object:
        return self.fact("reason")

    @numeric_variable("The credit, tax included, yuan")
    def amount(self) -> object:
        return self.fact("amount")

    @boolean_variable(
        "The buyer confirmed use (用途确认) of the blue invoice on the tax platform", default=False
    )
    def blue_invoice_use_confirmed(self) -> object:
        return self.fact("blue_invoice_use_confirmed")

    @select_multiple_variable(
        "Documents on file: return receipt, approval report, customer's consent (R25)",
        options=DOCUMENTS,
        default=(),
    )
    def documents_on_file(self) -> object:
        return self.fact("documents_on_file")


class ReturnCreditActions(RecordingActions):
    """Propose how the return is credited."""

    @action(
        "Propose the credit method",
        method=param("select", "Credit method", METHODS),
        reason=param("text", "Reason"),
    )
    def propose(self, method: str, reason: str) -> None:
        self.record("propose", method=method, reason=reason)


RETURN_CREDIT: Final = build_vocabulary("return_credit", ReturnCreditVariables, ReturnCreditActions)
