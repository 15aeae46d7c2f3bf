"""What a running process holds, built once by the composition root: settings, the database,
the machines, the rules in force, the clock and the rule-set bindings for dry runs.

The HTTP app, the scheduler, the command line and the importers each build a `Context` from it
for every unit of work, naming who acts.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from service.auth.tokens import Actor
from service.context import Clock, Context, MoneyFollower, RuleSource
from service.db import Database
from service.plugins import RuleSetBinding
from service.rulesets.registry import RuleRegistry
from service.settings import Settings
from service.workflow import Workflows


@dataclass
class Runtime:
    settings: Settings
    db: Database
    workflows: Workflows
    rules: RuleRegistry
    clock: Clock
    rulesets: Mapping[str, RuleSetBinding] = field(default_factory=dict)
    money_followers: tuple[MoneyFollower, ...] = ()

    def today(self) -> date:
        return self.clock.today()

    def for_actor(self, actor: Actor, expected_version: int | None = None) -> Context:
        """A unit of work's context, acting as `actor`."""
        rules: RuleSource = self.rules
        return Context(
            actor,
            self.workflows,
            rules,
            self.settings,
            self.clock,
            expected_version,
            self.money_followers,
        )
