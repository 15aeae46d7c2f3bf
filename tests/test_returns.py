"""Returns through the API on both databases (R24-R26): requested by sales, approved with the
approval report, received back, proposed a credit method by the return_credit rules, credited."""

from __future__ import annotations

import threading
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select

from rules import DEFAULT_DIR
from service.masterdata.models import Customer
from service.receivables.queries import exposure
from service.returns import queries as returns
from tests import returns_flows as rf
from tests.flows import Flows
from tests.support import Backend, unique_fapiao

# Item 0 of the test world: 1000.50 a unit, tax included, 13%.
PRICE = Decimal("1000.50")


@pytest.fixture
def invoice(flows: Flows) -> dict[str, Any]:
    return rf.invoiced(flows)[1]


def _open_invoices(backend: Backend, customer_code: str, flows: Flows) -> Decimal:
    with backend.db.read() as session:
        customer = session.scalars(select(Customer).where(Customer.code == customer_code)).one()
        return exposure(session, backend.runtime.workflows, customer, flows.today).open_invoices


def _problem(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    problem = dict(response.json())
    assert problem["code"] == code, problem
    return problem


def _blue_body(ret: dict[str, Any], **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "invoice_number": unique_fapiao(),
        "invoice_date": str(ret["received_on"]),
        "amount": ret["amount"],
        "tax": ret["tax"],
        "total": ret["total"],
        "lines": [
            {
                "item_code": line["item_code"],
                "quantity": line["received_qty"],
                "amount": line["amount"],
                "tax": line["tax"],
            }
            for line in ret["lines"]
            if line["received_qty"]
        ],
    }
    body.update(overrides)
    return body


# --- R24: request, approve, receive, the proposal, the choice ------------------------------


def test_r24_return_requested_approved_received_and_its_method_proposed_then_chosen(
    backend: Backend, flows: Flows, invoice: dict[str, Any]
) -> None:
    rf.accepting(backend, flows.world.customer, "red_letter", "customer_blue_invoice")
    ret = rf.requested(flows, invoice, [(1, 3)])
    # 3 x 1000.50 tax included = 3001.50: 2656.19 without tax (half-up) and 345.31 tax.
    assert (ret["state"], ret["reason"], ret["invoice_no"]) == (
        "requested",
        "defective",
        invoice["invoice_no"],
    )
    assert (ret["amount"], ret["tax"], ret["total"]) == ("2656.19", "345.31", "3001.50")
    assert ret["lines"][0]["invoice_line_no"] == 1
    assert ret["return_no"].startswith("TH")

    approved = rf.approve(flows, ret)
    assert approved.status_code == 200, approved.text
    assert approved.json()["approval_report"]["id"]

    body = rf.receipt_body(flows, ret, [2])
    got = rf.receive(flows, ret, body)
    assert got.status_code == 200, got.text
    back = got.json()
    # The credit is what came back: 2 x 1000.50 = 2001.00 = 1770.80 + 230.20.
    assert (back["amount"], back["tax"], back["total"]) == ("1770.80", "230.20", "2001.00")
    assert back["lines"][0]["received_qty"] == 2
    proposal = back["proposal"]
    # The blue invoice's use is not confirmed: a red invoice needs no confirmation.
    assert proposal["method"] == "red_letter"
    assert (proposal["ruleset"], proposal["version"]) == ("return_credit", 1)
    assert proposal["rules"] == ["red-letter-no-confirmation-needed"]
    assert proposal["values"]["blue_invoice_use_confirmed"] is False
    assert "return_credit v1" in proposal["explanation"]

    chosen = rf.choose(flows, back)
    assert chosen.status_code == 200, chosen.text
    assert (chosen.json()["state"], chosen.json()["credit_method"]) == (
        "method_chosen",
        "red_letter",
    )
    history = flows.finance.get(f"/returns/{ret['id']}/history").json()
    assert [e["trigger"] for e in history] == ["create", "approve", "receive", "choose_method"]
    assert history[2]["decisions"][0]["rules"] == ["red-letter-no-confirmation-needed"]
    assert history[3]["payload"]["proposed"] == "red_letter"
    assert flows.finance.get(f"/returns/{ret['id']}").headers["ETag"] == '"4"'


def test_r24_another_method_needs_a_reason_and_the_customers_acceptance(
    backend: Backend, flows: Flows, invoice: dict[str, Any]
) -> None:
    rf.accepting(backend, flows.world.customer, "red_letter", "customer_blue_invoice")
    ret = rf.received(flows, invoice)
    _problem(rf.choose(flows, ret, "customer_blue_invoice"), 422, "return.method_reason_required")
    refused = rf.choose(flows, ret, "next_invoice_deduction", "the buyer asked")
    problem = _problem(refused, 409, "return.method_not_accepted")
    assert problem["errors"][0]["field"] == "method"
    chosen = rf.choose(flows, ret, "customer_blue_invoice", "the buyer issues blue invoices")
    assert chosen.status_code == 200, chosen.text
    assert chosen.json()["method_reason"] == "the buyer issues blue invoices"


def test_r24_refusals_of_a_request_name_the_field_in_both_languages(
    flows: Flows, invoice: dict[str, Any]
) -> None:
    too_many = rf.request(flows, invoice, [(1, 11)])
    problem = _problem(too_many, 409, "return.quantity_exceeds_returnable")
    assert problem["errors"][0]["field"] == "lines[0].quantity"
    assert (problem["invoiced"], problem["returned"], problem["returnable"]) == (10, 0, 10)
    rf.requested(flows, invoice, [(1, 7)])
    # Received 10, 7 on another return: 3 left.
    problem = _problem(
        rf.request(flows, invoice, [(1, 4)]), 409, "return.quantity_exceeds_returnable"
    )
    assert (problem["returned"], problem["returnable"]) == (7, 3)
    zh = flows.sales.post(
        "/returns",
        json={
            "order_id": invoice["order_id"],
            "invoice_id": invoice["id"],
            "reason": "defective",
            "lines": [{"line_no": 1, "quantity": 4}],
        },
        headers={"Accept-Language": "zh-CN"},
    )
    assert "尚可退 3" in zh.json()["detail"]

    problem = _problem(rf.request(flows, invoice, [(9, 1)]), 422, "return.line_not_on_invoice")
    assert problem["errors"][0]["field"] == "lines[0].line_no"
    problem = _problem(rf.request(flows, invoice, [(2, 1), (2, 1)]), 422, "return.duplicate_line")
    assert problem["errors"][0]["field"] == "lines[1].line_no"
    other_order, _ = rf.invoiced(flows)
    problem = _problem(
        rf.request(flows, invoice, order_id=other_order["id"]), 422, "return.invoice_not_of_order"
    )
    assert problem["errors"][0]["field"] == "invoice_id"
    _problem(rf.request(flows, invoice, invoice_id=2_000_000_000), 422, "return.invoice_unknown")
    _problem(rf.request(flows, invoice, order_id=2_000_000_000), 422, "return.order_unknown")
    bounds = rf.request(flows, invoice, [(1, 1_000_001)])
    assert bounds.status_code == 422
    assert bounds.json()["errors"][0]["field"] == "lines[0].quantity"
    lines = rf.request(flows, invoice, [(n, 1) for n in range(1, 102)])
    assert lines.status_code == 422
    assert lines.json()["errors"][0]["field"] == "lines"
    assert rf.request(flows, invoice, reason="broken").status_code == 422


def test_r24_only_an_issued_receivable_blue_invoice_takes_a_return(flows: Flows) -> None:
    order = flows.receipted_order()
    draft = flows.invoice(order["id"])
    problem = _problem(rf.request(flows, draft), 409, "return.invoice_not_receivable")
    assert problem["state"] == "draft"
    discarded = flows.finance.post(f"/invoices/{draft['id']}/discard")
    assert discarded.status_code == 200, discarded.text
    problem = _problem(rf.request(flows, draft), 409, "return.invoice_not_receivable")
    assert problem["state"] == "discarded"
    assert problem["errors"][0]["field"] == "invoice_id"


def test_r24_a_rejected_or_cancelled_return_frees_its_quantities(
    flows: Flows, invoice: dict[str, Any]
) -> None:
    first = rf.requested(flows, invoice, [(1, 10)])
    rejected = flows.hq.post(f"/returns/{first['id']}/reject", json={"reason": "not ours"})
    assert rejected.status_code == 200, rejected.text
    assert rejected.json()["decision_reason"] == "not ours"
    second = rf.requested(flows, invoice, [(1, 10)])
    cancelled = flows.sales.post(f"/returns/{second['id']}/cancel", json={"reason": "kept"})
    assert cancelled.json()["state"] == "cancelled"
    rf.requested(flows, invoice, [(1, 10)])


def test_r24_received_more_than_requested_is_refused(flows: Flows, invoice: dict[str, Any]) -> None:
    ret = rf.approved(flows, invoice, [(1, 3), (2, 2)])
    problem = _problem(
        rf.receive(flows, ret, rf.receipt_body(flows, ret, [4, 2])),
        409,
        "return.received_exceeds_requested",
    )
    assert problem["errors"][0]["field"] == "lines[0].received_qty"
    missing = rf.receipt_body(flows, ret, [3, 2])
    missing["lines"] = missing["lines"][:1]
    _problem(rf.receive(flows, ret, missing), 422, "return.receipt_line_missing")
    future = rf.receipt_body(flows, ret, received_on=str(flows.today + timedelta(days=1)))
    _problem(rf.receive(flows, ret, future), 422, "return.date_in_future")
    _problem(
        rf.receive(flows, ret, rf.receipt_body(flows, ret, [0, 0])), 409, "return.nothing_received"
    )
    assert rf.get(flows, ret)["state"] == "approved"
    # Nothing of line 2 came back: 0 is allowed, and the credit is line 1's only.
    ok = rf.receive(flows, ret, rf.receipt_body(flows, ret, [3, 0]))
    assert ok.status_code == 200, ok.text
    assert ok.json()["total"] == "3001.50"


def test_r24_cancel_after_the_goods_are_back_is_refused(
    flows: Flows, invoice: dict[str, Any]
) -> None:
    ret = rf.received(flows, invoice)
    problem = _problem(
        flows.sales.post(f"/returns/{ret['id']}/cancel", json={}),
        409,
        "workflow.trigger_not_allowed",
    )
    assert problem["state"] == "received"


# --- R24 (b): the customer's blue invoice, to the end -------------------------------------


def test_r24_b_customer_blue_invoice_credits_once_and_reduces_the_receivable_by_the_credit(
    backend: Backend, flows: Flows, invoice: dict[str, Any]
) -> None:
    rf.accepting(backend, flows.world.customer, "customer_blue_invoice")
    # Invoiced 10 x 1000.50 + 5 x 1111.50 = 10005.00 + 5557.50 = 15562.50.
    assert _open_invoices(backend, flows.world.customer, flows) == Decimal("15562.50")
    ret = rf.received(flows, invoice, [(1, 3), (2, 2)], back=[2, 1])
    # Back: 2 x 1000.50 = 2001.00 (1770.80 + 230.20) and 1 x 1111.50 (983.63 + 127.87).
    assert ret["total"] == "3112.50"
    assert ret["proposal"]["method"] == "customer_blue_invoice"
    chosen = rf.choose(flows, ret)
    assert chosen.status_code == 200, chosen.text
    ret = chosen.json()
    blue = f"/returns/{ret['id']}/customer-blue-invoice"

    wrong_total = _blue_body(ret, total="3112.49", tax="358.06")
    wrong_total["lines"][1]["tax"] = "127.86"
    _problem(flows.finance.post(blue, json=wrong_total), 409, "return.blue_invoice_not_the_credit")
    not_added = _blue_body(ret, tax="358.08")
    problem = _problem(
        flows.finance.post(blue, json=not_added), 422, "return.blue_invoice_lines_do_not_add_up"
    )
    assert problem["errors"][0]["field"] == "tax"
    sum_off = _blue_body(ret, total="3112.51")
    _problem(
        flows.finance.post(blue, json=sum_off), 422, "return.blue_invoice_total_does_not_add_up"
    )

    body = _blue_body(ret)
    done = flows.finance.post(blue, json=body, headers={"Idempotency-Key": f"blue-{ret['id']}"})
    assert done.status_code == 200, done.text
    credited = done.json()
    assert (credited["state"], credited["credited_on"]) == ("credited", body["invoice_date"])
    assert credited["credit_invoice_id"] is None
    assert credited["customer_blue_invoice"]["total"] == "3112.50"
    replay = flows.finance.post(blue, json=body, headers={"Idempotency-Key": f"blue-{ret['id']}"})
    assert replay.headers["Idempotent-Replayed"] == "true"
    again = flows.finance.post(blue, json=_blue_body(ret))
    _problem(again, 409, "workflow.trigger_not_allowed")
    # 15562.50 - 3112.50, exactly once.
    assert _open_invoices(backend, flows.world.customer, flows) == Decimal("12450.00")

    # The same customer's invoice number is never recorded for a second return.
    other = rf.received(flows, invoice, [(1, 1)])
    rf.choose(flows, other)
    taken = flows.finance.post(
        f"/returns/{other['id']}/customer-blue-invoice",
        json=_blue_body(rf.get(flows, other), invoice_number=body["invoice_number"]),
    )
    _problem(taken, 409, "return.blue_invoice_number_taken")


# --- R25: the approval report, and the three documents of a deduction ---------------------


def test_r25_approval_without_the_approval_report_is_refused(
    flows: Flows, invoice: dict[str, Any]
) -> None:
    ret = rf.requested(flows, invoice)
    response = flows.hq.post(f"/returns/{ret['id']}/approve", json={"note": "fine"})
    problem = _problem(response, 422, "return.approval_report_required")
    assert problem["errors"][0]["field"] == "approval_report_id"
    missing = flows.hq.post(
        f"/returns/{ret['id']}/approve", json={"approval_report_id": 2_000_000_000}
    )
    _problem(missing, 422, "evidence.not_found")
    assert rf.get(flows, ret)["state"] == "requested"


def test_r25_deduction_is_refused_without_its_three_documents_and_allowed_with_them(
    backend: Backend, flows: Flows, invoice: dict[str, Any]
) -> None:
    rf.accepting(backend, flows.world.customer, "red_letter", "next_invoice_deduction")
    ret = rf.received(flows, invoice, reason="slow_moving")
    problem = _problem(
        rf.choose(flows, ret, "next_invoice_deduction", "the buyer prefers it"),
        409,
        "return.deduction_documents_missing",
    )
    assert problem["missing"] == ["customer_consent"]
    consent = flows.finance.post(
        f"/returns/{ret['id']}/consent", json={"attachment_id": rf.upload(flows, "finance")}
    )
    assert consent.status_code == 200, consent.text
    assert consent.json()["proposal"]["values"]["documents_on_file"] == [
        "return_receipt",
        "approval_report",
        "customer_consent",
    ]
    chosen = rf.choose(flows, ret, "next_invoice_deduction", "the buyer prefers it")
    assert chosen.status_code == 200, chosen.text
    with backend.db.read() as session:
        customer_id = session.scalar(
            select(Customer.id).where(Customer.code == flows.world.customer)
        )
        assert customer_id is not None
        pending = returns.pending_deductions(session, customer_id)
        credit = returns.credit_of(session, ret["id"])
    assert [p.return_id for p in pending] == [ret["id"]]
    assert pending[0].total == Decimal("3001.50")
    assert credit is not None and credit.credit_method == "next_invoice_deduction"
    assert [(ln.quantity, ln.amount, ln.tax) for ln in credit.lines] == [
        (3, Decimal("2656.19"), Decimal("345.31"))
    ]


# --- Idempotency and concurrency ----------------------------------------------------------


def test_r24_a_replayed_request_books_one_return(flows: Flows, invoice: dict[str, Any]) -> None:
    first = rf.request(flows, invoice, [(1, 6)], key=f"ret-{invoice['id']}")
    second = rf.request(flows, invoice, [(1, 6)], key=f"ret-{invoice['id']}")
    assert first.status_code == second.status_code == 201
    assert second.headers["Idempotent-Replayed"] == "true"
    assert first.json()["id"] == second.json()["id"]
    listed = flows.finance.get("/returns", params={"customer": flows.world.customer}).json()
    assert [r["id"] for r in listed] == [first.json()["id"]]


def test_r24_a_concurrent_double_approval_is_refused_by_version(
    flows: Flows, invoice: dict[str, Any]
) -> None:
    ret = rf.requested(flows, invoice)
    stale = flows.hq.post(
        f"/returns/{ret['id']}/approve",
        json={"approval_report_id": rf.upload(flows)},
        headers={"If-Match": '"9"'},
    )
    _problem(stale, 409, "document.version_mismatch")
    reports = [rf.upload(flows), rf.upload(flows, "finance")]
    answers: list[int] = []
    barrier = threading.Barrier(2)

    def approve(role: str, report: int) -> None:
        barrier.wait()
        answers.append(
            flows.backend.client(role)
            .post(
                f"/returns/{ret['id']}/approve",
                json={"approval_report_id": report},
                headers={"If-Match": '"1"'},
            )
            .status_code
        )

    threads = [
        threading.Thread(target=approve, args=(role, report))
        for role, report in zip(("hq", "finance"), reports, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(answers) == [200, 409]
    history = flows.finance.get(f"/returns/{ret['id']}/history").json()
    assert [e["trigger"] for e in history] == ["create", "approve"]


# --- R26: defective and slow-moving goods followed until credited -------------------------


def test_r26_defective_and_slow_moving_goods_are_listed_until_credited(
    backend: Backend, flows: Flows, invoice: dict[str, Any]
) -> None:
    rf.accepting(backend, flows.world.customer, "customer_blue_invoice")
    defective = rf.received(flows, invoice, [(1, 2)], reason="defective")
    slow = rf.requested(flows, invoice, [(2, 1)], reason="slow_moving")
    rf.requested(flows, invoice, [(1, 1)], reason="wrong_model")
    customer = flows.world.customer

    def listed(**params: str) -> list[tuple[str, str, int]]:
        response = flows.sales.get("/returns/uncredited", params={"customer": customer, **params})
        assert response.status_code == 200, response.text
        return [(r["return_no"], r["reason"], r["quantity"]) for r in response.json()]

    assert listed() == [
        (defective["return_no"], "defective", 2),
        (slow["return_no"], "slow_moving", 1),
    ]
    assert listed(reason="slow_moving") == [(slow["return_no"], "slow_moving", 1)]
    page = flows.sales.get(
        "/returns/uncredited", params={"customer": customer, "limit": 1, "after": defective["id"]}
    ).json()
    assert [r["return_no"] for r in page] == [slow["return_no"]]

    chosen = rf.choose(flows, defective).json()
    done = flows.finance.post(
        f"/returns/{defective['id']}/customer-blue-invoice", json=_blue_body(chosen)
    )
    assert done.status_code == 200, done.text
    assert listed() == [(slow["return_no"], "slow_moving", 1)]

    everything = flows.finance.get("/returns", params={"customer": customer}).json()
    assert len(everything) == 3
    by_state = flows.finance.get(
        "/returns", params={"customer": customer, "state": "credited"}
    ).json()
    assert [r["id"] for r in by_state] == [defective["id"]]
    by_reason = flows.finance.get(
        "/returns", params={"customer": customer, "reason": "slow_moving"}
    ).json()
    assert [r["id"] for r in by_reason] == [slow["id"]]
    newest_first = flows.finance.get("/returns", params={"customer": customer, "limit": 2}).json()
    following = flows.finance.get(
        "/returns", params={"customer": customer, "before": newest_first[-1]["id"]}
    ).json()
    assert [r["id"] for r in newest_first + following] == sorted(
        (r["id"] for r in everything), reverse=True
    )
    assert flows.finance.get("/returns/999999").status_code == 404


def test_r24_a_candidate_return_credit_file_is_dry_run_against_returns_awaiting_credit(
    flows: Flows, invoice: dict[str, Any]
) -> None:
    ret = rf.received(flows, invoice)
    shipped = (DEFAULT_DIR / "return_credit.yaml").read_text(encoding="utf-8")
    candidate = shipped.replace("version: 1", "version: 2", 1)
    response = flows.finance.post("/rules/dry-run", json={"yaml": candidate, "file": "rc2.yaml"})
    assert response.status_code == 200, response.text
    report = response.json()
    assert (report["ruleset"], report["item_kind"]) == ("return_credit", "return")
    assert (report["live_version"], report["candidate_version"]) == (1, 2)
    assert report["counts"]["items"] >= 1
    assert report["changes"] == []
    assert rf.get(flows, ret)["state"] == "received"
