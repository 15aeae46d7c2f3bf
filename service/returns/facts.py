"""The facts the return_credit rule set sees for one return, and its proposal (R24, R25, R18)."""

from __future__ import annotations

from datetime import date
from typing import Any

from rules.vocabularies.return_credit import METHODS
from service.context import RuleSource
from service.masterdata.models import Customer
from service.returns.models import Return
from service.rulesets.decisions import proposed

RULESET = "return_credit"


def documents_on_file(ret: Return) -> list[str]:
    """R25: the return receipt, the approval report and the customer's consent, as filed."""
    filed = {
        "return_receipt": ret.receipt_no is not None and ret.receipt_scan_id is not None,
        "approval_report": ret.approval_report_id is not None,
        "customer_consent": ret.consent_id is not None,
    }
    return [name for name, present in filed.items() if present]


def credit_facts(ret: Return, customer: Customer, use_confirmed: bool) -> dict[str, Any]:
    return {
        "accepted_methods": [m for m in METHODS if m in (customer.return_credit_methods or [])],
        "reason": ret.reason,
        "amount": ret.total,
        "blue_invoice_use_confirmed": use_confirmed,
        "documents_on_file": documents_on_file(ret),
    }


def proposal(rules: RuleSource, day: date, facts: dict[str, Any]) -> dict[str, Any]:
    """The rules' proposal with its explanation; `method` is None when they propose nothing
    (no rule set in force, no rule matched, facts that do not fit): finance then chooses."""
    made = proposed(rules, RULESET, day, facts)
    proposal = made.pop("proposal")
    if "ruleset" not in made:  # nothing decided: only the explanation
        return made | {"method": None}
    return made | {
        "method": str(proposal["method"]) if proposal is not None else None,
        "reason": str(proposal.get("reason", "")) if proposal is not None else "",
    }
