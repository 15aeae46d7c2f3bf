"""What `o2c rules status` and `o2c rules dry-run FILE` do; the command line only prints it."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from rules import RuleSetError
from service.clock import business_date
from service.db import Database
from service.errors import DomainError
from service.migrate import SchemaOutdated, assert_current
from service.plugins import RuleSetBinding
from service.rulesets import dryrun
from service.rulesets.registry import RegistryStatus, RuleRegistry
from service.settings import Settings
from service.workflow import Workflows


class CommandFailed(Exception):
    """The command cannot do its work; the message says why."""


def _registry(settings: Settings) -> RuleRegistry:
    try:
        return RuleRegistry.from_settings(settings)
    except RuleSetError as error:
        raise CommandFailed(f"the configured rule files are refused: {error}") from None


def describe(status: RegistryStatus) -> list[str]:
    """Readable lines: each loaded version, whether it is in force today, and the last error."""
    lines = [f"rules directory: {status.directory} (loaded {status.loaded_at:%Y-%m-%d %H:%M:%S}Z)"]
    for r in status.rulesets:
        mark = "in force" if r.in_force else "not in force today"
        dates = f"{r.effective_from or '-'}..{r.effective_to or '-'}"
        lines.append(f"{r.name} v{r.version} {mark} ({dates}) {r.file} sha256:{r.checksum[:16]}")
    if status.last_error is not None:
        lines.append(f"last reload refused: {status.last_error.message}")
    return lines


def status_lines(settings: Settings) -> list[str]:
    """What the configured rules directory puts in force today."""
    return describe(_registry(settings).status(business_date(settings.tz)))


def dry_run_lines(
    settings: Settings,
    path: Path,
    *,
    workflows: Workflows,
    bindings: Mapping[str, RuleSetBinding],
) -> list[str]:
    """Dry-run the candidate file against the configured database's open items."""
    try:
        text = path.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise CommandFailed(f"cannot read {path}: {error}") from None
    registry = _registry(settings)
    db = Database(settings.database_url)
    try:
        assert_current(db)
        candidate = dryrun.parse_candidate(text, file=path.name)
        with db.read() as session:
            report = dryrun.run(
                session,
                rules=registry,
                workflows=workflows,
                bindings=bindings,
                candidate=candidate,
                today=business_date(settings.tz),
                settings=settings,
            )
    except (DomainError, SchemaOutdated) as error:
        raise CommandFailed(str(error)) from None
    finally:
        db.dispose()
    return [*report.summary(), "nothing was changed (dry run)"]
