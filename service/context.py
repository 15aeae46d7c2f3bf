"""What a use case works with: who acts, the machines, the rules in force, the clock, settings.

Routes, the scheduler, the command line and the demo loader build one `Context` per unit of work
and pass it to use cases, which take it and keyword arguments: `approve(session, ctx,
order_id=8)`. Tests build it with a fixed clock.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cached_property
from typing import TYPE_CHECKING, Any, Protocol
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from rules import RuleSet
from service.auth.tokens import Actor
from service.clock import business_date
from service.db import utcnow

if TYPE_CHECKING:
    from service.settings import Settings
    from service.workflow import Document, RowRef, Workflows
    from workflows import Firing


class RuleSource(Protocol):
    """Where rule sets in force come from: the service's RuleRegistry, or a RuleBook."""

    def in_force(self, name: str, day: date, /) -> RuleSet: ...


@dataclass(frozen=True)
class Clock:
    """Now and today in the business time zone; tests pass a fixed `now`."""

    tz: ZoneInfo
    now: Callable[[], datetime] = field(default=utcnow)

    def today(self) -> date:
        return business_date(self.tz, self.now())


# What a feature does when money applied to invoices, or taken from them, changed what is owed
# on them: called with the invoices touched and what to journal, in the caller's transaction.
MoneyFollower = Callable[[Session, "Context", Collection[int], dict[str, Any]], None]


@dataclass(frozen=True)
class Context:
    """One unit of work's collaborators. `expected_version` is the request's If-Match;
    `money_followers` the features' `follows_money` (service/plugins.py)."""

    actor: Actor
    workflows: Workflows
    rules: RuleSource
    settings: Settings
    clock: Clock
    expected_version: int | None = None
    money_followers: tuple[MoneyFollower, ...] = ()

    @cached_property
    def today(self) -> date:
        """The business date, fixed for the whole unit of work."""
        return self.clock.today()

    def fire(
        self,
        session: Session,
        document: Document | RowRef,
        trigger: str,
        *,
        payload: dict[str, Any] | None = None,
        decisions: list[dict[str, Any]] | None = None,
        if_match: bool = False,
    ) -> Firing:
        """Fire `trigger` as this actor; `if_match`: the document is the one the request
        addresses, so its If-Match version is checked."""
        return self.workflows.fire(
            session,
            document,
            trigger,
            actor=self.actor,
            today=self.today,
            payload=payload,
            decisions=decisions,
            expected_version=self.expected_version if if_match else None,
        )

    def fire_many(
        self,
        session: Session,
        documents: Sequence[RowRef],
        trigger: str,
        *,
        payload: dict[str, Any] | None = None,
    ) -> list[Firing]:
        """Fire `trigger` as this actor on many documents of one table at once."""
        return self.workflows.fire_many(
            session, documents, trigger, actor=self.actor, today=self.today, payload=payload
        )

    def money_moved(
        self, session: Session, invoice_ids: Collection[int], *, payload: dict[str, Any]
    ) -> None:
        """Money applied to `invoice_ids` or taken from them (a payment, a deduction, credit, a
        reversal, a red invoice, a credited return) changed what is owed on them: every feature
        that follows the money moves its documents now, in this transaction (the payments
        feature: the invoices to partly paid or paid, their statements and orders with them)."""
        if invoice_ids:
            for follow in self.money_followers:
                follow(session, self, invoice_ids, payload)

    def create(
        self,
        session: Session,
        document: Document,
        *,
        payload: dict[str, Any] | None = None,
        decisions: list[dict[str, Any]] | None = None,
        how: str = "create",
    ) -> Document:
        """Store a new document in its initial state and journal its creation as this actor."""
        return self.workflows.create(
            session, document, actor=self.actor, payload=payload, decisions=decisions, how=how
        )
