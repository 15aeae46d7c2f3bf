"""The rule sets in force in the running service, reloaded without a restart.

A reload is all or nothing: when any file of the directory is refused, the rule sets in force
stay and the error is kept for `status()`. Files are re-read only when their names, sizes or
modification times change, checked at most every `reload_seconds` when a rule set is asked for,
so deciding never touches the disk. Requests run in a thread pool: the book in force is one
immutable snapshot swapped as a whole, and only one thread loads at a time.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from pathlib import Path

from rules import DEFAULT_DIR, Decision, RuleBook, RuleSet, RuleSetError, load_dir
from service import metrics
from service.db import utcnow
from service.settings import Settings

log = logging.getLogger("o2c.rules")

# (file name, size, modification time in ns) of every *.yaml file, sorted.
Fingerprint = tuple[tuple[str, int, int], ...]


def fingerprint(directory: Path) -> Fingerprint:
    """What identifies the directory's rule files without reading them."""
    found = []
    for path in directory.glob("*.yaml"):
        try:
            stat = path.stat()
        except OSError:  # removed while we looked
            continue
        found.append((path.name, stat.st_size, stat.st_mtime_ns))
    return tuple(sorted(found))


@dataclass(frozen=True)
class ReloadError:
    """Why the last reload was refused: the file, rule and field RuleSetError names."""

    file: str
    rule: str | None
    field: str | None
    reason: str
    message: str
    at: datetime

    @classmethod
    def of(cls, error: RuleSetError) -> ReloadError:
        return cls(error.file, error.rule, error.field, error.reason, error.message, utcnow())


@dataclass(frozen=True)
class RuleSetStatus:
    """One loaded rule-set version."""

    name: str
    version: int
    checksum: str
    effective_from: date | None
    effective_to: date | None
    file: str
    loaded_at: datetime
    in_force: bool


@dataclass(frozen=True)
class RegistryStatus:
    """What is loaded, from where, since when, and the last refused reload."""

    directory: str
    loaded_at: datetime
    checked_at: datetime
    reload_seconds: float
    rulesets: tuple[RuleSetStatus, ...]
    last_error: ReloadError | None


@dataclass(frozen=True)
class ReloadOutcome:
    """The result of `reload()`: the versions now in force that were not before, or the error."""

    loaded: tuple[str, ...]
    error: ReloadError | None

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass(frozen=True)
class _Snapshot:
    book: RuleBook
    fingerprint: Fingerprint
    loaded_at: datetime
    # When each version (by checksum) was first loaded; kept across reloads that keep it.
    first_loaded: Mapping[str, datetime]


class CountedRuleSet(RuleSet):
    """A rule set in force whose decisions are counted (`o2c_rule_decisions`): the same
    compiled rules, deciding the same way. Dry runs decide on the plain rule sets."""

    def __init__(self, inner: RuleSet) -> None:
        self.__dict__.update(inner.__dict__)

    def decide(self, facts: Mapping[str, object]) -> Decision:
        decision = super().decide(facts)
        metrics.rule_decided(decision.ruleset, decision.rules)
        return decision


class RuleRegistry:
    """The rule book in force, built at start-up from a directory (default: the packaged sets)."""

    def __init__(
        self,
        directory: str | Path | None = None,
        *,
        reload_seconds: float = 10,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """Load the directory; a refused file raises RuleSetError (the service does not start)."""
        self.directory = Path(directory) if directory else DEFAULT_DIR
        self.packaged = not directory
        self.reload_seconds = reload_seconds
        self._clock = clock
        self._lock = threading.Lock()
        prints = fingerprint(self.directory)
        now = utcnow()
        book = load_dir(self.directory)
        self._snapshot = _Snapshot(book, prints, now, {r.checksum: now for r in book.rulesets})
        self._error: ReloadError | None = None
        self._refused: Fingerprint | None = None
        self._checked_at = now
        self._next_check = clock() + reload_seconds
        self._counted: dict[str, RuleSet] = {}

    @classmethod
    def from_settings(cls, settings: Settings) -> RuleRegistry:
        """From `settings.rules_dir` (empty: packaged) and `settings.rules_reload_seconds`."""
        return cls(settings.rules_dir or None, reload_seconds=settings.rules_reload_seconds)

    @property
    def book(self) -> RuleBook:
        """The rule book in force (after the periodic file check)."""
        self._check_files()
        return self._snapshot.book

    def in_force(self, name: str, day: date, /) -> RuleSet:
        """The version of rule set `name` in force on `day`; LookupError when there is none."""
        ruleset = self.book.in_force(name, day)
        counted = self._counted.get(ruleset.checksum)
        if counted is None:
            counted = self._counted[ruleset.checksum] = CountedRuleSet(ruleset)
        return counted

    def reload(self) -> ReloadOutcome:
        """Load the directory anew now; on a refused file keep what is in force."""
        with self._lock:
            self._checked_at = utcnow()
            self._next_check = self._clock() + self.reload_seconds
            return self._load(fingerprint(self.directory))

    def status(self, day: date) -> RegistryStatus:
        """Every loaded version (in force on `day` or not) and the last refused reload."""
        self._check_files()
        snapshot = self._snapshot
        rulesets = tuple(
            RuleSetStatus(
                name=ruleset.name,
                version=ruleset.version,
                checksum=ruleset.checksum,
                effective_from=ruleset.effective_from,
                effective_to=ruleset.effective_to,
                file=ruleset.source,
                loaded_at=snapshot.first_loaded.get(ruleset.checksum, snapshot.loaded_at),
                in_force=ruleset.in_force(day),
            )
            for name in snapshot.book.names()
            for ruleset in snapshot.book.versions(name)
        )
        return RegistryStatus(
            directory="packaged" if self.packaged else str(self.directory),
            loaded_at=snapshot.loaded_at,
            checked_at=self._checked_at,
            reload_seconds=self.reload_seconds,
            rulesets=rulesets,
            last_error=self._error,
        )

    def _check_files(self) -> None:
        """Reload when the files changed, looking at most every `reload_seconds`."""
        if self.reload_seconds <= 0 or self._clock() < self._next_check:
            return
        if not self._lock.acquire(blocking=False):
            return  # another thread is checking or loading; use the book in force meanwhile
        try:
            if self._clock() < self._next_check:
                return
            self._next_check = self._clock() + self.reload_seconds
            self._checked_at = utcnow()
            prints = fingerprint(self.directory)
            if prints not in (self._snapshot.fingerprint, self._refused):
                self._load(prints)
        finally:
            self._lock.release()

    def _load(self, prints: Fingerprint) -> ReloadOutcome:
        """Load and swap in the whole book, or record why not. The caller holds the lock."""
        try:
            book = load_dir(self.directory)
        except RuleSetError as error:
            self._error = ReloadError.of(error)
            self._refused = prints
            log.warning("rule files refused, the rule sets in force stay: %s", error)
            return ReloadOutcome((), self._error)
        before = self._snapshot
        now = utcnow()
        first = {r.checksum: before.first_loaded.get(r.checksum, now) for r in book.rulesets}
        self._snapshot = _Snapshot(book, prints, now, first)
        self._error = None
        self._refused = None
        loaded = tuple(
            f"{r.name} v{r.version}" for r in book.rulesets if r.checksum not in before.first_loaded
        )
        if loaded:
            log.info("rule sets loaded: %s", ", ".join(loaded))
        return ReloadOutcome(loaded, None)


@cache
def _registry(directory: str, reload_seconds: float) -> RuleRegistry:
    return RuleRegistry(directory or None, reload_seconds=reload_seconds)


def process_rules(settings: Settings | None) -> RuleRegistry:
    """The rules in force for work that runs without the app's runtime (the scheduler's jobs):
    one registry per rule directory in a process, loaded once and reloaded as the settings say."""
    if settings is None:
        return _registry("", 10.0)
    return _registry(settings.rules_dir or "", float(settings.rules_reload_seconds))
