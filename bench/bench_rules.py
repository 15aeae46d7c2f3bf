"""Benchmark: invoice-discrepancy decisions per second, against hand-written if/elif.

Run with `python bench/bench_rules.py`. Decides 100,000 generated invoice exceptions (every kind,
values around the tolerances) with the shipped rule set, explanations included, and the same
decisions with a hand-written if/elif in the same run; the ratio is the figure that holds on a
noisy machine. Exits non-zero when the two disagree on any decision. business_rules' own
run_all is timed on a sample for reference.
"""

from __future__ import annotations

import gc
import random
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from types import MappingProxyType

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rules import Decision, RuleSet, load_default
from rules.vocabularies.invoice_exception import DISCOUNT_MODES, KINDS

COUNT = 100_000
SAMPLE = 2_000
ROUNDS = 3
TARGET = 20_000
Facts = Mapping[str, object]


def generate(count: int, seed: int = 20260101) -> list[Facts]:
    """Invoice exceptions of every kind, deterministic, with values at and around the limits."""
    rng = random.Random(seed)
    tax = [Decimal(t) for t in ("0", "0.01", "0.05", "0.06", "0.0650", "0.07", "0.30")]
    invoice_tax = [Decimal(t) for t in ("0", "0.45", "1.26", "1.27", "1.2750", "1.28", "3.10")]
    facts: list[Facts] = []
    for index in range(count):
        kind = KINDS[index % len(KINDS)]
        quantity = rng.randint(1, 5)
        facts.append(
            {
                "kind": kind,
                "quantity_difference": Decimal(
                    -quantity if kind == "quantity_under_invoiced" else quantity
                ),
                "amount_difference": Decimal(rng.randint(-50_000, 50_000)).scaleb(-2),
                "line_tax_difference": rng.choice(tax),
                "invoice_tax_difference": rng.choice(invoice_tax),
                "branch_certified": rng.random() < 0.5,
                "customer_discount_mode": rng.choice(DISCOUNT_MODES),
            }
        )
    return facts


def hand_written(ruleset: RuleSet) -> Callable[[Facts], Decision]:
    """The shipped rules as if/elif, building the same Decision with the same explanation."""
    actions = {rule.id: rule.actions for rule in ruleset.rules}
    zero, line_limit, invoice_limit = Decimal(0), Decimal("0.06"), Decimal("1.27")
    head = (ruleset.name, ruleset.version, ruleset.checksum, ruleset.hit_policy)

    def decide(facts: Facts) -> Decision:
        values: dict[str, object] = {
            "branch_certified": facts.get("branch_certified", False),
            "customer_discount_mode": facts["customer_discount_mode"],
            "invoice_tax_difference": facts.get("invoice_tax_difference", zero),
            "kind": facts["kind"],
            "line_tax_difference": facts.get("line_tax_difference", zero),
            "quantity_difference": facts.get("quantity_difference", zero),
        }
        kind = values["kind"]
        quantity: Decimal = values["quantity_difference"]  # type: ignore[assignment]
        rule: str | None = None
        if kind == "model_mismatch":
            certified = values["branch_certified"]
            rule = "r14-model-mismatch-certified" if certified else "r14-model-mismatch-exchange"
        elif kind == "quantity_over_invoiced":
            rule = "r15-over-invoiced" if quantity > 0 else None
        elif kind == "quantity_under_invoiced":
            if quantity < 0 and values["branch_certified"]:
                rule = "r15-under-invoiced-carry-forward"
        elif kind == "price_mismatch":
            rule = "r16-price-mismatch"
        elif kind == "discount_mismatch":
            if values["customer_discount_mode"] == "on_invoice":
                rule = "r17-discount-mismatch"
        elif kind == "tax_difference":
            line: Decimal = values["line_tax_difference"]  # type: ignore[assignment]
            total: Decimal = values["invoice_tax_difference"]  # type: ignore[assignment]
            if line <= line_limit and total <= invoice_limit:
                rule = "tax-rounding-within-tolerance"
        if rule is None:
            return Decision(*head, (), (), MappingProxyType(values))
        return Decision(*head, (rule,), actions[rule], MappingProxyType(values))

    return decide


def timed(
    decide: Callable[[Facts], Decision], facts: Sequence[Facts]
) -> tuple[float, list[Decision]]:
    """Best wall time of ROUNDS runs, and the decisions of the last one."""
    best = float("inf")
    decisions: list[Decision] = []
    for _ in range(ROUNDS):
        gc.collect()
        start = time.perf_counter()
        decisions = [decide(item) for item in facts]
        best = min(best, time.perf_counter() - start)
    return best, decisions


def main() -> int:
    """Run the benchmark; exit status 1 when the compiled and hand-written decisions differ."""
    ruleset = load_default().versions("invoice_exception")[-1]
    facts = generate(COUNT)
    compiled_time, compiled = timed(ruleset.decide, facts)
    baseline_time, baseline = timed(hand_written(ruleset), facts)

    sample = facts[:SAMPLE]
    start = time.perf_counter()
    reference = [ruleset.decide_with_business_rules(item) for item in sample]
    reference_time = time.perf_counter() - start

    rate = COUNT / compiled_time
    print(f"rule set              {ruleset!r}")
    print(f"decisions             {COUNT:,} ({len(KINDS)} kinds, explanations included)")
    print(f"compiled rules        {rate:12,.0f} decisions/s  {compiled_time / COUNT * 1e6:6.2f} us")
    print(
        f"hand-written if/elif  {COUNT / baseline_time:12,.0f} decisions/s"
        f"  {baseline_time / COUNT * 1e6:6.2f} us"
    )
    print(f"ratio                 compiled takes {compiled_time / baseline_time:.2f}x hand-written")
    print(
        f"business_rules run_all {SAMPLE / reference_time:11,.0f} decisions/s"
        f"  {reference_time / SAMPLE * 1e6:6.2f} us  (sample of {SAMPLE:,}, for reference)"
    )
    print(f"target {TARGET:,}/s       {'met' if rate >= TARGET else 'NOT met'}")
    matched = sum(1 for decision in compiled if decision.matched)
    print(f"matched a rule        {matched:,} of {COUNT:,} (the rest go to a person)")

    differ = [
        i for i, (one, other) in enumerate(zip(compiled, baseline, strict=True)) if one != other
    ]
    differ += [
        i
        for i, (decision, (rules, actions)) in enumerate(zip(compiled, reference, strict=False))
        if (decision.rules, decision.actions) != (rules, actions)
    ]
    if differ:
        first = differ[0]
        print(f"DIFFERENT decisions: {len(differ)}; first at {first}: {dict(facts[first])}")
        print(f"  compiled:     {compiled[first].rules} {compiled[first].actions}")
        print(f"  hand-written: {baseline[first].rules} {baseline[first].actions}")
        return 1
    print("decisions             identical (compiled = hand-written = business_rules sample)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
