"""A condition that blocks settling an invoice: a stable code and the facts that make it, read
in words from the catalogs (values such as states and reasons in words too).

The codes (README "Settlement gate"): where an invoice stands (R23), the statement it is on
(R22, R23), the customer and its contract (R27), the power of attorney of the person collecting
(R28) and what is still disputed about it (R29).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from service import i18n
from service.errors import Conflict

# The refusals of settling a statement, or one invoice, while anything blocks.
STATEMENT_BLOCKED = "settlement.statement_blocked"
INVOICE_BLOCKED = "settlement.invoice_blocked"

# R23: the invoice itself.
RED_INVOICE = "settlement.red_invoice"
ALREADY_SETTLED = "settlement.already_settled"
NOT_SIGNED = "settlement.invoice_not_signed"
SIGNATURE_MISSING = "settlement.signature_missing"
DISPUTED = "settlement.invoice_disputed"
EXCEPTION_OPEN = "settlement.invoice_exception_open"
GONE = "settlement.invoice_gone"
# R22, R23: its statement.
NOT_ON_STATEMENT = "settlement.not_on_statement"
STATEMENT_NOT_CONFIRMED = "settlement.statement_not_confirmed"
# The customer and R27: its contract.
CUSTOMER_SUSPENDED = "settlement.customer_suspended"
CONTRACT_EXPIRED = "settlement.contract_expired"
NO_CONTRACT = "settlement.no_contract"
# R28: the power of attorney of the person collecting.
NO_ATTORNEY = "settlement.no_attorney"
ATTORNEY_OTHER_CUSTOMER = "settlement.attorney_other_customer"
ATTORNEY_REVOKED = "settlement.attorney_revoked"
ATTORNEY_NOT_VALID = "settlement.attorney_not_valid"
ATTORNEY_SCOPE = "settlement.attorney_scope"
ATTORNEY_BEYOND_CONTRACT = "settlement.attorney_beyond_contract"
# R29: defective or slow-moving goods and disputes still open.
RETURN_OPEN = "settlement.return_open"
STATEMENT_RETURN_OPEN = "settlement.statement_return_open"
LINE_DISPUTED = "settlement.line_disputed"
STATEMENT_LINE_DISPUTED = "settlement.statement_line_disputed"

# Which rule each blocker stands for (shown beside it).
RULES = {
    RED_INVOICE: "R23",
    ALREADY_SETTLED: "R23",
    NOT_SIGNED: "R23",
    SIGNATURE_MISSING: "R23",
    DISPUTED: "R23",
    EXCEPTION_OPEN: "R29",
    GONE: "R23",
    NOT_ON_STATEMENT: "R23",
    STATEMENT_NOT_CONFIRMED: "R23",
    CUSTOMER_SUSPENDED: "R27",
    CONTRACT_EXPIRED: "R27",
    NO_CONTRACT: "R27",
    NO_ATTORNEY: "R28",
    ATTORNEY_OTHER_CUSTOMER: "R28",
    ATTORNEY_REVOKED: "R28",
    ATTORNEY_NOT_VALID: "R28",
    ATTORNEY_SCOPE: "R28",
    ATTORNEY_BEYOND_CONTRACT: "R28",
    RETURN_OPEN: "R29",
    STATEMENT_RETURN_OPEN: "R29",
    LINE_DISPUTED: "R29",
    STATEMENT_LINE_DISPUTED: "R29",
}

# Facts whose value is a code with words of its own: the catalog prefix that words it.
WORDED = {
    "invoice_state": "state.invoice.",
    "statement_state": "state.statement.",
    "customer_state": "state.customer.",
    "return_state": "state.return.",
    "return_reason": "returns.reason.",
    "exception_kind": "invoices.exception.kind.",
    "scope": "masterdata.scope.",
}


def worded(facts: Mapping[str, Any], locale: str) -> dict[str, Any]:
    """The facts as the words show them: states, reasons and kinds in the reader's language."""
    shown: dict[str, Any] = {}
    for name, value in facts.items():
        prefix = WORDED.get(name)
        if prefix is None or value is None:
            shown[name] = value
        elif isinstance(value, list | tuple):
            shown[name] = [i18n.text(prefix + str(v), locale, {}) for v in value]
        else:
            shown[name] = i18n.text(prefix + str(value), locale, {})
    return shown


@dataclass(frozen=True)
class Blocker:
    """One condition that blocks settling: its code, the rule, and the facts (which contract
    expired when, which dispute is open ...), with the documents they name."""

    code: str
    facts: Mapping[str, Any] = field(default_factory=dict)

    @property
    def rule(self) -> str:
        return RULES[self.code]

    def detail(self, locale: str) -> str:
        return i18n.text(self.code, locale, worded(self.facts, locale))

    def shown(self, locale: str) -> dict[str, Any]:
        """As the API shows it: code, rule, words in `locale`, and the facts as JSON values."""
        return {
            "code": self.code,
            "rule": self.rule,
            "detail": self.detail(locale),
            "facts": i18n.plain(self.facts),
        }


class SettlementBlocked(Conflict):
    """Settling is refused, all or nothing: every condition that blocks, each with the invoice
    it blocks (none: the statement's or the customer's), in the reader's language."""

    def __init__(
        self, code: str, blocked: Sequence[tuple[str | None, Blocker]], **params: Any
    ) -> None:
        super().__init__(code, count=len(blocked), **params)
        self.blocked = list(blocked)

    def problem(self, locale: str = i18n.DEFAULT_LOCALE) -> dict[str, Any]:
        body = super().problem(locale)
        body["blockers"] = [
            {"invoice_no": invoice_no, **blocker.shown(locale)}
            for invoice_no, blocker in self.blocked
        ]
        return body
