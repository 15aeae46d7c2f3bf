"""R14-R17 and the tax rounding tolerance, as the shipped invoice_exception rule set decides."""

from decimal import Decimal

import pytest

from rules import Action, Decision, RuleSet, load_default
from rules.model import AllOf, Condition

RULESET: RuleSet = load_default().versions("invoice_exception")[-1]


def decide(kind: str, **facts: object) -> Decision:
    return RULESET.decide({"kind": kind, "customer_discount_mode": "on_invoice", **facts})


def resolution(decision: Decision) -> dict[str, object]:
    (action,) = decision.actions
    assert action.name == "resolve"
    return dict(action.params)


def test_r14_model_mismatch_is_exchanged_with_receipt_and_invoice_copies() -> None:
    decision = decide("model_mismatch")

    assert decision.rules == ("r14-model-mismatch-exchange",)
    assert resolution(decision) == {
        "resolution": "exchange_invoice",
        "evidence": ("signed_receipt_copy", "original_invoice_copy"),
        "confirm_by": "finance",
    }


def test_r14_model_mismatch_with_branch_certificate_is_accepted_and_offset_next_invoice() -> None:
    decision = decide("model_mismatch", branch_certified=True)

    assert decision.rules == ("r14-model-mismatch-certified",)
    assert resolution(decision)["resolution"] == "accept_and_offset_next_invoice"
    assert resolution(decision)["evidence"] == ("branch_certificate",)


def test_r15_over_invoiced_quantity_is_reissued() -> None:
    decision = decide("quantity_over_invoiced", quantity_difference=2)

    assert decision.rules == ("r15-over-invoiced",)
    assert resolution(decision) == {
        "resolution": "reissue",
        "evidence": ("signed_receipt_copy", "original_invoice_copy"),
        "confirm_by": "finance",
    }
    assert decision.values["quantity_difference"] == Decimal(2)


def test_r15_under_invoiced_quantity_with_branch_certificate_is_carried_forward() -> None:
    decision = decide("quantity_under_invoiced", quantity_difference=-3, branch_certified=True)

    assert decision.rules == ("r15-under-invoiced-carry-forward",)
    assert resolution(decision)["resolution"] == "accept_with_carry_forward"
    assert resolution(decision)["evidence"] == ("branch_certificate",)


def test_r15_under_invoiced_quantity_without_certificate_needs_a_person() -> None:
    decision = decide("quantity_under_invoiced", quantity_difference=-3)

    assert not decision.matched
    assert decision.actions == ()


def test_r15_quantity_kind_contradicting_the_difference_needs_a_person() -> None:
    assert not decide("quantity_over_invoiced", quantity_difference=0).matched
    assert not decide(
        "quantity_under_invoiced", quantity_difference=1, branch_certified=True
    ).matched


def test_r16_price_mismatch_is_corrected_to_contract_price_confirmed_by_hq() -> None:
    decision = decide("price_mismatch", amount_difference=Decimal("35.40"))

    assert decision.rules == ("r16-price-mismatch",)
    assert resolution(decision) == {
        "resolution": "correct_price",
        "evidence": ("contract_price_agreement",),
        "confirm_by": "hq",
    }


def test_r17_discount_mismatch_needs_document_signed_by_finance_policy_accountant() -> None:
    decision = decide("discount_mismatch")

    assert decision.rules == ("r17-discount-mismatch",)
    assert resolution(decision) == {
        "resolution": "correct_discount",
        "evidence": ("signed_discount_document",),
        "confirm_by": "finance",
    }


def test_r17_discount_outside_the_invoice_needs_a_person() -> None:
    for mode in ("receipt_offset", "red_letter"):
        assert not decide("discount_mismatch", customer_discount_mode=mode).matched


def test_tax_difference_within_006_per_line_and_127_per_invoice_is_rounding() -> None:
    decision = decide(
        "tax_difference",
        line_tax_difference=Decimal("0.06"),
        invoice_tax_difference=Decimal("1.27"),
    )

    assert decision.rules == ("tax-rounding-within-tolerance",)
    assert resolution(decision) == {
        "resolution": "accept_rounding",
        "evidence": (),
        "confirm_by": "finance",
    }


def test_tax_difference_over_006_on_a_line_is_not_rounding() -> None:
    decision = decide(
        "tax_difference",
        line_tax_difference=Decimal("0.07"),
        invoice_tax_difference=Decimal("0.07"),
    )

    assert not decision.matched


def test_tax_difference_over_127_on_the_invoice_is_not_rounding() -> None:
    decision = decide(
        "tax_difference",
        line_tax_difference=Decimal("0.01"),
        invoice_tax_difference=Decimal("1.28"),
    )

    assert not decision.matched


def test_tax_tolerances_are_exact_decimals_in_the_rule_file() -> None:
    (rule,) = [rule for rule in RULESET.rules if rule.id == "tax-rounding-within-tolerance"]
    assert isinstance(rule.conditions, AllOf)
    values = {c.name: c.value for c in rule.conditions.conditions if isinstance(c, Condition)}

    assert values["line_tax_difference"] == Decimal("0.06")
    assert values["invoice_tax_difference"] == Decimal("1.27")
    assert all(type(v) is Decimal for k, v in values.items() if k != "kind")


def test_every_rule_description_cites_its_domain_rule() -> None:
    for rule in RULESET.rules:
        cites = ("R14", "R15", "R16", "R17", "Money and tax")
        assert any(cite in rule.description for cite in cites), rule.id


def test_decision_explains_which_rule_fired_on_which_values() -> None:
    decision = decide("quantity_over_invoiced", quantity_difference=2)

    assert decision.to_dict() == {
        "ruleset": "invoice_exception",
        "version": RULESET.version,
        "checksum": RULESET.checksum,
        "hit_policy": "first",
        "rules": ["r15-over-invoiced"],
        "actions": [
            {
                "name": "resolve",
                "params": {
                    "resolution": "reissue",
                    "evidence": ["signed_receipt_copy", "original_invoice_copy"],
                    "confirm_by": "finance",
                },
            }
        ],
        "values": {
            "branch_certified": False,
            "customer_discount_mode": "on_invoice",
            "invoice_tax_difference": "0",
            "kind": "quantity_over_invoiced",
            "line_tax_difference": "0",
            "quantity_difference": "2",
        },
    }
    assert "r15-over-invoiced" in decision.explain()


def test_decided_actions_are_shared_and_read_only() -> None:
    first = decide("price_mismatch")
    second = decide("price_mismatch")

    assert (
        first.actions
        == second.actions
        == (
            Action(
                "resolve",
                {
                    "resolution": "correct_price",
                    "evidence": ("contract_price_agreement",),
                    "confirm_by": "hq",
                },
            ),
        )
    )
    with pytest.raises(TypeError):
        first.actions[0].params["resolution"] = "reissue"  # type: ignore[index]
