"""Rule sets in YAML and the engine around business-rules: load, validate, decide, explain.

Pure: imports only the standard library, PyYAML and business_rules (through `rules.engine`).

    book = load_default()                       # or load_dir(path), load_file(path)
    ruleset = book.in_force("invoice_exception", date.today())
    decision = ruleset.decide({"kind": "quantity_over_invoiced", ...})
    decision.rules, decision.actions, decision.to_dict()
"""

from rules.dry_run import Change, dry_run
from rules.errors import FactError, RuleSetError
from rules.loader import (
    DEFAULT_DIR,
    CheckReport,
    RuleBook,
    check_dir,
    load_default,
    load_dir,
    load_file,
    load_text,
)
from rules.model import Action, Decision, Example, HitPolicy, Rule
from rules.ruleset import RuleSet
from rules.vocabularies import VOCABULARIES
from rules.vocabulary import Vocabulary

__all__ = [
    "DEFAULT_DIR",
    "VOCABULARIES",
    "Action",
    "Change",
    "CheckReport",
    "Decision",
    "Example",
    "FactError",
    "HitPolicy",
    "Rule",
    "RuleBook",
    "RuleSet",
    "RuleSetError",
    "Vocabulary",
    "check_dir",
    "dry_run",
    "load_default",
    "load_dir",
    "load_file",
    "load_text",
]
