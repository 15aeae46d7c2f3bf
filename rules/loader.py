"""Loads rule-set files and directories; a file is used only when every check has passed.

Loading a directory is all or nothing, so a service reloading its rules keeps the rule sets
already in force when one file is refused; `check_dir` reports on every file for the CLI.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, cast

from rules.errors import RuleSetError, Site
from rules.examples import check_examples, validate_examples
from rules.ruleset import RuleSet
from rules.validate import validate_header, validate_rules
from rules.vocabularies import VOCABULARIES
from rules.vocabulary import Vocabulary
from rules.yamlio import parse_yaml

DEFAULT_DIR = Path(__file__).parent / "sets"
"""The rule sets shipped with the package."""


def load_text(
    text: str, *, file: str = "<text>", vocabularies: Mapping[str, Vocabulary] | None = None
) -> RuleSet:
    """Validate, compile and self-test the rule set in `text`; `file` names it in errors."""
    site = Site(file)
    document = parse_yaml(text, file)
    header, vocabulary = validate_header(document, vocabularies or VOCABULARIES, site)
    fields = cast(Mapping[str, Any], document)  # validate_header refused anything else
    rules = validate_rules(fields["rules"], vocabulary, site)
    examples = validate_examples(fields.get("tests"), vocabulary, {r.id for r in rules}, site)
    checksum = hashlib.sha256(text.encode("utf-8")).hexdigest()
    ruleset = RuleSet(header, vocabulary, rules, checksum=checksum, source=file, examples=examples)
    check_examples(ruleset, site)
    return ruleset


def load_file(path: str | Path, *, vocabularies: Mapping[str, Vocabulary] | None = None) -> RuleSet:
    """Load one rule-set file; errors name the file by its name only."""
    path = Path(path)
    try:
        text = path.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise RuleSetError(path.name, f"cannot read the file: {error}") from None
    return load_text(text, file=path.name, vocabularies=vocabularies)


@dataclass(frozen=True, slots=True)
class RuleBook:
    """All rule sets of a directory; per name, versions whose effective periods do not overlap."""

    rulesets: tuple[RuleSet, ...]

    def names(self) -> tuple[str, ...]:
        """The rule-set names, sorted."""
        return tuple(sorted({ruleset.name for ruleset in self.rulesets}))

    def versions(self, name: str) -> tuple[RuleSet, ...]:
        """The versions of rule set `name`, oldest first."""
        found = (ruleset for ruleset in self.rulesets if ruleset.name == name)
        return tuple(sorted(found, key=lambda ruleset: ruleset.version))

    def in_force(self, name: str, on: date) -> RuleSet:
        """The version of `name` in force on `on`; LookupError when there is none."""
        for ruleset in self.versions(name):
            if ruleset.in_force(on):
                return ruleset
        raise LookupError(f"no version of rule set {name!r} is in force on {on.isoformat()}")


@dataclass(frozen=True, slots=True)
class CheckReport:
    """The outcome of checking one file: the rule set it holds, or the error refusing it."""

    file: str
    ruleset: str | None = None
    version: int | None = None
    checksum: str | None = None
    error: RuleSetError | None = None

    @property
    def ok(self) -> bool:
        """True when the file would be loaded."""
        return self.error is None

    def __str__(self) -> str:
        if self.error is not None:
            return f"FAILED {self.error}"
        return f"ok     {self.file}: {self.ruleset} v{self.version} sha256:{self.checksum}"


def check_dir(
    path: str | Path, *, vocabularies: Mapping[str, Vocabulary] | None = None
) -> list[CheckReport]:
    """Check every `*.yaml` file of a directory, and the files together; one report per file."""
    directory = Path(path)
    if not directory.is_dir():
        error = RuleSetError(directory.name or str(path), "not a directory")
        return [CheckReport(directory.name, error=error)]
    reports: list[CheckReport] = []
    loaded: list[RuleSet] = []
    for file in sorted(directory.glob("*.yaml")):
        try:
            ruleset = load_file(file, vocabularies=vocabularies)
            _check_together(ruleset, loaded)
        except RuleSetError as error:
            reports.append(CheckReport(file.name, error=error))
            continue
        loaded.append(ruleset)
        reports.append(CheckReport(file.name, ruleset.name, ruleset.version, ruleset.checksum))
    return reports


def load_dir(path: str | Path, *, vocabularies: Mapping[str, Vocabulary] | None = None) -> RuleBook:
    """Load every `*.yaml` file of a directory; the first refused file raises RuleSetError."""
    directory = Path(path)
    if not directory.is_dir():
        raise RuleSetError(directory.name or str(path), "not a directory")
    loaded: list[RuleSet] = []
    for file in sorted(directory.glob("*.yaml")):
        ruleset = load_file(file, vocabularies=vocabularies)
        _check_together(ruleset, loaded)
        loaded.append(ruleset)
    return RuleBook(tuple(loaded))


def load_default() -> RuleBook:
    """The rule sets shipped with the package (`rules/sets`)."""
    return load_dir(DEFAULT_DIR)


def _check_together(ruleset: RuleSet, loaded: list[RuleSet]) -> None:
    """Two files may not hold the same version, nor versions in force on the same day."""
    site = Site(ruleset.source)
    for other in loaded:
        if other.name != ruleset.name:
            continue
        if other.version == ruleset.version:
            raise site.error(
                "version", f"{ruleset.name} v{ruleset.version} is also in {other.source}"
            )
        if _overlap(ruleset, other):
            raise site.error(
                "effective_from",
                f"{ruleset.name} v{ruleset.version} is in force on the same days as"
                f" v{other.version} in {other.source}; set effective_from/effective_to apart",
            )


def _overlap(one: RuleSet, other: RuleSet) -> bool:
    starts = max(one.effective_from or date.min, other.effective_from or date.min)
    ends = min(one.effective_to or date.max, other.effective_to or date.max)
    return starts <= ends
