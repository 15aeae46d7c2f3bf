"""Vocabulary of `collection`: which collection task a customer's condition calls for (R30-R31).

One decision per customer and condition (past due 超账期, over the credit limit 超限额, older than
the age its grade allows 超账龄), from banded facts (days to the ageing buckets' lower bounds,
amounts to their band) so the scheduler evaluates once per distinct combination, never per
invoice. `collect` raises a task for an owner role with a priority, a deadline, a repeat interval
and the days unresolved after which it escalates one step (R31); `wait` raises nothing.
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
    string_variable,
)

Condition = Literal["overdue", "over_limit", "over_age"]
CONDITIONS: Final[tuple[str, ...]] = get_args(Condition)
# R31's ladder: account manager, branch finance manager, HQ finance, audit & legal.
OwnerRole = Literal["sales", "finance", "hq", "legal"]
OWNER_ROLES: Final[tuple[str, ...]] = get_args(OwnerRole)
Priority = Literal["high", "normal", "low"]
PRIORITIES: Final[tuple[str, ...]] = get_args(Priority)
GRADES: Final[tuple[str, ...]] = ("A", "B", "C")


class CollectionVariables(FactVariables):
    """What is known about one customer in one condition, banded."""

    @string_variable("The condition: overdue, over_limit or over_age", options=CONDITIONS)
    def condition(self) -> object:
        return self.fact("condition")

    @numeric_variable(
        "Days the oldest item is past its due date (or past the allowed age), down to the "
        "ageing bucket's lower bound (0, 1, 31, 61, ...); 0 for over_limit"
    )
    def days_overdue(self) -> object:
        return self.fact("days_overdue")

    @numeric_variable(
        "The amount concerned, yuan, down to its band (0, 10,000, 100,000, 1,000,000, "
        "10,000,000): overdue, over the limit, or older than allowed"
    )
    def amount(self) -> object:
        return self.fact("amount")

    @string_variable("The customer's grade", options=GRADES)
    def grade(self) -> object:
        return self.fact("grade")

    @numeric_variable(
        "Average days the customer paid after the due date over the last year, down to ten",
        default=0,
    )
    def average_days_late(self) -> object:
        return self.fact("average_days_late")

    @numeric_variable("Promises to pay the customer broke in the last year (at most 5)", default=0)
    def broken_promises(self) -> object:
        return self.fact("broken_promises")

    @boolean_variable("The customer has a promise to pay not yet due", default=False)
    def promise_open(self) -> object:
        return self.fact("promise_open")


class CollectionActions(RecordingActions):
    """Raise a collection task, or wait."""

    @action(
        "Raise a collection task",
        owner_role=param("select", "First owner on R31's ladder", OWNER_ROLES),
        priority=param("select", "Priority", PRIORITIES),
        deadline_days=param("numeric", "Days to act"),
        repeat_days=param("numeric", "Days before a new task if the condition remains"),
        escalate_after_days=param("numeric", "Days unresolved before each escalation step"),
        reason=param("text", "Reason"),
    )
    def collect(
        self,
        owner_role: str,
        priority: str,
        deadline_days: object,
        repeat_days: object,
        escalate_after_days: object,
        reason: str,
    ) -> None:
        self.record(
            "collect",
            owner_role=owner_role,
            priority=priority,
            deadline_days=deadline_days,
            repeat_days=repeat_days,
            escalate_after_days=escalate_after_days,
            reason=reason,
        )

    @action("Raise nothing for now", reason=param("text", "Reason"))
    def wait(self, reason: str) -> None:
        self.record("wait", reason=reason)


COLLECTION: Final = build_vocabulary("collection", CollectionVariables, CollectionActions)
