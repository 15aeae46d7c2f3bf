"""Vocabulary of `credit_review`: should a customer's grade or credit limit change, given its
payment record (R32)?

The facts are the customer's grade and limit and the figures of its payment record
(`service/credit/record.py`: days late on average, invoices paid and paid late, what is overdue,
promises to pay broken); the one action proposes a grade and a factor for the limit, with a
reason. Finance approves or rejects what is proposed; nothing changes by the rules alone.
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
# The grade a proposal names: one of the grades, or the one the customer has.
PROPOSED_GRADES: Final = (*GRADES, "keep")


class CreditReviewVariables(FactVariables):
    """A customer's grade, limit and payment record over the review's look-back."""

    @string_variable("Customer grade", options=GRADES)
    def customer_grade(self) -> object:
        return self.fact("customer_grade")

    @numeric_variable("Customer credit limit, yuan")
    def credit_limit(self) -> object:
        return self.fact("credit_limit")

    @numeric_variable("Days paid after the due date, on average over the invoices paid")
    def average_days_late(self) -> object:
        return self.fact("average_days_late")

    @numeric_variable("Invoices paid in the look-back")
    def invoices_paid(self) -> object:
        return self.fact("invoices_paid")

    @numeric_variable("Invoices paid after their due date in the look-back")
    def invoices_paid_late(self) -> object:
        return self.fact("invoices_paid_late")

    @numeric_variable("Amount overdue today (outstanding past its due date), yuan")
    def amount_overdue(self) -> object:
        return self.fact("amount_overdue")

    @numeric_variable("Invoices overdue today")
    def invoices_overdue(self) -> object:
        return self.fact("invoices_overdue")

    @numeric_variable("Promises to pay broken in the last year")
    def broken_promises(self) -> object:
        return self.fact("broken_promises")

    @numeric_variable(
        "Amount overdue as a share of the credit limit (1 when there is no limit and something "
        "is overdue)",
        inputs=("amount_overdue", "credit_limit"),
    )
    def overdue_share_of_limit(self) -> object:
        overdue, limit = self.fact("amount_overdue"), self.fact("credit_limit")
        if limit <= 0:
            return 1 if overdue > 0 else 0
        return overdue / limit


class CreditReviewActions(RecordingActions):
    """Propose a grade and a credit limit for finance to approve or reject."""

    @action(
        "Propose a grade and a credit limit",
        grade=param("select", "Grade (keep: unchanged)", PROPOSED_GRADES),
        limit_factor=param("numeric", "Credit limit times this factor (1: unchanged)"),
        reason=param("text", "Reason"),
    )
    def propose(self, grade: str, limit_factor: object, reason: str) -> None:
        self.record("propose", grade=grade, limit_factor=limit_factor, reason=reason)


CREDIT_REVIEW: Final = build_vocabulary("credit_review", CreditReviewVariables, CreditReviewActions)
