"""Vocabulary of `invoice_exception`: one invoice exception in, a resolution out (R14-R17).

An invoice exception is one discrepancy between an invoice and what the key account booked; the
one action states the resolution, the evidence it needs and who confirms it (R18). Tolerances and
other thresholds are values in the rule file, never here. The kinds, resolutions and evidence
kinds are listed here once; the service's schemas and tables take them from here.
"""

from __future__ import annotations

from typing import Final, Literal, get_args

from rules.engine import (
    FactVariables,
    RecordingActions,
    action,
    boolean_variable,
    build_vocabulary,
    numeric_variable,
    param,
    select_multiple_variable,
    string_variable,
)

Kind = Literal[
    "model_mismatch",
    "quantity_over_invoiced",
    "quantity_under_invoiced",
    "price_mismatch",
    "discount_mismatch",
    "tax_difference",
]
Resolution = Literal[
    "reissue",
    "accept_with_carry_forward",
    "exchange_invoice",
    "accept_and_offset_next_invoice",
    "correct_price",
    "correct_discount",
    "accept_rounding",
]
EvidenceKind = Literal[
    "signed_receipt_copy",
    "original_invoice_copy",
    "branch_certificate",
    "contract_price_agreement",
    "signed_discount_document",
]
KINDS: Final[tuple[str, ...]] = get_args(Kind)
RESOLUTIONS: Final[tuple[str, ...]] = get_args(Resolution)
EVIDENCE: Final[tuple[str, ...]] = get_args(EvidenceKind)
# Resolutions that change no document: when the rules decide one and need no evidence, the
# exception is resolved at once (a rounding difference within tolerance is not a dispute).
AUTOMATIC: Final[tuple[str, ...]] = ("accept_rounding",)
DISCOUNT_MODES: Final = ("on_invoice", "receipt_offset", "red_letter")
ROLES: Final = ("finance", "hq", "sales", "logistics", "legal")


class InvoiceExceptionVariables(FactVariables):
    """What is known about one invoice exception."""

    @string_variable("Kind of discrepancy", options=KINDS)
    def kind(self) -> object:
        return self.fact("kind")

    @numeric_variable("Invoiced minus received quantity (positive: over-invoiced)", default=0)
    def quantity_difference(self) -> object:
        return self.fact("quantity_difference")

    @numeric_variable(
        "Invoiced amount without tax minus the amount the customer booked, yuan", default=0
    )
    def amount_difference(self) -> object:
        return self.fact("amount_difference")

    @numeric_variable(
        "What the invoice asks minus what the customer booked to pay (tax included, discounts "
        "deducted), yuan",
        default=0,
    )
    def total_difference(self) -> object:
        return self.fact("total_difference")

    @numeric_variable("Largest |amount x rate - tax| of one invoice line, yuan", default=0)
    def line_tax_difference(self) -> object:
        return self.fact("line_tax_difference")

    @numeric_variable(
        "|Sum over the lines of (amount x rate - tax)| on the invoice, yuan", default=0
    )
    def invoice_tax_difference(self) -> object:
        return self.fact("invoice_tax_difference")

    @boolean_variable("The branch certified (carry-forward or model acceptance)", default=False)
    def branch_certified(self) -> object:
        return self.fact("branch_certified")

    @string_variable("How the customer's discounts are presented (R12)", options=DISCOUNT_MODES)
    def customer_discount_mode(self) -> object:
        return self.fact("customer_discount_mode")

    @select_multiple_variable(
        "Evidence already attached to the exception", options=EVIDENCE, default=()
    )
    def evidence_on_file(self) -> object:
        return self.fact("evidence_on_file")


class InvoiceExceptionActions(RecordingActions):
    """What finance does about the exception."""

    @action(
        "Resolve the invoice exception",
        resolution=param("select", "Resolution", RESOLUTIONS),
        evidence=param("select_multiple", "Evidence required", EVIDENCE),
        confirm_by=param("select", "Role that must confirm", ROLES),
    )
    def resolve(self, resolution: str, evidence: tuple[str, ...], confirm_by: str) -> None:
        self.record("resolve", resolution=resolution, evidence=evidence, confirm_by=confirm_by)


INVOICE_EXCEPTION: Final = build_vocabulary(
    "invoice_exception", InvoiceExceptionVariables, InvoiceExceptionActions
)
