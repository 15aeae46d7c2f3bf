"""The shipped credit_release rule set: credit limit (R30) and overdue allowance per grade."""

from decimal import Decimal

from rules import Decision, RuleSet, load_default

RULESET: RuleSet = load_default().versions("credit_release")[-1]


def decide(**facts: object) -> Decision:
    base: dict[str, object] = {
        "order_amount": Decimal("1000.00"),
        "credit_limit": Decimal("100000.00"),
        "open_receivables": Decimal("5000.00"),
        "overdue_amount": Decimal(0),
        "max_days_overdue": 0,
        "customer_grade": "A",
    }
    return RULESET.decide({**base, **facts})


def test_r30_order_over_credit_limit_is_held() -> None:
    decision = decide(order_amount=Decimal("20000.00"), open_receivables=Decimal("80000.01"))

    assert decision.rules == ("over-credit-limit",)
    assert decision.actions[0].name == "hold"
    assert decision.values["amount_over_credit_limit"] == Decimal("0.01")


def test_r30_order_reaching_exactly_the_credit_limit_is_released() -> None:
    decision = decide(order_amount=Decimal("20000.00"), open_receivables=Decimal("80000.00"))

    assert decision.rules == ("release",)
    assert decision.actions[0].name == "release"


def test_r30_grade_a_may_be_30_days_overdue() -> None:
    assert decide(customer_grade="A", max_days_overdue=30).rules == ("release",)
    assert decide(customer_grade="A", max_days_overdue=31).rules == ("grade-a-overdue",)


def test_r30_grade_b_may_be_15_days_overdue() -> None:
    assert decide(customer_grade="B", max_days_overdue=15).rules == ("release",)
    assert decide(customer_grade="B", max_days_overdue=16).rules == ("grade-b-overdue",)


def test_r30_grade_c_may_have_nothing_overdue() -> None:
    assert decide(customer_grade="C").rules == ("release",)
    assert decide(customer_grade="C", max_days_overdue=1).rules == ("grade-c-overdue",)
    held = decide(customer_grade="C", overdue_amount=Decimal("0.01"))
    assert held.rules == ("grade-c-overdue",)


def test_r30_over_limit_is_the_reason_given_when_both_apply() -> None:
    decision = decide(customer_grade="C", max_days_overdue=90, credit_limit=Decimal(10))

    assert decision.rules == ("over-credit-limit",)


def test_hold_states_its_reason() -> None:
    decision = decide(customer_grade="B", max_days_overdue=20)

    assert "15" in str(decision.actions[0].params["reason"])
