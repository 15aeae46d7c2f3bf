"""What a use case works with: who acts, the machines, the rules in force, the clock, settings.

Routes, the scheduler, the command line and the demo loader build one `Context` per unit of work
and pass it to use cases, which take it and keyword arguments: `approve(session, ctx,
order_id=8)`. Tests build it with a fixed clock.

Business dates: people enter past events late. A use case that takes one (approved on, invoiced
on...) validates it with `ctx.dated(...)` and works with the context it returns, whose `day` is
that date: the journal rows it writes carry it (`events.business_date`), and what it stamps and
numbers follows it. `today` stays the real today: the rules in force and the guards go by it.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from functools import cached_property
from typing import TYPE_CHECKING, Any, Protocol, cast
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from rules import RuleSet
from service import journal, periods
from service.auth.tokens import Actor
from service.clock import business_date
from service.db import utcnow
from service.errors import Invalid

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
    `money_followers` the features' `follows_money` (service/plugins.py); `business_day` the
    business date the request gave (see `dated`), None for today; `business_field` the input
    that gave it, named by refusals; `after_last_step` whether `fire` refuses it before the
    business date of the document's last journal row."""

    actor: Actor
    workflows: Workflows
    rules: RuleSource
    settings: Settings
    clock: Clock
    expected_version: int | None = None
    money_followers: tuple[MoneyFollower, ...] = ()
    business_day: date | None = None
    business_field: str = "business_date"
    after_last_step: bool = True

    @cached_property
    def today(self) -> date:
        """Today's business date, fixed for the whole unit of work."""
        return self.clock.today()

    @property
    def day(self) -> date:
        """The business date of what this unit of work records: the one given, or today."""
        return self.business_day or self.today

    def dated(
        self,
        session: Session,
        day: date | None,
        *,
        field: str,
        not_before: date | None = None,
        after_last_step: bool = True,
    ) -> Context:
        """This context on the business date `day` given by the input `field` (None: today, this
        context). Refused (Invalid, naming `field`), in this order: a day in the future, in the
        closed period, or before `not_before` (the document's previous step). Its `fire` also
        refuses a day before the business date of the document's last journal row, unless
        `after_last_step` is false (a date the document itself carries and its use case checks
        against its own previous dates: a shipment's `shipped_on` after the order date, though
        the approval may have been entered later than the shipment happened)."""
        if day is None:
            return self
        if day > self.today:
            raise Invalid(
                "business_date.in_future",
                field=field,
                day=day.isoformat(),
                today=self.today.isoformat(),
            )
        closed = periods.closed_through(session)
        if closed is not None and day <= closed:
            raise Invalid(
                "period.closed", field=field, day=day.isoformat(), closed_through=closed.isoformat()
            )
        if not_before is not None and day < not_before:
            raise Invalid(
                "business_date.before_previous_step",
                field=field,
                day=day.isoformat(),
                previous=not_before.isoformat(),
            )
        dated = replace(
            self, business_day=day, business_field=field, after_last_step=after_last_step
        )
        dated.__dict__["today"] = self.today  # the same today for the whole unit of work
        return dated

    def carried(self, session: Session, day: date | None, *, field: str) -> Context:
        """This context on a day the document itself carries (shipped on, fapiao date, sent on):
        `dated` without the journal-order check, as the use case checks the day against the
        document's own dates; a day in the future is left to the use case's own refusal."""
        if day is None or day > self.today:
            return self
        return self.dated(session, day, field=field, after_last_step=False)

    def _after_journal(self, session: Session, machine: str, ids: list[int]) -> None:
        """A business date given late is not before the document's last journaled step."""
        if not self.after_last_step or self.business_day is None:
            return
        if self.business_day >= self.today:
            return
        last = journal.last_business_date(session, machine, ids)
        if last is not None and self.business_day < last:
            raise Invalid(
                "business_date.before_previous_step",
                field=self.business_field,
                day=self.business_day.isoformat(),
                previous=last.isoformat(),
            )

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
        """Fire `trigger` as this actor on this context's business `day`; `if_match`: the
        document is the one the request addresses, so its If-Match version is checked."""
        self._after_journal(session, machine_name(document), [document.id])
        return self.workflows.fire(
            session,
            document,
            trigger,
            actor=self.actor,
            today=self.today,
            payload=payload,
            decisions=decisions,
            expected_version=self.expected_version if if_match else None,
            business_date=self.day,
        )

    def fire_many(
        self,
        session: Session,
        documents: Sequence[RowRef],
        trigger: str,
        *,
        payload: dict[str, Any] | None = None,
    ) -> list[Firing]:
        """Fire `trigger` as this actor on many documents of one table at once, on this
        context's business `day`."""
        if documents:
            self._after_journal(session, machine_name(documents[0]), [d.id for d in documents])
        return self.workflows.fire_many(
            session,
            documents,
            trigger,
            actor=self.actor,
            today=self.today,
            payload=payload,
            business_date=self.day,
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
        """Store a new document in its initial state and journal its creation as this actor,
        on this context's business `day`."""
        return self.workflows.create(
            session,
            document,
            actor=self.actor,
            payload=payload,
            decisions=decisions,
            how=how,
            business_date=self.day,
        )


def machine_name(document: Document | RowRef) -> str:
    """The lifecycle (journal entity type) of a document or row reference."""
    from service.db import Base
    from service.workflow import RowRef, machine_of

    if isinstance(document, RowRef):
        return machine_of(document.model)
    return machine_of(cast(type[Base], type(document)))
