"""The event journal (who, when, from, to, payload) and concurrent updates (version column)."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from service.auth.tokens import Actor
from service.errors import Conflict
from service.orders.models import Order
from service.workflow import RowRef
from tests.flows import Flows


def test_history_lists_every_transition_with_who_when_from_to_and_payload(flows: Flows) -> None:
    order = flows.shipped_order()
    body = flows.receipt_body(order)
    assert flows.post_receipt(order["id"], body).status_code == 201
    history = flows.history(order["id"])
    assert [(e["trigger"], e["from_state"], e["to_state"]) for e in history] == [
        ("create", None, "draft"),
        ("approve", "draft", "approved"),
        ("ship", "approved", "shipped"),
        ("post_receipt", "shipped", "receipted"),
    ]
    users = {
        role: flows.logistics.get(
            "/me", headers={"Authorization": f"Bearer {flows.backend.tokens[role]}"}
        ).json()["username"]
        for role in ("sales", "hq", "logistics")
    }
    assert [e["actor"] for e in history] == [
        users["sales"],
        users["hq"],
        users["logistics"],
        users["logistics"],
    ]
    assert history[0]["payload"]["customer_po_no"] == order["customer_po_no"]
    assert history[1]["payload"]["company_order_no"] == order["company_order_no"]
    assert history[3]["payload"]["receipt_no"] == body["receipt_no"]
    times = [e["occurred_at"] for e in history]
    assert times == sorted(times)


def test_the_journal_is_append_only(flows: Flows) -> None:
    order = flows.create_order()
    db = flows.backend.db
    for statement in (
        "UPDATE events SET actor = 'mallory' WHERE entity_id = :id",
        "DELETE FROM events WHERE entity_id = :id",
    ):
        with pytest.raises(DBAPIError, match="append-only"), db.write() as session:
            session.execute(text(statement), {"id": order["id"]})
    assert flows.history(order["id"])[0]["actor"] != "mallory"


def test_a_stale_version_is_refused_with_409(flows: Flows) -> None:
    order = flows.create_order()
    etag = flows.hq.get(f"/orders/{order['id']}").headers["etag"]
    assert (
        flows.sales.post(
            f"/orders/{order['id']}/cancel", json={"reason": "x"}, headers={"If-Match": etag}
        ).status_code
        == 200
    )
    refused = flows.hq.post(f"/orders/{order['id']}/approve", headers={"If-Match": etag})
    assert refused.status_code == 409
    assert refused.json()["errors"][0]["field"] == "If-Match"
    assert flows.order(order["id"])["state"] == "cancelled"


def test_a_concurrent_update_is_caught_by_the_version_column(flows: Flows) -> None:
    order = flows.create_order()
    db = flows.backend.db
    with db.read() as session:
        stale = session.get(Order, order["id"])
    assert stale is not None
    assert flows.hq.post(f"/orders/{order['id']}/approve").status_code == 200
    sales = Actor(user_id=0, username="late", roles=frozenset({"sales"}))
    ctx = flows.backend.runtime.for_actor(sales)
    with pytest.raises(Conflict) as refused, db.write() as session:
        ctx.fire(session, RowRef(Order, stale.id, stale.state, stale.version), "cancel")
    assert refused.value.code == "document.changed_concurrently"
    assert flows.order(order["id"])["state"] == "approved"


def test_two_approvals_at_once_approve_once(flows: Flows) -> None:
    order = flows.create_order()
    barrier = threading.Barrier(3)
    results: list[int] = []

    def approve() -> None:
        with flows.backend.client("hq") as client:
            barrier.wait()
            results.append(client.post(f"/orders/{order['id']}/approve").status_code)

    threads = [threading.Thread(target=approve) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [200, 409, 409]
    approvals = [e for e in flows.history(order["id"]) if e["trigger"] == "approve"]
    assert len(approvals) == 1


def test_a_trigger_answers_with_the_new_version_the_next_if_match_needs(flows: Flows) -> None:
    order = flows.create_order()
    approved = flows.hq.post(f"/orders/{order['id']}/approve")
    etag = flows.hq.get(f"/orders/{order['id']}").headers["etag"]
    assert etag == f'"{approved.json()["version"]}"'
    assert approved.json()["version"] == order["version"] + 1
    cancelled = flows.sales.post(
        f"/orders/{order['id']}/cancel", json={"reason": "x"}, headers={"If-Match": etag}
    )
    assert cancelled.status_code == 200
    assert cancelled.json()["version"] == approved.json()["version"] + 1
