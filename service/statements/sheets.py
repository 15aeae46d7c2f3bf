"""What the statements' pages show (R20-R22): a statement's current or kept version with its
lines grouped as the statement groups them, the totals, its versions with what changed, the
customer's signed copy; the lists of statements, disputes and adjustments, one bounded page at a
time. Read from the feature's queries, never through the HTTP API."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from service import evidence
from service.context import Context
from service.masterdata import queries as masterdata
from service.masterdata.models import Customer
from service.parties import Parties
from service.schemas import AttachmentRef
from service.statements import queries
from service.statements.models import Statement, StatementVersion
from service.statements.schemas import (
    AdjustmentOut,
    DisputeOut,
    LineOut,
    StatementOut,
    StatementSummary,
    Totals,
    VersionOut,
)

# A page of a list; one more row is read to know whether another page follows.
PAGE = 50
# How the statement groups its lines: goods owed, credits deducted, adjustments deducted; the
# open defective and slow-moving goods are listed apart and not counted.
GROUPS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("goods", "statements.group.goods", ("invoice",)),
    (
        "credits",
        "statements.group.credits",
        ("red_invoice", "customer_blue_invoice", "discount_offset"),
    ),
    ("adjustments", "statements.group.adjustments", ("adjustment",)),
)
OPEN_GOODS = "open_return"
# The most lines a dispute form is read for (a version lists far fewer).
MAX_LINES = 2000


@dataclass(frozen=True)
class Group:
    """The lines of one group of a version and their sum."""

    key: str
    label: str
    lines: list[LineOut]
    total: Decimal


@dataclass(frozen=True)
class Change:
    """What a version changed against the one before it."""

    number: int
    reason: str
    # The reason in the catalog's words when the service gave it (statements.reasons).
    reason_words: dict[str, Any] | None
    made_by: str
    made_at: Any
    added: int
    removed: int
    changed: int
    amount_before: Decimal | None
    amount_after: Decimal


@dataclass(frozen=True)
class Shown:
    """A version of a statement as a page or the printout shows it."""

    groups: list[Group]
    open_goods: list[LineOut]
    totals: Totals
    changes: dict[str, Any]
    number: int

    @property
    def lines(self) -> list[LineOut]:
        """Every counted line in the order the page shows them (the rows of the dispute form)."""
        return [line for group in self.groups for line in group.lines]


@dataclass(frozen=True)
class Sheet:
    statement: StatementOut
    shown: Shown
    versions: list[Change]
    confirmation: AttachmentRef | None
    open_disputes: list[DisputeOut]
    # Supplier and customer as they stood when it was last sent (before: as they are now).
    parties: Parties


def shown(version: VersionOut) -> Shown:
    groups = []
    for key, label, kinds in GROUPS:
        lines = [line for kind in kinds for line in version.lines.get(kind, [])]
        groups.append(Group(key, label, lines, sum((ln.amount for ln in lines), Decimal("0.00"))))
    return Shown(
        groups=groups,
        open_goods=list(version.lines.get(OPEN_GOODS, [])),
        totals=version.totals,
        changes=version.changes,
        number=version.number,
    )


def _versions(session: Session, statement_id: int) -> list[Change]:
    found = session.scalars(
        select(StatementVersion)
        .where(StatementVersion.statement_id == statement_id)
        .order_by(StatementVersion.number)
    ).all()
    made = []
    for v in found:
        changes = v.changes or {}
        before = (changes.get("totals_before") or {}).get("amount_due")
        made.append(
            Change(
                number=v.number,
                reason=v.reason,
                reason_words=v.reason_words,
                made_by=v.made_by,
                made_at=v.made_at,
                added=len(changes.get("added") or []),
                removed=len(changes.get("removed") or []),
                changed=len(changes.get("changed") or []),
                amount_before=Decimal(before) if before is not None else None,
                amount_after=v.amount_due,
            )
        )
    return made


def sheet(session: Session, ctx: Context, *, statement_no: str, number: int | None = None) -> Sheet:
    """The statement with its current version (or the kept version `number`)."""
    statement = queries.get(session, ctx, statement_no=statement_no)
    version = (
        statement.current
        if number is None
        else queries.get_version(session, ctx, statement_no=statement_no, number=number)
    )
    confirmation = None
    if statement.confirmation_id is not None:
        found = session.get(evidence.Attachment, statement.confirmation_id)
        confirmation = AttachmentRef.model_validate(found) if found is not None else None
    # Both rows were read for `statement`: the session holds them.
    row = session.get_one(Statement, statement.id)
    customer = session.get_one(Customer, row.customer_id)
    return Sheet(
        statement=statement,
        shown=shown(version),
        versions=_versions(session, statement.id),
        confirmation=confirmation,
        open_disputes=[d for d in statement.disputes if d.state == "open"],
        parties=masterdata.parties_now(ctx, customer).unless_kept(row.parties),
    )


def browse(
    session: Session,
    ctx: Context,
    *,
    customer_code: str | None,
    state: str | None,
    settled_from: date | None,
    settled_to: date | None,
    offset: int,
) -> tuple[list[StatementSummary], bool]:
    """One page of statements, latest settlement date first, and whether another follows."""
    found = queries.search(
        session,
        ctx,
        customer_code=customer_code,
        state=state,
        settled_from=settled_from,
        settled_to=settled_to,
        limit=PAGE + 1,
        offset=offset,
    )
    return found[:PAGE], len(found) > PAGE


def disputes(
    session: Session, ctx: Context, *, state: str | None, offset: int
) -> tuple[list[DisputeOut], bool]:
    """Finance's queue: the open disputed lines first, then the decided ones."""
    found = queries.dispute_queue(session, ctx, state=state, limit=PAGE + 1, offset=offset)
    return found[:PAGE], len(found) > PAGE


def adjustments(
    session: Session,
    ctx: Context,
    *,
    customer_code: str | None,
    state: str | None,
    kind: str | None,
    offset: int,
) -> tuple[list[AdjustmentOut], bool]:
    found = queries.search_adjustments(
        session,
        ctx,
        customer_code=customer_code,
        state=state,
        kind=kind,
        limit=PAGE + 1,
        offset=offset,
    )
    return found[:PAGE], len(found) > PAGE


def attachment(session: Session, _ctx: Context, *, attachment_id: int) -> AttachmentRef | None:
    found = session.get(evidence.Attachment, attachment_id)
    return AttachmentRef.model_validate(found) if found is not None else None
