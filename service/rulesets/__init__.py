"""Rules in the running service: the rule sets in force, reloads, dry runs, the credit check."""

from service.rulesets.registry import RuleRegistry

__all__ = ["RuleRegistry"]
