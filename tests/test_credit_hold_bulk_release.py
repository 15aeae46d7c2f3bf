"""Finance releases many credit holds at once with one reason (R4, R30, R32): all or none, each
order numbered and journalled with the reason; the API and the page, on both databases."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx

from tests.flows import Flows
from tests.pages import Person, text_of
from tests.support import unique
from tests.test_credit import limited_customer

PATH = "/orders/credit-holds/release"
People = Callable[..., Person]


def held_orders(flows: Flows, count: int) -> list[dict[str, Any]]:
    """`count` orders of one customer put on credit hold (each over its 10,000.00 limit)."""
    customer = limited_customer(flows.backend.db, flows.world, flows.today, credit_limit="10000")
    held = []
    for _ in range(count):
        order = flows.create_order(customer_code=customer)
        response = flows.hq.post(f"/orders/{order['id']}/approve")
        assert response.json()["state"] == "on_credit_hold", response.text
        held.append(dict(response.json()))
    return held


def still_held(flows: Flows, orders: list[dict[str, Any]]) -> None:
    for order in orders:
        assert flows.order(order["id"])["state"] == "on_credit_hold"
        assert flows.history(order["id"])[-1]["trigger"] == "hold_for_credit"


def refusal(response: httpx.Response, status: int) -> tuple[str, str]:
    assert response.status_code == status, response.text
    problem = response.json()
    return problem["code"], problem["errors"][0]["field"]


def test_r4_finance_releases_a_selection_with_one_reason(flows: Flows) -> None:
    orders = held_orders(flows, 3)
    listed = flows.finance.get("/orders/credit-holds").json()
    assert {o["id"] for o in orders} <= {o["id"] for o in listed}
    reason = "the customer paid its open invoices in advance"
    body = {"order_ids": [o["id"] for o in orders], "reason": reason}
    headers = {"Idempotency-Key": unique("bulk")}
    response = flows.finance.post(PATH, json=body, headers=headers)
    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["released"] == 3
    numbers = [o["company_order_no"] for o in answer["orders"]]
    assert len(set(numbers)) == 3 and all(n.startswith(f"SO{flows.today.year}") for n in numbers)
    for order, number in zip(orders, numbers, strict=True):
        assert flows.order(order["id"])["state"] == "approved"
        last = flows.history(order["id"])[-1]
        assert (last["trigger"], last["from_state"], last["to_state"]) == (
            "release_credit",
            "on_credit_hold",
            "approved",
        )
        assert last["payload"] == {"reason": reason, "company_order_no": number}
    replay = flows.finance.post(PATH, json=body, headers=headers)
    assert replay.headers["Idempotent-Replayed"] == "true"
    assert replay.json() == answer
    assert not {o["id"] for o in orders} & {
        o["id"] for o in flows.finance.get("/orders/credit-holds").json()
    }


def test_r4_one_order_that_cannot_be_released_refuses_the_selection_by_its_place(
    flows: Flows,
) -> None:
    orders = held_orders(flows, 2)
    ids = [o["id"] for o in orders]
    approved = flows.approved_order()
    reason = {"reason": "advance payment"}

    code, field = refusal(
        flows.finance.post(PATH, json={"order_ids": [*ids, approved["id"]], **reason}), 409
    )
    assert (code, field) == ("order.not_on_credit_hold", "order_ids[2]")
    code, field = refusal(
        flows.finance.post(PATH, json={"order_ids": [ids[0], 2**31 - 2, ids[1]], **reason}), 404
    )
    assert (code, field) == ("order.not_found", "order_ids[1]")
    code, field = refusal(
        flows.finance.post(PATH, json={"order_ids": [ids[0], ids[1], ids[0]], **reason}), 422
    )
    assert (code, field) == ("order.selected_twice", "order_ids[2]")
    # Changed meanwhile: the version finance saw is no longer the order's.
    stale = {"order_ids": ids, "versions": [orders[0]["version"], orders[1]["version"] - 1]}
    code, field = refusal(flows.finance.post(PATH, json={**stale, **reason}), 409)
    assert (code, field) == ("order.changed_meanwhile", "order_ids[1]")
    short = {"order_ids": ids, "versions": [orders[0]["version"]]}
    assert refusal(flows.finance.post(PATH, json={**short, **reason}), 422)[1] == "versions"
    still_held(flows, orders)

    # Bounded: at least one, at most 500, a reason.
    for bad, where in (
        ({"order_ids": [], **reason}, "order_ids"),
        ({"order_ids": list(range(1, 502)), **reason}, "order_ids"),
        ({"order_ids": ids, "reason": "  "}, "reason"),
        ({"order_ids": [0], **reason}, "order_ids[0]"),
    ):
        assert refusal(flows.finance.post(PATH, json=bad), 422)[1] == where
    still_held(flows, orders)

    seen = {"order_ids": ids, "versions": [o["version"] for o in orders], **reason}
    assert flows.finance.post(PATH, json=seen).status_code == 200
    assert [flows.order(i)["state"] for i in ids] == ["approved", "approved"]


def test_r4_a_guard_refusal_names_the_order_and_releases_none(flows: Flows) -> None:
    orders = held_orders(flows, 2)
    other = held_orders(flows, 1)
    suspended = flows.hq.post(
        f"/customers/{other[0]['customer_code']}/suspend", json={"reason": "audit"}
    )
    assert suspended.status_code == 200, suspended.text
    body = {"order_ids": [orders[0]["id"], other[0]["id"]], "reason": "advance payment"}
    code, field = refusal(flows.finance.post(PATH, json=body), 409)
    assert (code, field) == ("order.customer_inactive", "order_ids[1]")
    still_held(flows, [*orders, *other])


def test_only_finance_releases_a_selection(flows: Flows) -> None:
    orders = held_orders(flows, 1)
    body = {"order_ids": [orders[0]["id"]], "reason": "HQ vouches for the customer"}
    for role in ("hq", "sales", "logistics"):
        response = getattr(flows, role).post(PATH, json=body)
        assert response.status_code == 403, response.text
        assert response.json()["required_roles"] == ["finance"]
    still_held(flows, orders)


def test_r4_the_credit_holds_page_releases_the_ticked_orders(flows: Flows, person: People) -> None:
    orders = held_orders(flows, 3)
    finance = person("finance")
    assert 'href="/web/orders/credit-holds"' in finance.page("/web")
    assert 'href="/web/orders/credit-holds"' not in person("sales").page("/web")
    page = finance.page("/web/orders/credit-holds")
    for order in orders:
        assert f'id="hold-{order["id"]}"' in page
    zh = text_of(person("finance", locale="zh").page("/web/orders/credit-holds"))
    assert "信用冻结中的订单" in zh and "解除所选订单的信用冻结" in zh
    action = "/web/orders/credit-holds/release"

    # Nothing ticked, or no reason: refused on the page, nothing released.
    form = finance.form("/web/orders/credit-holds", action)
    refused = finance.send(form, {"reason": "advance payment"})
    assert refused.status_code == 422, text_of(refused.text)[:500]
    form = finance.form("/web/orders/credit-holds", action)
    form.fields += [("order", f"{o['id']}:{o['version']}") for o in orders[:2]]
    refused = finance.send(form, {"reason": ""})
    assert refused.status_code == 422
    assert refused.text.count(" checked") >= 2  # the ticks are kept
    still_held(flows, orders)

    # A stale tick (changed meanwhile) is shown on its row.
    form = finance.form("/web/orders/credit-holds", action)
    form.fields += [("order", f"{orders[0]['id']}:{orders[0]['version'] + 5}")]
    refused = finance.send(form, {"reason": "advance payment"})
    assert refused.status_code == 409
    assert "was changed meanwhile" in text_of(refused.text)
    still_held(flows, orders)

    form = finance.form("/web/orders/credit-holds", action)
    form.fields += [("order", f"{o['id']}:{o['version']}") for o in orders[:2]]
    done = finance.send(form, {"reason": "advance payment received"})
    assert done.status_code == 303, text_of(done.text)[:500]
    assert finance.send(form, {"reason": "advance payment received"}).status_code == 303
    for order in orders[:2]:
        assert flows.order(order["id"])["state"] == "approved"
        assert flows.history(order["id"])[-1]["payload"]["reason"] == "advance payment received"
    still_held(flows, orders[2:])
    shown = finance.page(done.headers["location"])
    assert "credit holds are released" in text_of(shown)
    assert f'id="hold-{orders[2]["id"]}"' in shown and f'id="hold-{orders[0]["id"]}"' not in shown
