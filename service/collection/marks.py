"""Whether anything can have changed since the collection job's last complete run.

What the job decides from changes only through journalled transitions (invoices issued, paid,
reversed; customers changed; tasks worked) and ledger postings, or with the day, the settings
and the rules. So a run the same business day that finds the journal's and the ledger's last
ids, the settings and the rules as the last complete run left them skips its scans: a second
run the same day costs two index look-ups (bench/bench_collection.py). Any new event, posting,
day, setting or rule makes it run in full.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from service.collection.models import CollectionRun
from service.db import utcnow
from service.journal import Event
from service.ledger import LedgerEntry

NAME = "collection"


@dataclass(frozen=True)
class Marks:
    day: date
    last_event: int
    last_entry: int
    fingerprint: str


def fingerprint(allowed: Mapping[str, int], buckets: Sequence[int], rules: str) -> str:
    text = json.dumps([sorted(allowed.items()), list(buckets), rules])
    return hashlib.sha256(text.encode()).hexdigest()


def now(session: Session, day: date, print_: str) -> Marks:
    last_event = session.scalar(select(func.max(Event.id))) or 0
    last_entry = session.scalar(select(func.max(LedgerEntry.id))) or 0
    return Marks(day, int(last_event), int(last_entry), print_)


def unchanged(session: Session, marks: Marks) -> bool:
    last = session.get(CollectionRun, NAME)
    return (
        last is not None
        and Marks(last.day, last.last_event, last.last_entry, last.fingerprint) == marks
    )


def keep(session: Session, marks: Marks) -> None:
    values = {
        "name": NAME,
        "day": marks.day,
        "last_event": marks.last_event,
        "last_entry": marks.last_entry,
        "fingerprint": marks.fingerprint,
    }
    changed = {k: v for k, v in values.items() if k != "name"} | {"finished_at": utcnow()}
    if session.get_bind().dialect.name == "postgresql":
        stmt = postgresql.insert(CollectionRun).values(values)
        session.execute(stmt.on_conflict_do_update(index_elements=["name"], set_=changed))
    else:
        lite = sqlite.insert(CollectionRun).values(values)
        session.execute(lite.on_conflict_do_update(index_elements=["name"], set_=changed))
