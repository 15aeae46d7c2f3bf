"""Errors of the rules engine: a refused rule-set file, and facts that do not fit a vocabulary.

A refused file must tell finance exactly what to fix, so `RuleSetError` always carries the file
name and, where they are known, the rule id and the field path inside the file.
"""

from __future__ import annotations


class RuleSetError(ValueError):
    """A rule-set file refused at load time; the message names the file, the rule and the field."""

    def __init__(
        self, file: str, reason: str, *, rule: str | None = None, field: str | None = None
    ) -> None:
        self.file = file
        self.rule = rule
        self.field = field
        self.reason = reason
        super().__init__(self.message)

    @property
    def message(self) -> str:
        """The full message: `file: rule 'id': field: reason`, leaving out what is not known."""
        parts = [self.file]
        if self.rule is not None:
            parts.append(f"rule {self.rule!r}")
        if self.field:
            parts.append(self.field)
        parts.append(self.reason)
        return ": ".join(parts)

    def __str__(self) -> str:
        return self.message


class FactError(ValueError):
    """A fact given to a decision is missing or does not fit its variable's type or options."""

    def __init__(self, variable: str, reason: str) -> None:
        self.variable = variable
        self.reason = reason
        super().__init__(f"fact {variable!r}: {reason}")


class Site:
    """Where in a file validation is looking, so every error can name the file and the rule."""

    __slots__ = ("file", "rule")

    def __init__(self, file: str, rule: str | None = None) -> None:
        self.file = file
        self.rule = rule

    def for_rule(self, rule: str | None) -> Site:
        """The same file, inside another rule."""
        return Site(self.file, rule)

    def error(self, field: str, reason: str) -> RuleSetError:
        """An error at `field` of this site (raise it)."""
        return RuleSetError(self.file, reason, rule=self.rule, field=field)
