"""Why the service made a statement version, in the reader's words: the version keeps the
English text in `reason` (the API, the journal) and the catalog code with its values in
`reason_words`, which the pages show in Chinese or English. A reason a person typed (a
re-draft's) is shown as typed."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any


@dataclass(frozen=True)
class Why:
    """A reason the service gives: its English text and its words in the catalogs."""

    text: str
    code: str
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def words(self) -> dict[str, Any]:
        return {"code": self.code, "params": self.params}


def drafted(working_days: int, settlement_date: date) -> Why:
    """The scheduler drafted it working days ahead (R20)."""
    return Why(
        f"drafted {working_days} working days before {settlement_date} (R20)",
        "statements.reason.drafted",
        {"days": working_days, "date": settlement_date.isoformat()},
    )


REQUESTED = Why("requested by the customer", "statements.reason.requested")
EXTENDED = Why(
    "items falling due on its settlement date joined the draft", "statements.reason.extended"
)


def text_and_words(reason: str | Why) -> tuple[str, dict[str, Any] | None]:
    """What a version stores of a reason: the text, and the words when the service gave it."""
    if isinstance(reason, Why):
        return reason.text, reason.words
    return reason, None
