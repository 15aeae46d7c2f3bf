"""Vocabulary of `credit_release`: may an order be released, or must it wait on credit hold?

The facts are the order amount and the customer's credit position (R30, R32); the actions hold or
release the order with a reason. Limits per grade are values in the rule file, never here.
"""

from __future__ import annotations

from typing import Final

from rules.engine import (
    FactVariables,
    RecordingActions,
    action,
    build_vocabulary,
    numeric_variable,
    param,
    string_variable,
)

GRADES: Final = ("A", "B", "C")


class CreditReleaseVariables(FactVariables):
    """The order and the customer's credit position when the order is approved."""

    @numeric_variable("Order amount, yuan")
    def order_amount(self) -> object:
        return self.fact("order_amount")

    @numeric_variable("Customer credit limit, yuan")
    def credit_limit(self) -> object:
        return self.fact("credit_limit")

    @numeric_variable("Open receivables of the customer, yuan")
    def open_receivables(self) -> object:
        return self.fact("open_receivables")

    @numeric_variable("Overdue receivables of the customer, yuan")
    def overdue_amount(self) -> object:
        return self.fact("overdue_amount")

    @numeric_variable("Days the oldest overdue receivable is past its due date")
    def max_days_overdue(self) -> object:
        return self.fact("max_days_overdue")

    @string_variable("Customer grade", options=GRADES)
    def customer_grade(self) -> object:
        return self.fact("customer_grade")

    @numeric_variable(
        "Order amount plus open receivables minus the credit limit, yuan",
        inputs=("order_amount", "open_receivables", "credit_limit"),
    )
    def amount_over_credit_limit(self) -> object:
        return self.fact("order_amount") + self.fact("open_receivables") - self.fact("credit_limit")


class CreditReleaseActions(RecordingActions):
    """Hold the order for a person to look at, or release it."""

    @action("Hold the order on credit hold", reason=param("text", "Reason"))
    def hold(self, reason: str) -> None:
        self.record("hold", reason=reason)

    @action("Release the order", reason=param("text", "Reason"))
    def release(self, reason: str) -> None:
        self.record("release", reason=reason)


CREDIT_RELEASE: Final = build_vocabulary(
    "credit_release", CreditReleaseVariables, CreditReleaseActions
)
