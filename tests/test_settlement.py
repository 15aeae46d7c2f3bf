"""The settlement gate through the API on both databases (R23, R27-R29): a confirmed statement
of signed invoices is settled with its invoices and orders, all or nothing; every condition that
blocks is named with its facts, in words, never just "no"."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import event, select, update

from service.auth.tokens import Actor
from service.journal import Event
from service.masterdata.models import Contract, PowerOfAttorney
from service.settlement import queries
from tests import returns_flows as rf
from tests import settlement_flows as st
from tests import statements_flows as sf
from tests.flows import Flows
from tests.support import Backend, make_world, unique
from tests.test_invoice_exceptions import attach, book, booked_line, confirm
from tests.test_red_letter import red_invoice, usable_form


def triggers(backend: Backend, machine: str, entity_id: int) -> list[str]:
    with backend.db.read() as session:
        return list(
            session.scalars(
                select(Event.trigger)
                .where(Event.entity_type == machine, Event.entity_id == entity_id)
                .order_by(Event.id)
            )
        )


def state(flows: Flows, path: str) -> str:
    return str(st.ok(flows.finance.get(path))["state"])


def test_r23_a_confirmed_statement_of_signed_invoices_is_settled_with_its_invoices_and_orders(
    backend: Backend, flows: Flows
) -> None:
    statement_no, invoices = st.confirmed(flows, 2)
    holder = st.attorney(flows)
    found = st.check(flows, statement_no)
    assert (found["settleable"], found["blockers"], found["state"]) == (True, [], "confirmed")
    assert found["attorney"]["id"] == holder["id"]
    assert [i["settleable"] for i in found["invoices"]] == [True, True]
    assert Decimal(found["amount"]) == sum(Decimal(i["total"]) for i in invoices)
    made = st.ok(
        st.settle(flows, statement_no, note="collected by Wang"),
    )
    assert made["statement_no"] == statement_no
    assert sorted(made["invoices"]) == sorted(i["invoice_no"] for i in invoices)
    assert (made["attorney_id"], made["attorney_name"]) == (holder["id"], holder["attorney_name"])
    assert made["day"] == str(flows.today) and made["note"] == "collected by Wang"
    assert state(flows, f"/statements/{statement_no}") == "settled"
    for invoice in invoices:
        assert state(flows, f"/invoices/{invoice['id']}") == "settled"
        assert state(flows, f"/orders/{invoice['order_id']}") == "settled"
        assert triggers(backend, "order", invoice["order_id"])[-1] == "settle"
    after = st.check(flows, statement_no)
    assert after["settleable"] is False
    assert [(i["settled"], i["settlement_no"]) for i in after["invoices"]] == [
        (True, made["settlement_no"])
    ] * 2
    again = st.settle(flows, statement_no)
    st.problem(again, 409, "workflow.trigger_not_allowed")


def test_r23_a_statement_not_confirmed_blocks_every_invoice_and_settles_nothing(
    flows: Flows,
) -> None:
    statement_no, invoices = st.drafted(flows, 2)
    st.send(flows, statement_no)
    st.attorney(flows)
    found = st.check(flows, statement_no)
    assert found["settleable"] is False
    [blocker] = found["blockers"]
    assert (blocker["code"], blocker["rule"], blocker["facts"]) == (
        "settlement.statement_not_confirmed",
        "R23",
        {"statement_no": statement_no, "statement_state": "sent"},
    )
    assert blocker["detail"] == (
        f"statement {statement_no} is Sent: its invoices are settled only once both sides "
        "confirmed it"
    )
    assert [st.codes(i["blockers"]) for i in found["invoices"]] == [
        ["settlement.statement_not_confirmed"]
    ] * 2
    zh = flows.sales.get(
        f"/statements/{statement_no}/settlement", headers={"Accept-Language": "zh-CN"}
    )
    assert "已发送" in zh.json()["blockers"][0]["detail"]
    refused = st.problem(st.settle(flows, statement_no), 409, "settlement.statement_blocked")
    assert (refused["count"], st.codes(refused["blockers"])) == (
        1,
        ["settlement.statement_not_confirmed"],
    )
    assert refused["blockers"][0]["invoice_no"] is None
    assert state(flows, f"/statements/{statement_no}") == "sent"
    assert [state(flows, f"/invoices/{i['id']}") for i in invoices] == ["signed", "signed"]


def test_r23_an_invoice_not_signed_by_the_customer_blocks_the_whole_statement(
    flows: Flows,
) -> None:
    statement_no, (first, second) = st.drafted(flows, 2, sign=False)
    st.signed(flows, first)
    st.ok(flows.sales.post(f"/invoices/{second['id']}/send", json={"sent_on": str(flows.today)}))
    st.send(flows, statement_no)
    st.confirm(flows, statement_no)
    st.attorney(flows)
    found = st.check(flows, statement_no)
    assert found["blockers"] == []
    ready, waiting = found["invoices"]
    assert (ready["invoice_no"], ready["settleable"]) == (first["invoice_no"], True)
    [blocker] = waiting["blockers"]
    assert (blocker["code"], blocker["facts"]) == (
        "settlement.invoice_not_signed",
        {
            "invoice_id": second["id"],
            "invoice_no": second["invoice_no"],
            "invoice_state": "sent",
            "sent_on": str(flows.today),
        },
    )
    refused = st.problem(st.settle(flows, statement_no), 409, "settlement.statement_blocked")
    assert [(b["invoice_no"], b["code"]) for b in refused["blockers"]] == [
        (second["invoice_no"], "settlement.invoice_not_signed")
    ]
    # All or nothing: the signed invoice is not settled either.
    assert state(flows, f"/invoices/{first['id']}") == "signed"
    st.signed(flows, second, send=False)
    st.ok(st.settle(flows, statement_no))
    assert state(flows, f"/invoices/{second['id']}") == "settled"


def test_r23_a_disputed_invoice_blocks_until_resolved_and_signed(flows: Flows) -> None:
    statement_no, [invoice] = st.confirmed(flows, 1, sign=False)
    st.attorney(flows)
    world = flows.world
    lower = world.prices[world.items[1]] - Decimal("50.00")
    [exception] = book(
        flows,
        invoice,
        [
            booked_line(world.items[0], 2, world.prices[world.items[0]]),
            booked_line(world.items[1], 1, lower),
        ],
    )
    found = st.invoice_check(flows, invoice["id"])
    assert st.codes(found["blockers"]) == [
        "settlement.invoice_disputed",
        "settlement.invoice_exception_open",
    ]
    assert found["blockers"][1]["facts"] == {
        "invoice_id": invoice["id"],
        "invoice_no": invoice["invoice_no"],
        "exception_id": exception["id"],
        "exception_kind": "price_mismatch",
    }
    attach(flows, exception, "contract_price_agreement")
    confirm(flows, exception, role="hq")
    resolved = st.invoice_check(flows, invoice["id"])
    assert (resolved["state"], st.codes(resolved["blockers"])) == (
        "resolved",
        ["settlement.signature_missing"],
    )
    st.signed(flows, invoice, send=False)  # the customer signs for the resolved invoice
    assert st.invoice_check(flows, invoice["id"])["settleable"] is True
    st.ok(st.settle(flows, statement_no))
    assert state(flows, f"/invoices/{invoice['id']}") == "settled"


def test_r23_an_invoice_on_no_statement_is_not_settled(flows: Flows) -> None:
    invoice = st.signed(flows, flows.issued_invoice(flows.receipted_order()["id"]))
    st.attorney(flows)
    found = st.invoice_check(flows, invoice["id"])
    assert (found["statement_no"], st.codes(found["blockers"])) == (
        None,
        ["settlement.not_on_statement"],
    )
    refused = flows.finance.post(f"/invoices/{invoice['id']}/settle", json={})
    st.problem(refused, 409, "settlement.invoice_blocked")
    st.problem(
        flows.sales.get("/invoices/2000000000/settlement"), 404, "settlement.invoice_not_found"
    )


def test_r23_one_invoice_is_settled_alone_and_the_statement_with_its_last_invoice(
    backend: Backend, flows: Flows
) -> None:
    statement_no, (first, second) = st.confirmed(flows, 2)
    st.attorney(flows)
    path = f"/invoices/{first['id']}/settle"
    version = st.ok(flows.finance.get(f"/invoices/{first['id']}"))["version"]
    stale = flows.finance.post(path, json={}, headers={"If-Match": f'"{version + 5}"'})
    st.problem(stale, 409, "document.version_mismatch")
    future = flows.finance.post(path, json={"day": str(flows.today + timedelta(days=1))})
    st.problem(future, 422, "settlement.day_in_future")
    key = {"Idempotency-Key": f"settle-{first['id']}"}
    one = st.ok(flows.finance.post(path, json={"note": "first"}, headers=key))
    replay = flows.finance.post(path, json={"note": "first"}, headers=key)
    assert replay.headers["Idempotent-Replayed"] == "true"
    assert replay.json()["settlement_no"] == one["settlement_no"]
    assert one["invoices"] == [first["invoice_no"]]
    assert state(flows, f"/statements/{statement_no}") == "confirmed"
    found = st.check(flows, statement_no)
    assert (found["settleable"], Decimal(found["amount"])) == (True, Decimal(second["total"]))
    assert [(i["settled"], i["settlement_no"]) for i in found["invoices"]] == [
        (True, one["settlement_no"]),
        (False, None),
    ]
    again = st.problem(flows.finance.post(path, json={}), 409, "settlement.invoice_blocked")
    assert st.codes(again["blockers"]) == ["settlement.already_settled"]
    last = st.ok(flows.finance.post(f"/invoices/{second['id']}/settle", json={}))
    assert state(flows, f"/statements/{statement_no}") == "settled"
    assert triggers(backend, "statement", found_id(flows, statement_no))[-1] == "settle"
    settlements = st.check(flows, statement_no)["settlements"]
    assert [s["settlement_no"] for s in settlements] == [
        one["settlement_no"],
        last["settlement_no"],
    ]
    forbidden = flows.sales.post(f"/statements/{statement_no}/settle", json={})
    assert forbidden.status_code == 403


def found_id(flows: Flows, statement_no: str) -> int:
    return int(st.ok(flows.sales.get(f"/statements/{statement_no}"))["id"])


def test_r27_no_contract_in_force_on_the_day_blocks_settlement_until_renewed(
    backend: Backend, flows: Flows
) -> None:
    statement_no, _ = st.confirmed(flows, 1)
    st.attorney(flows)
    contract = st.ok(flows.hq.get(f"/contracts/{flows.world.contract}"))
    valid_to = date.fromisoformat(contract["valid_to"])
    later = valid_to + timedelta(days=1)
    found = st.check(flows, statement_no, on=str(later))
    expired = next(b for b in found["blockers"] if b["code"] == "settlement.contract_expired")
    assert (expired["rule"], expired["facts"]) == (
        "R27",
        {
            "customer_code": flows.world.customer,
            "day": str(later),
            "contract_no": flows.world.contract,
            "valid_to": str(valid_to),
        },
    )
    assert f"expired on {valid_to}" in expired["detail"]
    # The customer's renewed contract covers the day: the order's own contract need not.
    renewal = {
        "customer_code": flows.world.customer,
        "contract_no": unique("HT"),
        "valid_from": str(later),
        "valid_to": str(later + timedelta(days=365)),
        "prices": [{"item_code": c, "unit_price": str(p)} for c, p in flows.world.prices.items()],
    }
    st.ok(flows.hq.post("/contracts", json=renewal), 201)
    renewed = st.check(flows, statement_no, on=str(later))
    # The power of attorney ended with the old contract (R28): still nobody may collect.
    assert st.codes(renewed["blockers"]) == ["settlement.no_attorney"]
    # The contract ends before today (shortened here as if it had expired): settling is refused.
    with backend.db.write() as session:
        session.execute(
            update(Contract)
            .where(Contract.contract_no == flows.world.contract)
            .values(valid_to=flows.today - timedelta(days=1))
        )
    refused = st.problem(st.settle(flows, statement_no), 409, "settlement.statement_blocked")
    assert "settlement.contract_expired" in st.codes(refused["blockers"])
    assert state(flows, f"/statements/{statement_no}") == "confirmed"


def test_r28_the_power_of_attorney_of_the_person_collecting_must_be_valid_that_day(
    backend: Backend, flows: Flows
) -> None:
    statement_no, _ = st.confirmed(flows, 1)
    customer = flows.world.customer
    none = st.check(flows, statement_no)
    assert [(b["code"], b["rule"], b["facts"]) for b in none["blockers"]] == [
        ("settlement.no_attorney", "R28", {"customer_code": customer, "day": str(flows.today)})
    ]
    reconciler = st.attorney(flows, scope=("reconcile",))
    assert st.codes(st.check(flows, statement_no)["blockers"]) == ["settlement.no_attorney"]
    scoped = st.check(flows, statement_no, attorney=reconciler["id"])
    assert [(b["code"], b["facts"]["scope"]) for b in scoped["blockers"]] == [
        ("settlement.attorney_scope", ["reconcile"])
    ]
    zh = flows.sales.get(
        f"/statements/{statement_no}/settlement",
        params={"attorney": reconciler["id"]},
        headers={"Accept-Language": "zh"},
    )
    assert "对账" in zh.json()["blockers"][0]["detail"]
    lapsed = st.attorney(
        flows,
        valid_from=str(flows.today - timedelta(days=30)),
        valid_to=str(flows.today - timedelta(days=1)),
    )
    outdated = st.check(flows, statement_no, attorney=lapsed["id"])
    assert [(b["code"], b["facts"]["valid_to"]) for b in outdated["blockers"]] == [
        ("settlement.attorney_not_valid", str(flows.today - timedelta(days=1)))
    ]
    refused = st.settle(flows, statement_no, attorney_id=lapsed["id"])
    assert st.codes(st.problem(refused, 409, "settlement.statement_blocked")["blockers"]) == [
        "settlement.attorney_not_valid"
    ]
    holder = st.attorney(flows)
    valid = st.check(flows, statement_no)
    assert (valid["settleable"], valid["attorney"]["id"]) == (True, holder["id"])
    revoke = {"reason": "left the company"}
    st.ok(flows.hq.post(f"/powers-of-attorney/{holder['id']}/revoke", json=revoke))
    revoked = st.check(flows, statement_no, attorney=holder["id"])
    assert [(b["code"], b["facts"]["reason"]) for b in revoked["blockers"]] == [
        ("settlement.attorney_revoked", "left the company")
    ]
    assert st.codes(st.check(flows, statement_no)["blockers"]) == ["settlement.no_attorney"]
    # The person changes (R28): the successor collects, the replaced one is revoked.
    successor = {
        "attorney_name": "Zhao Min",
        "phone": "139 0000 0002",
        "scope": ["collect"],
        "reason": "the account manager changed",
    }
    path = f"/powers-of-attorney/{reconciler['id']}/replace"
    new = st.ok(flows.hq.post(path, json=successor), 201)
    assert st.check(flows, statement_no)["attorney"]["id"] == new["id"]
    # Longer than its contract (a record from before the rule): not valid for collecting.
    contract = st.ok(flows.hq.get(f"/contracts/{flows.world.contract}"))
    with backend.db.write() as session:
        session.execute(
            update(PowerOfAttorney)
            .where(PowerOfAttorney.id == new["id"])
            .values(valid_to=date.fromisoformat(contract["valid_to"]) + timedelta(days=10))
        )
    beyond = st.check(flows, statement_no, attorney=new["id"])
    assert [(b["code"], b["facts"]["contract_no"]) for b in beyond["blockers"]] == [
        ("settlement.attorney_beyond_contract", flows.world.contract)
    ]
    assert st.codes(st.check(flows, statement_no)["blockers"]) == ["settlement.no_attorney"]
    other = make_world(backend.db, today=flows.today)
    theirs = st.ok(
        flows.hq.post(
            f"/customers/{other.customer}/powers-of-attorney",
            json={"attorney_name": "Sun Li", "phone": "137 0000 0003", "scope": ["collect"]},
        ),
        201,
    )
    foreign = st.check(flows, statement_no, attorney=theirs["id"])
    assert st.codes(foreign["blockers"]) == ["settlement.attorney_other_customer"]
    unknown = flows.sales.get(
        f"/statements/{statement_no}/settlement", params={"attorney": 2_000_000_000}
    )
    assert st.problem(unknown, 422, "settlement.attorney_unknown")["errors"][0]["field"] == (
        "attorney"
    )


def test_r29_an_open_defective_return_or_disputed_line_blocks_until_settled_with_the_customer(
    flows: Flows,
) -> None:
    statement_no, (first, second) = st.drafted(flows, 2)
    st.send(flows, statement_no)
    lines = st.ok(flows.sales.get(f"/statements/{statement_no}"))["current"]["lines"]["invoice"]
    line = next(ln for ln in lines if ln["source_id"] == second["id"])
    dispute = {"lines": [{"line_id": line["id"], "reason": "two units short"}]}
    disputed = st.ok(flows.sales.post(f"/statements/{statement_no}/dispute", json=dispute))
    [opened] = disputed["disputes"]
    redraft = {"reason": "sent again while finance looks at the short units"}
    st.ok(flows.sales.post(f"/statements/{statement_no}/redraft", json=redraft))
    st.send(flows, statement_no)
    st.confirm(flows, statement_no)
    st.attorney(flows)
    faulty = rf.requested(flows, first, [(1, 1)], reason="defective")
    rf.requested(flows, second, [(1, 1)], reason="wrong_model")  # not R29's: blocks nothing
    found = st.check(flows, statement_no)
    assert found["blockers"] == []
    blocked = {i["invoice_no"]: i["blockers"] for i in found["invoices"]}
    [returned] = blocked[first["invoice_no"]]
    assert (returned["code"], returned["rule"], returned["facts"]) == (
        "settlement.return_open",
        "R29",
        {
            "return_id": faulty["id"],
            "return_no": faulty["return_no"],
            "return_reason": "defective",
            "return_state": "requested",
            "invoice_id": first["id"],
            "invoice_no": first["invoice_no"],
        },
    )
    [line_dispute] = blocked[second["invoice_no"]]
    assert (line_dispute["code"], line_dispute["facts"]["dispute_id"]) == (
        "settlement.line_disputed",
        opened["id"],
    )
    zh = flows.sales.get(
        f"/invoices/{first['id']}/settlement", headers={"Accept-Language": "zh-CN"}
    )
    assert "残次品" in zh.json()["blockers"][0]["detail"]
    refused = st.problem(st.settle(flows, statement_no), 409, "settlement.statement_blocked")
    assert sorted((b["invoice_no"], b["code"]) for b in refused["blockers"]) == sorted(
        [
            (first["invoice_no"], "settlement.return_open"),
            (second["invoice_no"], "settlement.line_disputed"),
        ]
    )
    reject = {"note": "the units were delivered: see the signed receipt"}
    st.ok(flows.finance.post(f"/statement-disputes/{opened['id']}/reject", json=reject))
    st.ok(flows.sales.post(f"/returns/{faulty['id']}/cancel", json={"reason": "repaired"}))
    st.ok(st.settle(flows, statement_no))


def test_r29_a_defective_return_its_statement_lists_blocks_every_invoice_on_it(
    flows: Flows,
) -> None:
    due = flows.today + timedelta(days=10)
    first, second = (st.signed(flows, sf.invoice_due(flows, due, lines=[(0, 2)])) for _ in range(2))
    slow = rf.requested(flows, first, [(1, 1)], reason="slow_moving")
    sf.run(flows.backend, due)
    [listed] = [s for s in sf.statements(flows) if s["settlement_date"] == str(due)]
    statement_no = listed["statement_no"]
    st.send(flows, statement_no)
    st.confirm(flows, statement_no)
    st.attorney(flows)
    found = st.check(flows, statement_no)
    [shared] = found["blockers"]
    assert (shared["code"], shared["facts"]["return_no"], shared["facts"]["statement_no"]) == (
        "settlement.statement_return_open",
        slow["return_no"],
        statement_no,
    )
    # Named once per invoice, as the statement's: not again as the first invoice's own.
    assert [st.codes(i["blockers"]) for i in found["invoices"]] == [
        ["settlement.statement_return_open"]
    ] * 2
    assert second["id"] in [i["invoice_id"] for i in found["invoices"]]


def test_a_suspended_customer_blocks_settlement_until_reactivated(flows: Flows) -> None:
    statement_no, _ = st.confirmed(flows, 1)
    st.attorney(flows)
    path = f"/customers/{flows.world.customer}"
    st.ok(flows.hq.post(f"{path}/suspend", json={"reason": "payments overdue"}))
    found = st.check(flows, statement_no)
    assert [(b["code"], b["facts"]["customer_state"]) for b in found["blockers"]] == [
        ("settlement.customer_suspended", "suspended")
    ]
    st.ok(flows.hq.post(f"{path}/reactivate", json={"reason": "paid"}))
    assert st.check(flows, statement_no)["settleable"] is True


def test_checking_a_statement_takes_the_same_queries_for_two_invoices_or_six(
    backend: Backend, flows: Flows
) -> None:
    small, _ = st.confirmed(flows, 2)
    other = Flows(backend, make_world(backend.db, today=flows.today))
    large, _ = st.confirmed(other, 6)
    actor = Actor(user_id=0, username="reader", roles=frozenset({"finance"}))
    ctx = backend.runtime.for_actor(actor)
    counted = []
    for statement_no in (small, large):
        seen: list[str] = []
        count = seen.append

        def sql(*args: Any, count: Any = count) -> None:
            count(args[2])

        event.listen(backend.db.engine, "before_cursor_execute", sql)
        try:
            with backend.db.write() as session:  # on the engine listened to
                answer = queries.statement(session, ctx, statement_no=statement_no)
        finally:
            event.remove(backend.db.engine, "before_cursor_execute", sql)
        assert answer.settleable is False  # nobody may collect yet
        counted.append(len(seen))
    assert 0 < counted[0] == counted[1] < 20


def test_r23_a_statement_and_its_invoice_settled_at_the_same_moment_are_settled_once(
    backend: Backend, flows: Flows
) -> None:
    statement_no, (first, _second) = st.confirmed(flows, 2)
    st.attorney(flows)
    finance = [backend.client("finance") for _ in range(2)]
    calls = [
        (finance[0], f"/statements/{statement_no}/settle"),
        (finance[1], f"/invoices/{first['id']}/settle"),
    ]
    try:
        with ThreadPoolExecutor(max_workers=2) as pool:
            answers = list(pool.map(lambda call: call[0].post(call[1], json={}), calls))
    finally:
        for client in finance:
            client.close()
    assert sorted(a.status_code for a in answers)[0] == 200, [a.text for a in answers]
    assert all(a.status_code in {200, 409} for a in answers), [a.text for a in answers]
    found = st.check(flows, statement_no)
    assert found["state"] == "settled"
    numbers = [i["settlement_no"] for i in found["invoices"]]
    made = {s["settlement_no"]: s["invoices"] for s in found["settlements"]}
    assert all(numbers) and set(numbers) == set(made)
    assert sorted(n for invoices in made.values() for n in invoices) == sorted(
        i["invoice_no"] for i in found["invoices"]
    )


def test_r23_a_settled_invoice_taken_back_in_full_by_a_red_invoice_is_voided(
    flows: Flows,
) -> None:
    statement_no, [invoice] = st.confirmed(flows, 1)
    st.attorney(flows)
    st.ok(st.settle(flows, statement_no))
    assert state(flows, f"/invoices/{invoice['id']}") == "settled"
    form = usable_form(flows, invoice, [(0, 2), (1, 1)])
    assert red_invoice(flows, form["id"]).status_code == 201
    assert state(flows, f"/invoices/{invoice['id']}") == "voided"


def test_r23_an_invoice_voided_after_confirmation_owes_nothing_and_holds_up_nothing(
    flows: Flows,
) -> None:
    statement_no, (voided, kept) = st.confirmed(flows, 2)
    st.attorney(flows)
    form = usable_form(flows, voided, [(0, 2), (1, 1)])
    assert red_invoice(flows, form["id"]).status_code == 201
    found = st.check(flows, statement_no)
    rows = {i["invoice_no"]: i for i in found["invoices"]}
    assert st.codes(rows[voided["invoice_no"]]["blockers"]) == ["settlement.invoice_gone"]
    assert (found["settleable"], Decimal(found["amount"])) == (True, Decimal(kept["total"]))
    made = st.ok(st.settle(flows, statement_no))
    assert made["invoices"] == [kept["invoice_no"]]
    assert state(flows, f"/invoices/{voided['id']}") == "voided"
    assert state(flows, f"/statements/{statement_no}") == "settled"
