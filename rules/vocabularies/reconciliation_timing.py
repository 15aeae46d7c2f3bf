"""Vocabulary of `reconciliation_timing`: how many working days before a settlement date a
customer's statement is drafted (R20: three to five).

The facts are the customer's grade, its agreed lead time and what falls due on that settlement
date (amount and number of invoices); the one action drafts the statement a number of working
days ahead, with a reason. The scheduler evaluates it once per distinct combination of facts.
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

WorkingDays = Literal["3", "4", "5"]
WORKING_DAYS: Final[tuple[str, ...]] = get_args(WorkingDays)
GRADES: Final[tuple[str, ...]] = ("A", "B", "C")


class ReconciliationTimingVariables(FactVariables):
    """What is known about one customer's settlement date."""

    @string_variable("The customer's grade", options=GRADES)
    def grade(self) -> object:
        return self.fact("grade")

    @numeric_variable("The amount falling due on the settlement date, tax included, yuan")
    def amount_due(self) -> object:
        return self.fact("amount_due")

    @numeric_variable("The number of invoices falling due on the settlement date")
    def invoices_due(self) -> object:
        return self.fact("invoices_due")

    @numeric_variable("The reconciliation lead time agreed with the customer, days", default=3)
    def reconciliation_lead_days(self) -> object:
        return self.fact("reconciliation_lead_days")


class ReconciliationTimingActions(RecordingActions):
    """Draft the statement a number of working days before the settlement date."""

    @action(
        "Draft the statement this many working days ahead",
        working_days=param("select", "Working days ahead (R20: 3-5)", WORKING_DAYS),
        reason=param("text", "Reason"),
    )
    def draft_ahead(self, working_days: str, reason: str) -> None:
        self.record("draft_ahead", working_days=working_days, reason=reason)


RECONCILIATION_TIMING: Final = build_vocabulary(
    "reconciliation_timing", ReconciliationTimingVariables, ReconciliationTimingActions
)
