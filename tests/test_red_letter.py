"""R24: a return or an invoicing error credited by a red invoice against a red-letter
information confirmation form (a), or by a negative line on the next invoice (c)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
from sqlalchemy import func, select

from service import bootstrap, money
from service.invoices.models import Invoice
from service.invoices.redletter.jobs import RED_LETTER_FORM_EXPIRED
from service.journal import Event
from service.masterdata.models import Customer
from service.receivables.queries import exposure
from service.returns.models import Return, ReturnLine
from service.scheduler.models import Task
from service.scheduler.runner import run_due
from tests.flows import Flows
from tests.pages import Person, text_of
from tests.support import Backend, unique, unique_fapiao
from tests.test_invoice_exceptions import attach, book, booked_line

RATE = Decimal("0.13")


# --- steps -----------------------------------------------------------------------------------


def blue_invoice(flows: Flows, lines: list[tuple[int, int]] | None = None) -> dict[str, Any]:
    """An issued blue invoice of a received order (items 0 and 1: 10 and 5 by default)."""
    return flows.issued_invoice(flows.receipted_order(lines=lines)["id"])


def line_id(invoice: dict[str, Any], index: int) -> int:
    return int(invoice["lines"][index]["id"])


def new_form(
    flows: Flows, invoice: dict[str, Any], taken: list[tuple[int, int]], **extra: Any
) -> httpx.Response:
    body = {
        "invoice_id": invoice["id"],
        "reason": "sales_return",
        "lines": [{"blue_line_id": line_id(invoice, i), "quantity": q} for i, q in taken],
        **extra,
    }
    return flows.finance.post("/red-letter-forms", json=body)


def form(flows: Flows, invoice: dict[str, Any], taken: list[tuple[int, int]]) -> dict[str, Any]:
    response = new_form(flows, invoice, taken)
    assert response.status_code == 201, response.text
    assert response.json()["state"] == "entered"
    return dict(response.json())


def step(flows: Flows, form_id: int, action: str, body: Any = None) -> httpx.Response:
    return flows.finance.post(f"/red-letter-forms/{form_id}/{action}", json=body)


def usable_form(
    flows: Flows, invoice: dict[str, Any], taken: list[tuple[int, int]]
) -> dict[str, Any]:
    made = form(flows, invoice, taken)
    response = step(flows, made["id"], "skip-confirmation")
    assert response.status_code == 200, response.text
    assert response.json()["state"] == "no_confirmation_needed"
    return dict(response.json())


def red_invoice(flows: Flows, form_id: int, client: httpx.Client | None = None) -> httpx.Response:
    return (client or flows.finance).post(
        f"/red-letter-forms/{form_id}/red-invoice",
        json={"fapiao_no": unique_fapiao(), "fapiao_date": str(flows.today)},
    )


def invoice(flows: Flows, invoice_id: int) -> dict[str, Any]:
    response = flows.finance.get(f"/invoices/{invoice_id}")
    assert response.status_code == 200, response.text
    return dict(response.json())


def gross(flows: Flows, item: int, quantity: int) -> money.LineMoney:
    price = flows.world.prices[flows.world.items[item]]
    return money.goods(price, quantity, RATE, includes_tax=True)


def expire_run(flows: Flows, as_of: datetime) -> None:
    runtime = flows.backend.runtime
    run_due(
        runtime.db,
        jobs={"red_letter_form_expiry": bootstrap.jobs()["red_letter_form_expiry"]},
        workflows=runtime.workflows,
        as_of=as_of,
        tz=runtime.settings.tz,
    )


def open_receivables(backend: Backend, flows: Flows) -> Decimal:
    with backend.db.read() as session:
        customer = session.scalars(
            select(Customer).where(Customer.code == flows.world.customer)
        ).one()
        return exposure(session, backend.runtime.workflows, customer, flows.today).open_invoices


def make_return(
    backend: Backend, blue: dict[str, Any], returned: list[tuple[int, int]], method: str
) -> tuple[int, str]:
    """A return of `blue`'s lines, received back, whose credit method finance has chosen."""
    with backend.db.write() as session:
        stored = session.get(Invoice, blue["id"])
        assert stored is not None
        lines: list[ReturnLine] = []
        for index, quantity in returned:
            line = stored.lines[index]
            part = money.goods(line.unit_price, quantity, line.tax_rate, includes_tax=True)
            lines.append(
                ReturnLine(
                    line_no=len(lines) + 1,
                    invoice_line_id=line.id,
                    order_line_id=line.order_line_id,
                    item_id=line.item_id,
                    quantity=quantity,
                    received_qty=quantity,
                    unit_price=line.unit_price,
                    tax_rate=line.tax_rate,
                    amount=part.amount,
                    tax=part.tax,
                )
            )
        ret = Return(
            return_no=unique("TH"),
            customer_id=stored.customer_id,
            order_id=stored.order_id,
            invoice_id=stored.id,
            reason="defective",
            state="method_chosen",
            version=1,
            credit_method=method,
            created_by="tests",
            lines=lines,
        )
        session.add(ret)
        session.flush()
        return ret.id, ret.return_no


def the_return(backend: Backend, return_id: int) -> Return:
    with backend.db.read() as session:
        ret = session.get(Return, return_id)
        assert ret is not None
        session.expunge(ret)
        return ret


# --- R24 (a): the blue invoice's use confirmation and the form's states -----------------------


def test_r24a_use_confirmation_is_recorded_once_not_in_the_future(flows: Flows) -> None:
    blue = blue_invoice(flows)
    path = f"/invoices/{blue['id']}/use-confirmation"
    future = flows.finance.post(path, json={"confirmed_on": str(flows.today + timedelta(days=1))})
    assert (future.status_code, future.json()["code"]) == (422, "invoice.date_in_future")
    early = flows.finance.post(path, json={"confirmed_on": str(flows.today - timedelta(days=1))})
    assert early.json()["code"] == "invoice.date_before_previous_step"
    assert flows.sales.post(path, json={"confirmed_on": str(flows.today)}).status_code == 403
    done = flows.finance.post(path, json={"confirmed_on": str(flows.today)})
    assert done.status_code == 200, done.text
    assert done.json()["use_confirmed_on"] == str(flows.today)
    again = flows.finance.post(path, json={"confirmed_on": str(flows.today)})
    assert again.status_code == 200
    draft = flows.invoice(flows.receipted_order()["id"])
    refused = flows.finance.post(
        f"/invoices/{draft['id']}/use-confirmation", json={"confirmed_on": str(flows.today)}
    )
    assert refused.json()["code"] == "invoice.use_not_confirmable"


def test_r24a_no_confirmation_needed_only_while_use_is_not_confirmed(flows: Flows) -> None:
    blue = blue_invoice(flows)
    before = usable_form(flows, blue, [(0, 1)])
    assert before["allowed_triggers"] == ["revoke"]
    response = flows.finance.post(
        f"/invoices/{blue['id']}/use-confirmation", json={"confirmed_on": str(flows.today)}
    )
    assert response.status_code == 200, response.text
    after = form(flows, blue, [(0, 1)])
    refused = step(flows, after["id"], "skip-confirmation")
    assert refused.status_code == 409
    assert refused.json()["code"] == "red_letter_form.use_confirmed"
    assert refused.json()["guard"] == "use_not_confirmed"
    submitted = step(flows, after["id"], "submit", {"platform_no": unique("P").replace("-", "")})
    assert submitted.json()["state"] == "awaiting_buyer"


def test_r24a_the_form_in_each_of_its_states(flows: Flows) -> None:
    blue = blue_invoice(flows)
    # Seller initiates: the buyer has 72 hours from now.
    seller = form(flows, blue, [(0, 1)])
    early = red_invoice(flows, seller["id"])
    assert (early.status_code, early.json()["code"]) == (409, "workflow.trigger_not_allowed")
    submitted = step(flows, seller["id"], "submit", {}).json()
    assert submitted["state"] == "awaiting_buyer" and submitted["initiator"] == "seller"
    initiated = datetime.fromisoformat(submitted["initiated_at"])
    assert datetime.fromisoformat(submitted["expires_at"]) - initiated == timedelta(hours=72)
    confirmed = flows.sales.post(f"/red-letter-forms/{seller['id']}/confirm")
    assert confirmed.json()["state"] == "confirmed" and confirmed.json()["answered_at"]
    # Buyer initiated 10 hours ago: the seller has 62 hours left.
    buyer = form(flows, blue, [(0, 1)])
    when = datetime.now(flows.backend.settings.tz).replace(microsecond=0) - timedelta(hours=10)
    received = step(
        flows,
        buyer["id"],
        "receive-from-buyer",
        {
            "platform_no": "B" + unique_fapiao(),
            "initiated_at": when.replace(tzinfo=None).isoformat(),
        },
    ).json()
    assert (received["state"], received["initiator"]) == ("awaiting_seller", "buyer")
    assert datetime.fromisoformat(received["expires_at"]) == when + timedelta(hours=72)
    denied = step(flows, buyer["id"], "deny", {"reason": "quantity disputed"}).json()
    assert (denied["state"], denied["void_reason"]) == ("void", "deny: quantity disputed")
    # Revoked by the initiator, before and after confirmation.
    entered = form(flows, blue, [(0, 1)])
    assert step(flows, entered["id"], "revoke", {"reason": "typo"}).json()["state"] == "void"
    revoked = step(flows, seller["id"], "revoke", {"reason": "agreed otherwise"})
    assert revoked.json()["state"] == "void"
    void = red_invoice(flows, seller["id"])
    assert void.status_code == 409
    # Issued: the red invoice against a usable form.
    usable = usable_form(flows, blue, [(0, 1)])
    assert red_invoice(flows, usable["id"]).status_code == 201
    issued = flows.finance.get(f"/red-letter-forms/{usable['id']}").json()
    assert issued["state"] == "issued" and issued["red_invoice_id"]
    history = flows.finance.get(f"/red-letter-forms/{usable['id']}/history").json()
    assert [e["trigger"] for e in history] == ["create", "skip_confirmation", "issue_red"]
    listed = flows.finance.get("/red-letter-forms", params={"invoice_id": blue["id"]}).json()
    assert {f["state"] for f in listed} == {"void", "issued"}


def test_r24a_an_unanswered_form_voids_itself_after_72_hours_once(
    backend: Backend, flows: Flows
) -> None:
    blue = blue_invoice(flows)
    made = form(flows, blue, [(1, 2)])
    submitted = step(flows, made["id"], "submit", {}).json()
    initiated = datetime.fromisoformat(submitted["initiated_at"])
    expire_run(flows, initiated + timedelta(hours=71, minutes=59))
    assert flows.finance.get(f"/red-letter-forms/{made['id']}").json()["state"] == "awaiting_buyer"
    expire_run(flows, initiated + timedelta(hours=72))
    voided = flows.finance.get(f"/red-letter-forms/{made['id']}").json()
    assert voided["state"] == "void" and voided["void_reason"].startswith("expire")
    expire_run(flows, initiated + timedelta(hours=73))
    history = flows.finance.get(f"/red-letter-forms/{made['id']}/history").json()
    assert [e["trigger"] for e in history] == ["create", "submit", "expire"]
    assert history[-1]["actor"] == "scheduler"
    with backend.db.read() as session:
        tasks = session.scalars(
            select(Task).where(Task.kind == RED_LETTER_FORM_EXPIRED, Task.subject_id == made["id"])
        ).all()
    [task] = tasks
    assert task.owner_role == "finance" and made["form_no"] in task.title
    # Its quantities are free again for a new form.
    assert new_form(flows, blue, [(1, 5)]).status_code == 201


def test_r24a_confirming_after_72_hours_is_refused(flows: Flows) -> None:
    blue = blue_invoice(flows)
    made = form(flows, blue, [(0, 1)])
    long_ago = datetime.now(flows.backend.settings.tz) - timedelta(hours=73)
    step(
        flows,
        made["id"],
        "receive-from-buyer",
        {"platform_no": "B" + unique_fapiao(), "initiated_at": long_ago.isoformat()},
    )
    late = step(flows, made["id"], "confirm")
    assert (late.status_code, late.json()["code"]) == (409, "red_letter_form.expired")


# --- R24 (a): never more than the blue invoice still holds --------------------------------------


def test_r24a_over_crediting_is_refused(flows: Flows) -> None:
    blue = blue_invoice(flows)
    first = usable_form(flows, blue, [(0, 7)])
    over = new_form(flows, blue, [(0, 4)])
    assert over.status_code == 409
    problem = over.json()
    assert problem["code"] == "red_letter_form.exceeds_remaining"
    assert (problem["remaining_quantity"], problem["quantity"]) == (3, 4)
    assert problem["errors"][0]["field"] == "lines[0].quantity"
    assert red_invoice(flows, first["id"]).status_code == 201
    rest = form(flows, blue, [(0, 3)])
    assert new_form(flows, blue, [(0, 1)]).json()["code"] == "red_letter_form.exceeds_remaining"
    step(flows, rest["id"], "revoke", {"reason": "not yet"})
    assert new_form(flows, blue, [(0, 3)]).status_code == 201


def test_r24a_a_sales_discount_takes_back_an_amount(flows: Flows) -> None:
    blue = blue_invoice(flows)
    body = {
        "invoice_id": blue["id"],
        "reason": "sales_discount",
        "lines": [{"blue_line_id": line_id(blue, 1), "amount": "100"}],
    }
    made = flows.finance.post("/red-letter-forms", json=body)
    assert made.status_code == 201, made.text
    assert (made.json()["amount"], made.json()["tax"]) == ("100.00", "13.00")
    too_much = {**body, "lines": [{"blue_line_id": line_id(blue, 1), "amount": "99999"}]}
    refused = flows.finance.post("/red-letter-forms", json=too_much)
    assert refused.json()["code"] == "red_letter_form.exceeds_remaining"
    with_qty = {**body, "reason": "sales_return"}
    assert (
        flows.finance.post("/red-letter-forms", json=with_qty).json()["code"]
        == "red_letter_form.amount_not_allowed"
    )


def test_r24a_refusals_name_the_field(flows: Flows) -> None:
    blue = blue_invoice(flows)
    cases = [
        ({"reason": "sales_return", "lines": []}, "red_letter_form.invoice_required"),
        ({"invoice_id": blue["id"], "lines": []}, "red_letter_form.reason_required"),
        ({"invoice_id": blue["id"], "reason": "issuing_error"}, "red_letter_form.lines_required"),
        (
            {
                "invoice_id": 2_000_000_000,
                "reason": "issuing_error",
                "lines": [{"blue_line_id": 1}],
            },
            "red_letter_form.invoice_unknown",
        ),
        (
            {
                "invoice_id": blue["id"],
                "reason": "issuing_error",
                "lines": [{"blue_line_id": 2_000_000_000, "quantity": 1}],
            },
            "red_letter_form.line_not_on_invoice",
        ),
        (
            {
                "invoice_id": blue["id"],
                "reason": "issuing_error",
                "lines": [{"blue_line_id": line_id(blue, 0), "quantity": 0}],
            },
            "red_letter_form.quantity_required",
        ),
        (
            {
                "invoice_id": blue["id"],
                "reason": "issuing_error",
                "lines": [{"blue_line_id": line_id(blue, 0), "quantity": 1}] * 2,
            },
            "red_letter_form.line_repeated",
        ),
        ({"from_return": 2_000_000_000}, "red_letter_form.return_unknown"),
    ]
    for body, code in cases:
        response = flows.finance.post("/red-letter-forms", json=body)
        assert response.status_code in {409, 422}, (body, response.text)
        assert response.json()["code"] == code, (body, response.text)
    assert flows.finance.get("/red-letter-forms/2000000000").status_code == 404
    draft = flows.invoice(flows.receipted_order()["id"])
    response = new_form(flows, draft, [(0, 1)])
    assert response.json()["code"] == "red_letter_form.invoice_not_creditable"


def test_r24a_a_partial_red_invoice_then_the_rest_voids_the_blue_invoice(flows: Flows) -> None:
    blue = blue_invoice(flows)
    part = usable_form(flows, blue, [(0, 3)])
    response = red_invoice(flows, part["id"])
    assert response.status_code == 201, response.text
    red = response.json()
    expected = gross(flows, 0, 3)
    [line] = red["lines"]
    assert (red["kind"], red["state"], red["original_id"]) == ("red", "issued", blue["id"])
    assert line["reverses_line_id"] == line_id(blue, 0) and line["quantity"] == -3
    assert (Decimal(line["amount"]), Decimal(line["tax"])) == (-expected.amount, -expected.tax)
    assert Decimal(red["total"]) == -expected.total
    assert (
        flows.finance.get(f"/red-letter-forms/{part['id']}").json()["red_invoice_id"] == red["id"]
    )
    assert invoice(flows, blue["id"])["state"] == "issued"
    rest = usable_form(flows, blue, [(0, 7), (1, 5)])
    second = red_invoice(flows, rest["id"])
    assert second.status_code == 201, second.text
    voided = invoice(flows, blue["id"])
    assert (voided["state"], voided["reversed_by_id"]) == ("voided", second.json()["id"])
    # Together the two red invoices take back exactly the blue one, to the fen.
    for key in ("amount", "tax", "total"):
        assert Decimal(red[key]) + Decimal(second.json()[key]) == -Decimal(blue[key])
    assert (
        new_form(flows, blue, [(0, 1)]).json()["code"] == "red_letter_form.invoice_not_creditable"
    )


def test_r24a_the_receivable_after_a_red_invoice(backend: Backend, flows: Flows) -> None:
    blue = blue_invoice(flows)
    # 10 x 1000.50 + 5 x 1111.50 = 10005.00 + 5557.50, tax included.
    assert open_receivables(backend, flows) == Decimal("15562.50")
    assert red_invoice(flows, usable_form(flows, blue, [(1, 2)])["id"]).status_code == 201
    # 2 x 1111.50 = 2223.00 taken back, only once the red invoice is issued.
    assert open_receivables(backend, flows) == Decimal("13339.50")
    usable_form(flows, blue, [(0, 1)])
    assert open_receivables(backend, flows) == Decimal("13339.50")


def test_r24a_the_receivable_after_a_full_reversal_is_zero(backend: Backend, flows: Flows) -> None:
    blue = blue_invoice(flows)
    assert red_invoice(flows, usable_form(flows, blue, [(0, 10), (1, 5)])["id"]).status_code == 201
    assert open_receivables(backend, flows) == Decimal("0.00")


def _together(*calls: Any) -> list[httpx.Response]:
    answers: list[httpx.Response] = [None] * len(calls)  # type: ignore[list-item]
    barrier = threading.Barrier(len(calls))

    def work(index: int) -> None:
        barrier.wait()
        answers[index] = calls[index]()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


def test_r24a_two_concurrent_forms_never_promise_more_than_a_line_holds(flows: Flows) -> None:
    blue = blue_invoice(flows)
    clients = [flows.backend.client("finance") for _ in range(2)]
    body = {
        "invoice_id": blue["id"],
        "reason": "sales_return",
        "lines": [{"blue_line_id": line_id(blue, 0), "quantity": 7}],
    }
    try:
        answers = _together(*(lambda c=c: c.post("/red-letter-forms", json=body) for c in clients))
    finally:
        for client in clients:
            client.close()
    assert sorted(a.status_code for a in answers) == [201, 409], [a.text for a in answers]
    refused = next(a for a in answers if a.status_code == 409)
    assert refused.json()["code"] == "red_letter_form.exceeds_remaining"


def test_r24a_two_concurrent_red_invoices_on_one_blue_invoice(
    backend: Backend, flows: Flows
) -> None:
    blue = blue_invoice(flows)
    forms = [usable_form(flows, blue, [(0, 10)]), usable_form(flows, blue, [(1, 5)])]
    clients = [flows.backend.client("finance") for _ in range(2)]
    try:
        answers = _together(
            *(
                lambda c=c, f=f: red_invoice(flows, f["id"], c)
                for c, f in zip(clients, forms, strict=True)
            )
        )
    finally:
        for client in clients:
            client.close()
    assert [a.status_code for a in answers] == [201, 201], [a.text for a in answers]
    assert sum(Decimal(a.json()["total"]) for a in answers) == -Decimal(blue["total"])
    assert invoice(flows, blue["id"])["state"] == "voided"
    with backend.db.read() as session:
        voids = session.scalar(
            select(func.count()).where(
                Event.entity_type == "invoice",
                Event.entity_id == blue["id"],
                Event.trigger == "void",
            )
        )
    assert voids == 1
    # The same form twice at once: one red invoice.
    other = blue_invoice(flows)
    usable = usable_form(flows, other, [(0, 2)])
    clients = [flows.backend.client("finance") for _ in range(2)]
    try:
        answers = _together(*(lambda c=c: red_invoice(flows, usable["id"], c) for c in clients))
    finally:
        for client in clients:
            client.close()
    assert sorted(a.status_code for a in answers) == [201, 409], [a.text for a in answers]


def test_r24a_a_form_from_a_return_credits_the_return(backend: Backend, flows: Flows) -> None:
    blue = blue_invoice(flows)
    return_id, return_no = make_return(backend, blue, [(1, 2)], "red_letter")
    made = flows.finance.post("/red-letter-forms", json={"from_return": return_id})
    assert made.status_code == 201, made.text
    taken = made.json()
    assert (taken["reason"], taken["return_id"]) == ("sales_return", return_id)
    assert [(ln["blue_line_id"], ln["quantity"]) for ln in taken["lines"]] == [
        (line_id(blue, 1), 2)
    ]
    twice = flows.finance.post("/red-letter-forms", json={"from_return": return_id})
    assert twice.json()["code"] == "red_letter_form.return_has_form"
    step(flows, taken["id"], "skip-confirmation")
    before = open_receivables(backend, flows)
    red = red_invoice(flows, taken["id"]).json()
    ret = the_return(backend, return_id)
    expected = gross(flows, 1, 2)
    assert (ret.state, ret.credit_invoice_id, ret.credited_on) == (
        "credited",
        red["id"],
        flows.today,
    )
    assert (ret.amount, ret.tax, ret.total) == (expected.amount, expected.tax, expected.total)
    assert open_receivables(backend, flows) == before - expected.total
    again = flows.finance.post("/red-letter-forms", json={"from_return": return_id})
    assert again.json()["code"] == "red_letter_form.return_not_awaiting_red_letter"
    other_id, _ = make_return(backend, blue, [(0, 1)], "next_invoice_deduction")
    wrong = flows.finance.post("/red-letter-forms", json={"from_return": other_id})
    assert wrong.json()["code"] == "red_letter_form.return_not_awaiting_red_letter"
    assert return_no


# --- R24 (c): a deduction on the next invoice ------------------------------------------------


def test_r24c_the_return_is_deducted_on_the_next_invoice(backend: Backend, flows: Flows) -> None:
    blue = blue_invoice(flows)
    return_id, return_no = make_return(backend, blue, [(0, 2)], "next_invoice_deduction")
    order = flows.receipted_order()
    draft = flows.invoice(order["id"])
    [deduction] = [ln for ln in draft["lines"] if ln["source"] == "return_deduction"]
    expected = gross(flows, 0, 2)
    assert (deduction["quantity"], deduction["return_id"]) == (-2, return_id)
    assert deduction["reverses_line_id"] == line_id(blue, 0)
    assert (Decimal(deduction["amount"]), Decimal(deduction["tax"])) == (
        -expected.amount,
        -expected.tax,
    )
    assert return_no in draft["remark"]
    assert Decimal(draft["total"]) == Decimal(blue["total"]) - expected.total
    # Carried once: a form may no longer take those pieces back; a discarded draft frees them.
    assert new_form(flows, blue, [(0, 9)]).json()["code"] == "red_letter_form.exceeds_remaining"
    discarded = flows.finance.post(f"/invoices/{draft['id']}/discard")
    assert discarded.status_code == 200, discarded.text
    other = flows.invoice(flows.receipted_order()["id"])
    assert [ln["return_id"] for ln in other["lines"] if ln["source"] == "return_deduction"] == [
        return_id
    ]
    again = flows.invoice(order["id"])
    assert [ln["source"] for ln in again["lines"]] == ["goods", "goods"]
    assert the_return(backend, return_id).state == "method_chosen"
    issued = flows.finance.post(
        f"/invoices/{other['id']}/issue",
        json={"fapiao_no": unique_fapiao(), "fapiao_date": str(flows.today)},
    )
    assert issued.status_code == 200, issued.text
    ret = the_return(backend, return_id)
    assert (ret.state, ret.credit_invoice_id, ret.credited_on) == (
        "credited",
        other["id"],
        flows.today,
    )
    assert (ret.amount, ret.tax, ret.total) == (expected.amount, expected.tax, expected.total)


def test_r24c_an_invoice_that_would_go_negative_is_refused(backend: Backend, flows: Flows) -> None:
    blue = blue_invoice(flows)
    return_id, _ = make_return(backend, blue, [(0, 10)], "next_invoice_deduction")
    order = flows.receipted_order(lines=[(1, 1)])
    response = flows.finance.post("/invoices", json={"order_id": order["id"]})
    assert response.status_code == 409, response.text
    problem = response.json()
    assert problem["code"] == "invoice.negative_total"
    assert Decimal(problem["invoiced"]) == Decimal("1111.50")
    assert Decimal(problem["deductions"]) == Decimal("10005.00")
    assert Decimal(problem["total"]) == Decimal("-8893.50")
    assert flows.order(order["id"])["state"] == "receipted"
    assert flows.finance.get("/invoices", params={"order_id": order["id"]}).json() == []
    assert the_return(backend, return_id).state == "method_chosen"


def test_r24a_the_expired_form_task_shows_its_kind_on_the_task_pages(
    backend: Backend, flows: Flows, person: Callable[..., Person]
) -> None:
    blue = blue_invoice(flows)
    made = form(flows, blue, [(1, 2)])
    submitted = step(flows, made["id"], "submit", {}).json()
    expire_run(flows, datetime.fromisoformat(submitted["initiated_at"]) + timedelta(hours=72))
    with backend.db.read() as session:
        task_id = session.scalars(
            select(Task.id).where(
                Task.kind == RED_LETTER_FORM_EXPIRED, Task.subject_id == made["id"]
            )
        ).one()
    finance = person("finance")
    board = text_of(finance.page(f"/web/tasks?kind={RED_LETTER_FORM_EXPIRED}"))
    assert "Red-letter form voided after 72 hours unanswered (R24)" in board
    page = text_of(finance.page(f"/web/tasks/{task_id}"))
    assert "Red-letter form voided after 72 hours unanswered (R24)" in page
    assert f"Red-letter form {made['form_no']}" in page and blue["invoice_no"] in page
    zh = text_of(person("finance", locale="zh").page(f"/web/tasks/{task_id}"))
    assert "红字信息表 72 小时未确认已作废（R24）" in zh and f"红字信息表 {made['form_no']}" in zh


# --- R15 reissue (退回重开) against red invoices, forms and deductions ---------------------------


def over_invoiced_exception(flows: Flows, blue: dict[str, Any]) -> dict[str, Any]:
    """The customer books 8 of item 0 where `blue` says 10: R15 decides a reissue (its
    evidence attached). Every other item is booked as invoiced, return deductions netted."""
    world = flows.world
    net: dict[str, dict[str, Any]] = {}
    for ln in blue["lines"]:
        side = net.setdefault(
            ln["item_code"],
            {"quantity": 0, "amount": Decimal("0"), "tax": Decimal("0"), "price": None},
        )
        side["quantity"] += ln["quantity"]
        side["amount"] += Decimal(ln["amount"])
        side["tax"] += Decimal(ln["tax"])
        side["price"] = side["price"] or ln["unit_price"]
    lines = [
        {
            "item_code": code,
            "quantity": side["quantity"],
            "unit_price": side["price"],
            "amount": str(side["amount"]),
            "tax": str(side["tax"]),
            "discount": "0.00",
        }
        for code, side in net.items()
    ]
    assert lines[0]["item_code"] == world.items[0]
    lines[0] = booked_line(world.items[0], 8, world.prices[world.items[0]])
    [exc] = book(flows, blue, lines)
    assert (exc["kind"], exc["resolution"]) == ("quantity_over_invoiced", "reissue")
    return attach(flows, exc, "signed_receipt_copy", "original_invoice_copy")


def test_r15_a_reissue_after_a_partial_red_invoice_is_refused_and_changes_nothing(
    backend: Backend, flows: Flows
) -> None:
    blue = blue_invoice(flows)
    red = red_invoice(flows, usable_form(flows, blue, [(0, 3)])["id"]).json()
    promised = usable_form(flows, blue, [(1, 1)])
    exc = over_invoiced_exception(flows, blue)

    def state() -> tuple[Any, ...]:
        with backend.db.read() as session:
            events = session.scalar(select(func.count()).select_from(Event))
        return (
            flows.finance.get(f"/invoice-exceptions/{exc['id']}").json(),
            invoice(flows, blue["id"]),
            flows.finance.get("/invoices", params={"order_id": blue["order_id"]}).json(),
            open_receivables(backend, flows),
            events,
        )

    before = state()
    refused = flows.finance.post(f"/invoice-exceptions/{exc['id']}/confirm")
    assert refused.status_code == 409, refused.text
    problem = refused.json()
    assert problem["code"] == "invoice.partly_reversed"
    assert problem["invoice_no"] == blue["invoice_no"]
    assert (problem["red_invoices"], problem["forms"]) == (red["invoice_no"], promised["form_no"])
    assert state() == before
    assert before[1]["state"] == "disputed" and before[1]["reversed_by_id"] is None


def test_r15_the_reissue_red_invoice_names_the_lines_it_reverses(flows: Flows) -> None:
    blue = blue_invoice(flows)
    done = flows.finance.post(
        f"/invoice-exceptions/{over_invoiced_exception(flows, blue)['id']}/confirm"
    )
    assert done.status_code == 200, done.text
    result = done.json()["result"]
    # While the reissue's form is open, it holds every line: no other form takes any of it.
    code = new_form(flows, blue, [(1, 1)]).json()["code"]
    assert code == "red_letter_form.invoice_being_reissued"
    red = flows.reissue_red(result["red_letter_form_id"])
    assert [ln["reverses_line_id"] for ln in red["lines"]] == [ln["id"] for ln in blue["lines"]]
    # Reversed in full: no form may take any of it back.
    code = new_form(flows, blue, [(1, 1)]).json()["code"]
    assert code == "red_letter_form.invoice_not_creditable"


def test_r24c_a_reissue_carries_the_return_deduction_and_credits_the_return_once(
    backend: Backend, flows: Flows
) -> None:
    first = blue_invoice(flows)
    return_id, _ = make_return(backend, first, [(1, 2)], "next_invoice_deduction")
    carrying = blue_invoice(flows)  # issued with the deduction: the return is credited
    [deduction] = [ln for ln in carrying["lines"] if ln["source"] == "return_deduction"]
    assert the_return(backend, return_id).credit_invoice_id == carrying["id"]
    deducted = gross(flows, 1, 2)
    done = flows.finance.post(
        f"/invoice-exceptions/{over_invoiced_exception(flows, carrying)['id']}/confirm"
    )
    assert done.status_code == 200, done.text
    red = flows.reissue_red(done.json()["result"]["red_letter_form_id"])
    corrected = invoice(flows, done.json()["result"]["corrected_invoice_id"])
    assert Decimal(red["total"]) == -Decimal(carrying["total"])
    # The red invoice gives the deducted pieces back to the first invoice's line; the corrected
    # invoice takes them again, with the same money: the return is carried once.
    assert [ln["reverses_line_id"] for ln in red["lines"]] == [
        line_id(carrying, 0),
        line_id(carrying, 1),
        line_id(first, 1),
    ]
    [carried] = [ln for ln in corrected["lines"] if ln["source"] == "return_deduction"]
    for key in ("quantity", "return_id", "reverses_line_id", "amount", "tax", "unit_price"):
        assert carried[key] == deduction[key], key
    # 8 x 1000.50 + 5 x 1111.50 - 2 x 1111.50, tax included.
    assert Decimal(corrected["total"]) == Decimal("11338.50")
    assert Decimal(corrected["total"]) == (
        Decimal(carrying["total"]) - gross(flows, 0, 10).total + gross(flows, 0, 8).total
    )
    response = flows.finance.post(
        f"/invoices/{corrected['id']}/issue",
        json={"fapiao_no": unique_fapiao(), "fapiao_date": str(flows.today)},
    )
    assert response.status_code == 200, response.text
    assert invoice(flows, carrying["id"])["state"] == "voided"
    ret = the_return(backend, return_id)
    assert (ret.state, ret.credit_invoice_id, ret.credited_on) == (
        "credited",
        corrected["id"],
        flows.today,
    )
    assert (ret.amount, ret.tax, ret.total) == (deducted.amount, deducted.tax, deducted.total)
    with backend.db.read() as session:
        credits = session.scalar(
            select(func.count())
            .select_from(Event)
            .where(
                Event.entity_type == "return",
                Event.entity_id == return_id,
                Event.trigger == "credit",
            )
        )
    assert credits == 1
    # The customer owes the first invoice and the corrected one: 15562.50 + 11338.50.
    assert open_receivables(backend, flows) == Decimal("26901.00")
    # The first invoice's line still holds 3: the return is taken back from it once.
    assert new_form(flows, first, [(1, 4)]).json()["code"] == "red_letter_form.exceeds_remaining"
    assert new_form(flows, first, [(1, 3)]).status_code == 201


def test_a_form_drawn_up_late_keeps_its_business_date_not_before_the_fapiao(
    flows: Flows,
) -> None:
    """A red-letter form takes the day it was drawn up; before the blue invoice's fapiao date or
    in the future it is refused naming `business_date`, and no form is made."""
    invoice = blue_invoice(flows)
    early = str(date.fromisoformat(invoice["fapiao_date"]) - timedelta(days=1))
    for day, code in (
        (early, "business_date.before_previous_step"),
        (str(flows.today + timedelta(days=1)), "business_date.in_future"),
    ):
        refused = new_form(flows, invoice, [(0, 1)], business_date=day)
        assert refused.status_code == 422, refused.text
        assert refused.json()["code"] == code
        assert refused.json()["errors"][0]["field"] == "business_date"
    made = new_form(flows, invoice, [(0, 1)], business_date=invoice["fapiao_date"])
    assert made.status_code == 201, made.text
    history = flows.finance.get(f"/red-letter-forms/{made.json()['id']}/history").json()
    assert history[0]["business_date"] == invoice["fapiao_date"]
