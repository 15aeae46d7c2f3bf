"""Payments received (R23's money side) through the API on both databases: partial payments,
overpayments kept as unapplied credit and applied later, remittances, reversals reopening what
they cleared, a bank reference booked once (also when posted at the same moment), and the
states invoices, orders and statements reach. The ledger identity is checked after each test
(tests/conftest.py)."""

from __future__ import annotations

import threading
from decimal import Decimal
from typing import Any

import httpx

from tests import payments_flows as pf
from tests.flows import Flows
from tests.support import Backend, unique
from tests.test_red_letter import red_invoice, usable_form


def test_r23_a_payment_of_99_99_on_100_00_leaves_0_01_outstanding(flows: Flows) -> None:
    invoice = pf.invoice(flows)
    total = Decimal(invoice["total"])
    # Paid down to 100.00 first, as the remittance says.
    first = pf.paid(
        flows,
        total - 100,
        remittance=[{"invoice_no": invoice["invoice_no"], "amount": str(total - 100)}],
    )
    assert (first["allocated"], first["unapplied"]) == (str(total - 100), "0.00")
    assert pf.read(flows, invoice["id"])["outstanding"] == "100.00"
    second = pf.paid(flows, "99.99")
    assert second["allocations"] == [
        {
            "invoice_no": invoice["invoice_no"],
            "kind": "payment",
            "reference": second["payment_no"],
            "amount": "99.99",
            "day": str(flows.today),
        }
    ]
    after = pf.read(flows, invoice["id"])
    assert (after["outstanding"], after["state"]) == ("0.01", "partly_paid")
    assert [a["amount"] for a in after["allocations"]] == [str(total - 100), "99.99"]
    assert pf.credit(flows) == {
        "customer_code": flows.world.customer,
        "outstanding": "0.01",
        "unapplied": "0.00",
    }
    assert flows.order(invoice["order_id"])["state"] == "invoiced"
    # The last fen: paid, and the order with it closed.
    pf.paid(flows, "0.01")
    done = pf.read(flows, invoice["id"])
    assert (done["outstanding"], done["state"]) == ("0.00", "paid")
    assert flows.order(invoice["order_id"])["state"] == "closed"


def test_r23_payments_go_to_the_oldest_due_invoice_first_unless_the_remittance_says(
    flows: Flows,
) -> None:
    older = pf.invoice(flows, [(0, 1)])  # 1000.50
    newer = pf.invoice(flows, [(1, 1)])  # 1111.50
    payment = pf.paid(flows, "1500.00")
    assert [(a["invoice_no"], a["amount"]) for a in payment["allocations"]] == [
        (older["invoice_no"], "1000.50"),
        (newer["invoice_no"], "499.50"),
    ]
    assert pf.read(flows, older["id"])["state"] == "paid"
    assert pf.read(flows, newer["id"])["state"] == "partly_paid"
    # The remittance names the invoice and the amount; the rest is credit.
    third = pf.invoice(flows, [(2, 1)])  # 1222.50
    remitted = pf.paid(
        flows,
        "1300.00",
        remittance=[{"invoice_no": third["invoice_no"], "amount": "1222.50"}],
    )
    assert [(a["invoice_no"], a["amount"]) for a in remitted["allocations"]] == [
        (third["invoice_no"], "1222.50")
    ]
    assert remitted["unapplied"] == "77.50"
    assert pf.credit(flows)["unapplied"] == "77.50"
    # Refusals name the line and change nothing.
    too_much = pf.pay(
        flows, "700.00", remittance=[{"invoice_no": newer["invoice_no"], "amount": "700.00"}]
    )
    found = pf.problem(too_much, 409, "payment.exceeds_outstanding")
    assert (found["outstanding"], found["errors"][0]["field"]) == ("612.00", "remittance[0].amount")
    closed = pf.pay(
        flows, "1.00", remittance=[{"invoice_no": older["invoice_no"], "amount": "1.00"}]
    )
    pf.problem(closed, 422, "payment.invoice_not_open")
    over = pf.pay(flows, "1.00", remittance=[{"invoice_no": newer["invoice_no"], "amount": "2.00"}])
    pf.problem(over, 422, "payment.remittance_exceeds_amount")
    future = pf.pay(flows, "1.00", value_date="2099-01-01")
    pf.problem(future, 422, "payment.value_date_in_future")
    assert pf.read(flows, newer["id"])["outstanding"] == "612.00"
    assert flows.sales.post("/payments", json={}).status_code in {403, 422}
    refused = flows.sales.post(
        "/payments",
        json={
            "customer_code": flows.world.customer,
            "amount": "1.00",
            "value_date": str(flows.today),
            "payer": "x",
            "bank_reference": unique("R"),
        },
    )
    pf.problem(refused, 403, "auth.role_required")


def test_r23_an_overpayment_is_kept_as_unapplied_credit_and_applied_to_the_next_invoice(
    flows: Flows,
) -> None:
    first = pf.invoice(flows, [(0, 1)])  # 1000.50
    over = pf.paid(flows, "1500.00")
    assert (over["allocated"], over["unapplied"]) == ("1000.50", "499.50")
    assert pf.credit(flows) == {
        "customer_code": flows.world.customer,
        "outstanding": "0.00",
        "unapplied": "499.50",
    }
    assert pf.read(flows, first["id"])["state"] == "paid"
    nothing = flows.finance.post(f"/customers/{flows.world.customer}/credit/apply", json={})
    pf.problem(nothing, 409, "credit.nothing_open")
    following = pf.invoice(flows, [(1, 1)])  # 1111.50
    assert pf.read(flows, following["id"])["outstanding"] == "1111.50"
    too_much = flows.finance.post(
        f"/customers/{flows.world.customer}/credit/apply", json={"amount": "500.00"}
    )
    pf.problem(too_much, 409, "credit.exceeds_available")
    applied = flows.finance.post(
        f"/customers/{flows.world.customer}/credit/apply",
        json={"note": "credit from the November overpayment"},
        headers={"Idempotency-Key": unique("apply")},
    )
    assert applied.status_code == 201, applied.text
    body = applied.json()
    assert (body["applied"], body["unapplied"]) == ("499.50", "0.00")
    assert [(a["invoice_no"], a["kind"], a["amount"]) for a in body["allocations"]] == [
        (following["invoice_no"], "credit_application", "499.50")
    ]
    after = pf.read(flows, following["id"])
    assert (after["outstanding"], after["state"]) == ("612.00", "partly_paid")
    none_left = flows.finance.post(f"/customers/{flows.world.customer}/credit/apply", json={})
    pf.problem(none_left, 409, "credit.none_available")


def test_r23_a_reversal_reopens_the_invoice_it_cleared_and_its_order(flows: Flows) -> None:
    invoice = pf.invoice(flows)
    signed = flows.sales.post(
        f"/invoices/{invoice['id']}/sign",
        json={"signed_on": str(flows.today), "signed_by": "Ms Li"},
    )
    assert signed.status_code == 200, signed.text
    payment = pf.paid(flows, invoice["total"], bank_reference="cmb 2026 1206 77")
    assert payment["bank_reference"] == "CMB2026120677"
    assert pf.read(flows, invoice["id"])["state"] == "paid"
    assert flows.order(invoice["order_id"])["state"] == "closed"
    no = payment["payment_no"]
    stale = flows.finance.post(
        f"/payments/{no}/reverse", json={"reason": "wrong customer"}, headers={"If-Match": '"9"'}
    )
    pf.problem(stale, 409, "document.version_mismatch")
    reversed_ = pf.reverse(flows, no)
    assert reversed_.status_code == 200, reversed_.text
    body = reversed_.json()
    assert (body["state"], body["reversal_reason"], body["allowed_triggers"]) == (
        "reversed",
        "booked to the wrong customer",
        [],
    )
    assert [(a["kind"], a["amount"]) for a in body["allocations"]] == [
        ("payment", invoice["total"]),
        ("payment_reversal", f"-{invoice['total']}"),
    ]
    reopened = pf.read(flows, invoice["id"])
    assert (reopened["state"], reopened["outstanding"]) == ("signed", invoice["total"])
    assert flows.order(invoice["order_id"])["state"] == "invoiced"
    pf.problem(pf.reverse(flows, no), 409, "workflow.trigger_not_allowed")
    # Its bank reference stays used: the transfer happened once.
    again = pf.pay(flows, "10.00", bank_reference="CMB2026120677")
    found = pf.problem(again, 409, "payment.bank_reference_used")
    assert found["payment_no"] == no
    history = flows.finance.get(f"/payments/{no}/history").json()
    assert [e["trigger"] for e in history] == ["create", "reverse"]
    listed = flows.finance.get(
        "/payments", params={"customer_code": flows.world.customer, "state": "reversed"}
    ).json()
    assert [p["payment_no"] for p in listed] == [no]
    mine = flows.sales.get(f"/customers/{flows.world.customer}/payments").json()
    assert [p["payment_no"] for p in mine] == [no]


def test_r23_a_reversal_whose_credit_was_applied_since_reopens_where_it_went(
    flows: Flows,
) -> None:
    first = pf.invoice(flows, [(0, 1)])  # 1000.50
    over = pf.paid(flows, "1500.00")
    following = pf.invoice(flows, [(1, 1)])  # 1111.50
    applied = flows.finance.post(f"/customers/{flows.world.customer}/credit/apply", json={})
    assert applied.status_code == 201, applied.text
    assert pf.read(flows, following["id"])["outstanding"] == "612.00"
    assert pf.reverse(flows, over["payment_no"]).status_code == 200
    assert pf.read(flows, first["id"])["state"] == "issued"
    again = pf.read(flows, following["id"])
    assert (again["state"], again["outstanding"]) == ("issued", "1111.50")
    assert pf.credit(flows) == {
        "customer_code": flows.world.customer,
        "outstanding": "2112.00",
        "unapplied": "0.00",
    }


def test_r23_the_same_bank_reference_is_refused_the_second_time(flows: Flows) -> None:
    pf.invoice(flows, [(0, 1)])
    reference = unique("ICBC")
    first = pf.paid(flows, "100.00", bank_reference=reference)
    # Written another way (lower case, spaces, full-width): the same reference.
    wide = reference.lower().replace("icbc", "ＩＣＢＣ ")
    found = pf.problem(
        pf.pay(flows, "100.00", bank_reference=wide), 409, "payment.bank_reference_used"
    )
    assert (found["payment_no"], found["errors"][0]["field"]) == (
        first["payment_no"],
        "bank_reference",
    )
    # A retry with the same Idempotency-Key is the first answer, booked once.
    key = unique("key")
    body = {
        "customer_code": flows.world.customer,
        "amount": "50.00",
        "value_date": str(flows.today),
        "payer": "Mall",
        "bank_reference": unique("ICBC"),
    }
    made = flows.finance.post("/payments", json=body, headers={"Idempotency-Key": key})
    replay = flows.finance.post("/payments", json=body, headers={"Idempotency-Key": key})
    assert made.status_code == replay.status_code == 201
    assert replay.headers["Idempotent-Replayed"] == "true"
    assert replay.json()["payment_no"] == made.json()["payment_no"]


def test_r23_the_same_bank_reference_posted_at_the_same_moment_is_booked_once(
    backend: Backend, flows: Flows
) -> None:
    """Two clients, two connections, two transactions: the database's unique key decides."""
    pf.invoice(flows, [(0, 1)])
    reference = unique("BOC")
    body = {
        "customer_code": flows.world.customer,
        "amount": "300.00",
        "value_date": str(flows.today),
        "payer": "Mall",
        "bank_reference": reference,
    }
    answers: list[httpx.Response] = []
    start = threading.Barrier(2)

    def post() -> None:
        with backend.client("finance") as client:
            start.wait()
            answers.append(client.post("/payments", json=body))

    threads = [threading.Thread(target=post) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(a.status_code for a in answers) == [201, 409], [a.text for a in answers]
    refused = next(a for a in answers if a.status_code == 409)
    assert refused.json()["code"] == "payment.bank_reference_used"
    listed = flows.finance.get("/payments", params={"bank_reference": reference}).json()
    assert len(listed) == 1


def test_r23_a_red_invoice_on_a_paid_invoice_becomes_unapplied_credit(flows: Flows) -> None:
    invoice = pf.invoice(flows)  # 10 x 1000.50 + 5 x 1111.50
    pf.paid(flows, invoice["total"])
    assert pf.read(flows, invoice["id"])["state"] == "paid"
    form = usable_form(flows, invoice, [(0, 1)])
    red = red_invoice(flows, form["id"])
    assert red.status_code == 201, red.text
    after = pf.read(flows, invoice["id"])
    assert (after["state"], after["outstanding"]) == ("paid", "0.00")
    assert after["allocations"][-1]["kind"] == "red_invoice"
    assert after["allocations"][-1]["amount"] == "-1000.50"
    assert pf.credit(flows)["unapplied"] == "1000.50"
    # A partly paid invoice: the red invoice lowers what is left; only the excess is credit.
    second = pf.invoice(flows, [(0, 2)])  # 2001.00
    pf.paid(
        flows, "1500.00", remittance=[{"invoice_no": second["invoice_no"], "amount": "1500.00"}]
    )
    form = usable_form(flows, second, [(0, 1)])
    assert red_invoice(flows, form["id"]).status_code == 201
    done = pf.read(flows, second["id"])
    assert (done["state"], done["outstanding"]) == ("paid", "0.00")
    assert pf.credit(flows)["unapplied"] == "1500.00"


def test_r23_deductions_by_receipt_are_taken_once_and_come_back_with_the_reversal(
    backend: Backend,
) -> None:
    from service.clock import business_date
    from tests.support import make_world

    world = make_world(
        backend.db,
        today=business_date(backend.settings.tz),
        discount_mode="receipt_offset",
        discount_rate="0.02",
    )
    with Flows(backend, world) as flows:
        invoice = pf.invoice(flows)  # 15562.50, a 2% discount offset by receipt: 311.25
        credit_id = _discount_credit(backend, invoice["id"])
        payment = pf.paid(
            flows,
            "15251.25",
            deductions=[{"kind": "discount_credit", "id": credit_id}],
        )
        [deduction] = payment["deductions"]
        assert (deduction["amount"], deduction["reference"]) == ("311.25", invoice["invoice_no"])
        assert deduction["allocations"][0]["amount"] == "311.25"
        paid = pf.read(flows, invoice["id"])
        assert (paid["state"], paid["outstanding"]) == ("paid", "0.00")
        twice = pf.pay(flows, "1.00", deductions=[{"kind": "discount_credit", "id": credit_id}])
        pf.problem(twice, 409, "payment.deduction_already_booked")
        unknown = pf.pay(flows, "1.00", deductions=[{"kind": "discount_credit", "id": 2_000_000}])
        pf.problem(unknown, 422, "payment.deduction_unknown")
        assert pf.reverse(flows, payment["payment_no"]).status_code == 200
        reopened = pf.read(flows, invoice["id"])
        assert (reopened["state"], reopened["outstanding"]) == ("issued", "15562.50")
        # Reversed with its payment: the discount may be deducted again, on its own.
        alone = flows.finance.post(
            "/deductions",
            json={
                "customer_code": world.customer,
                "kind": "discount_credit",
                "id": credit_id,
                "day": str(flows.today),
            },
        )
        assert alone.status_code == 201, alone.text
        assert pf.read(flows, invoice["id"])["outstanding"] == "15251.25"
        assert pf.read(flows, invoice["id"])["state"] == "partly_paid"
        back = flows.finance.post(
            f"/deductions/{alone.json()['id']}/reverse", json={"reason": "entered twice"}
        )
        assert back.status_code == 200, back.text
        assert back.json()["reversed_on"] == str(flows.today)
        assert pf.read(flows, invoice["id"])["state"] == "issued"
        listed = flows.finance.get("/deductions", params={"customer_code": world.customer})
        assert [d["reversed_on"] is not None for d in listed.json()] == [True, True]


def _discount_credit(backend: Backend, invoice_id: int) -> int:
    from sqlalchemy import select

    from service.invoices.models import DiscountCredit

    with backend.db.read() as session:
        return int(
            session.scalars(
                select(DiscountCredit.id).where(DiscountCredit.invoice_id == invoice_id)
            ).one()
        )


def test_r23_a_payment_for_a_confirmed_statement_takes_its_offsets_and_adjustments_and_pays_it(
    backend: Backend,
) -> None:
    from datetime import date

    from service.clock import business_date
    from tests import statements_flows as sf
    from tests.support import make_world
    from tests.test_statements import adjustment, upload

    world = make_world(
        backend.db,
        today=business_date(backend.settings.tz),
        discount_mode="receipt_offset",
        discount_rate="0.02",
    )
    with Flows(backend, world) as flows:
        invoice = sf.invoice_due(flows, date(2026, 12, 16))  # 15562.50, offset 311.25
        rebate = adjustment(flows, "rebate", "500.00")
        sf.run(backend, date(2026, 12, 11))
        [drafted] = sf.statements(flows)
        no = drafted["statement_no"]
        early = pf.pay(flows, "100.00", statement_no=no)
        pf.problem(early, 409, "payment.statement_not_confirmed")
        sent = flows.sales.post(
            f"/statements/{no}/send",
            json={"sent_on": str(flows.today), "to": "Ms Wang", "channel": "email"},
        )
        assert sent.status_code == 200, sent.text
        confirmed = flows.finance.post(
            f"/statements/{no}/confirm",
            json={
                "confirmed_on": str(flows.today),
                "customer_signatory": "Ms Wang",
                "evidence_id": upload(flows),
            },
        )
        assert confirmed.status_code == 200, confirmed.text
        due = confirmed.json()["totals"]["amount_due"]
        assert due == "14751.25"  # 15562.50 - 311.25 - 500.00
        payment = pf.paid(flows, due, statement_no=no)
        assert payment["statement_no"] == no
        assert sorted((d["kind"], d["amount"]) for d in payment["deductions"]) == [
            ("discount_credit", "311.25"),
            ("statement_adjustment", "500.00"),
        ]
        assert (payment["allocated"], payment["unapplied"]) == (due, "0.00")
        paid = pf.read(flows, invoice["id"])
        assert (paid["state"], paid["outstanding"]) == ("paid", "0.00")
        statement = sf.statement(flows, no)
        assert statement["state"] == "paid"
        assert flows.order(invoice["order_id"])["state"] == "closed"
        # The adjustment is deducted once.
        again = pf.pay(
            flows, "1.00", deductions=[{"kind": "statement_adjustment", "id": rebate["id"]}]
        )
        pf.problem(again, 409, "payment.deduction_already_booked")
        # Reversed: the statement, the invoice and the order reopen to where they were.
        assert pf.reverse(flows, payment["payment_no"]).status_code == 200
        assert sf.statement(flows, no)["state"] == "confirmed"
        assert pf.read(flows, invoice["id"])["state"] == "issued"
        assert flows.order(invoice["order_id"])["state"] == "invoiced"


def _confirmed_statement(backend: Backend, flows: Flows) -> tuple[dict[str, Any], str]:
    """An issued invoice (15562.50) on a statement confirmed by both sides: the invoice and
    the statement's number."""
    from datetime import date

    from tests import statements_flows as sf
    from tests.test_statements import upload

    invoice = sf.invoice_due(flows, date(2026, 12, 16))
    sf.run(backend, date(2026, 12, 11))
    [drafted] = sf.statements(flows)
    no = drafted["statement_no"]
    sent = flows.sales.post(
        f"/statements/{no}/send",
        json={"sent_on": str(flows.today), "to": "Ms Wang", "channel": "email"},
    )
    assert sent.status_code == 200, sent.text
    confirmed = flows.finance.post(
        f"/statements/{no}/confirm",
        json={
            "confirmed_on": str(flows.today),
            "customer_signatory": "Ms Wang",
            "evidence_id": upload(flows),
        },
    )
    assert confirmed.status_code == 200, confirmed.text
    return invoice, no


def test_r23_a_red_invoice_leaving_nothing_owed_on_a_partly_paid_invoice_pays_its_statement_and_closes_its_order_at_once(  # noqa: E501
    backend: Backend, flows: Flows
) -> None:
    from tests import statements_flows as sf

    invoice, no = _confirmed_statement(backend, flows)
    pf.paid(flows, "14562.00", statement_no=no)  # 1000.50 left
    assert pf.read(flows, invoice["id"])["state"] == "partly_paid"
    assert sf.statement(flows, no)["state"] == "partly_paid"
    assert flows.order(invoice["order_id"])["state"] == "invoiced"
    form = usable_form(flows, invoice, [(0, 1)])  # 1000.50
    red = red_invoice(flows, form["id"])
    assert red.status_code == 201, red.text
    # In the red invoice's own transaction, not at the next payment activity.
    done = pf.read(flows, invoice["id"])
    assert (done["state"], done["outstanding"]) == ("paid", "0.00")
    assert sf.statement(flows, no)["state"] == "paid"
    assert flows.order(invoice["order_id"])["state"] == "closed"
    assert pf.credit(flows)["unapplied"] == "0.00"


def test_r24_b_a_return_after_payment_credited_by_the_customers_blue_invoice_pays_what_is_left_the_rest_is_credit(  # noqa: E501
    backend: Backend, flows: Flows
) -> None:
    from tests import returns_flows as rf
    from tests.test_returns import _blue_body

    rf.accepting(backend, flows.world.customer, "customer_blue_invoice")
    order, invoice = rf.invoiced(flows)  # 15562.50
    pf.paid(flows, "14000.00")
    assert pf.read(flows, invoice["id"])["state"] == "partly_paid"
    ret = rf.received(flows, invoice, [(1, 3), (2, 2)], back=[2, 1])
    assert ret["total"] == "3112.50"
    chosen = rf.choose(flows, ret)
    assert chosen.status_code == 200, chosen.text
    credited = flows.finance.post(
        f"/returns/{ret['id']}/customer-blue-invoice", json=_blue_body(chosen.json())
    )
    assert credited.status_code == 200, credited.text
    # 1562.50 was left on the invoice: the credit pays it, the other 1550.00 is credit.
    done = pf.read(flows, invoice["id"])
    assert (done["state"], done["outstanding"]) == ("paid", "0.00")
    assert done["allocations"][-1]["kind"] == "return_credit"
    assert done["allocations"][-1]["amount"] == "1562.50"
    assert pf.credit(flows) == {
        "customer_code": flows.world.customer,
        "outstanding": "0.00",
        "unapplied": "1550.00",
    }
    assert flows.order(order["id"])["state"] == "closed"


def test_r23_a_reversal_takes_the_credit_applied_since_back_latest_application_first_then_highest_invoice_number(  # noqa: E501
    flows: Flows,
) -> None:
    first = pf.invoice(flows, [(0, 1)])  # 1000.50
    over = pf.paid(flows, "3000.00")  # pays it, 1999.50 credit
    pf.paid(flows, "1612.00")  # nothing open: all credit, 3611.50
    a = pf.invoice(flows, [(0, 1)])  # 1000.50
    b = pf.invoice(flows, [(1, 1)])  # 1111.50
    c = pf.invoice(flows, [(0, 1)])  # 1000.50
    assert a["invoice_no"] < b["invoice_no"] < c["invoice_no"]
    apply = f"/customers/{flows.world.customer}/credit/apply"
    # One application, named b then a; a later one pays c.
    both = flows.finance.post(
        apply,
        json={
            "invoices": [
                {"invoice_no": b["invoice_no"], "amount": "1111.50"},
                {"invoice_no": a["invoice_no"], "amount": "1000.50"},
            ]
        },
    )
    assert both.status_code == 201, both.text
    later = flows.finance.post(
        apply, json={"invoices": [{"invoice_no": c["invoice_no"], "amount": "1000.50"}]}
    )
    assert later.status_code == 201, later.text
    assert pf.credit(flows)["unapplied"] == "499.00"
    assert pf.reverse(flows, over["payment_no"]).status_code == 200
    # 1999.50 of credit to take back, 499.00 still held: 1500.50 from c, then b.
    assert pf.read(flows, first["id"])["state"] == "issued"
    states = {
        name: (row["state"], row["outstanding"])
        for name, row in (("a", pf.read(flows, a["id"])), ("b", pf.read(flows, b["id"])))
    }
    states["c"] = (pf.read(flows, c["id"])["state"], pf.read(flows, c["id"])["outstanding"])
    assert states == {
        "a": ("paid", "0.00"),
        "b": ("partly_paid", "500.00"),
        "c": ("issued", "1000.50"),
    }
    assert pf.credit(flows)["unapplied"] == "0.00"


def test_r23_the_statements_list_filters_by_the_states_the_money_moves_them_to(
    backend: Backend, flows: Flows, person: Any
) -> None:
    from tests import statements_flows as sf

    _invoice, no = _confirmed_statement(backend, flows)

    def listed(state: str) -> list[str]:
        return [s["statement_no"] for s in sf.statements(flows, state=state)]

    pf.paid(flows, "100.00", statement_no=no)
    assert (listed("partly_paid"), listed("paid"), listed("confirmed")) == ([no], [], [])
    pf.paid(flows, "15462.50", statement_no=no)
    assert (listed("partly_paid"), listed("paid")) == ([], [no])
    wrong = flows.finance.get("/statements", params={"state": "closed"})
    assert wrong.status_code == 422, wrong.text
    finance = person("finance")
    page = finance.page(f"/web/statements?customer={flows.world.customer}&state=paid")
    for state, words in (("settled", "Settled"), ("partly_paid", "Partly paid"), ("paid", "Paid")):
        assert f'<option value="{state}"' in page
        assert words in page
    assert '<option value="paid" selected>' in page
    assert no in page
    assert no not in finance.page(f"/web/statements?customer={flows.world.customer}&state=settled")
