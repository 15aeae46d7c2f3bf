"""Master data kept by HQ over the API: customers and contracts changed through their lifecycles
and journalled with before and after (R27), powers of attorney within their contracts (R28)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx

from service.masterdata import queries
from service.masterdata.models import Customer
from tests.flows import Flows, customer_body
from tests.support import make_world, unique


def _ok(response: httpx.Response, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, response.text
    return dict(response.json())


def _refused(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    problem = dict(response.json())
    assert problem["code"] == code, problem
    return problem


def _customer(flows: Flows, code: str | None = None) -> tuple[dict[str, Any], str]:
    response = flows.sales.get(f"/customers/{code or flows.world.customer}")
    return _ok(response), response.headers["ETag"]


def _customer_body(customer: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """What HQ sends back: the customer as read, changed."""
    return customer_body(customer) | changes


def _contract(flows: Flows, contract_no: str | None = None) -> tuple[dict[str, Any], str]:
    response = flows.sales.get(f"/contracts/{contract_no or flows.world.contract}")
    return _ok(response), response.headers["ETag"]


def _contract_body(contract: dict[str, Any], **changes: Any) -> dict[str, Any]:
    fields = ("valid_from", "valid_to", "discount_rate", "rebate_terms", "prices")
    return {name: contract[name] for name in fields} | changes


def _day(flows: Flows, days: int) -> str:
    return str(flows.today + timedelta(days=days))


def test_hq_changes_a_customer_and_the_journal_keeps_before_and_after(flows: Flows) -> None:
    customer, etag = _customer(flows)
    assert (customer["state"], customer["version"], etag) == ("active", 1, '"1"')
    assert customer["allowed_triggers"] == [
        "update",
        "change_terms",
        "suspend",
        "hand_over_to_legal",
    ]
    body = _customer_body(
        customer,
        credit_limit="2500000",
        grade="A",
        warehouses=[
            {"code": "DC1", "name": "main DC, Jiading", "address": "Road 1"},
            {"code": "DC2", "name": "second DC", "address": ""},
            {"code": "DC3", "name": "new DC", "address": ""},
        ],
    )
    changed = _ok(
        flows.hq.put(f"/customers/{customer['code']}", json=body, headers={"If-Match": etag})
    )
    assert (changed["version"], changed["credit_limit"], changed["grade"]) == (2, "2500000.00", "A")
    assert [w["code"] for w in changed["warehouses"]] == ["DC1", "DC2", "DC3"]
    assert changed == _customer(flows)[0]  # an update answers what a read returns

    events = flows.finance.get(f"/customers/{customer['code']}/history").json()
    assert [(e["trigger"], e["from_state"], e["to_state"]) for e in events] == [
        ("create", None, "active"),
        ("update", "active", "active"),
    ]
    assert events[1]["payload"]["changes"] == {
        "credit_limit": {"before": "1000000.00", "after": "2500000.00"},
        "grade": {"before": "B", "after": "A"},
        "warehouses": {
            "before": {"DC1": {"name": "main DC", "address": ""}},
            "after": {
                "DC1": {"name": "main DC, Jiading", "address": "Road 1"},
                "DC3": {"name": "new DC", "address": ""},
            },
        },
    }
    # Sending back what was read changes nothing and journals nothing.
    same = _ok(flows.hq.put(f"/customers/{customer['code']}", json=_customer_body(changed)))
    assert same["version"] == 2


def test_a_customers_tax_number_is_recorded_changed_and_a_malformed_one_changes_nothing(
    flows: Flows,
) -> None:
    code = unique("TX")[:32]
    body = {
        "code": code,
        "name": "Tax Chain",
        "tax_no": " 91310114MA1HDQ001L ",  # trimmed where it enters
        "grade": "B",
        "credit_limit": "1000",
        "payment_term_days": 30,
        "settlement_kind": "term_from_receipt",
    }
    created = _ok(flows.hq.post("/customers", json=body), 201)
    assert created["tax_no"] == "91310114MA1HDQ001L"
    customer, etag = _customer(flows, code)
    assert customer == created
    assert _customer(flows)[0]["tax_no"] == ""  # none recorded: empty

    # A malformed number is refused naming the field, in the reader's words; nothing is made.
    for malformed, why in (
        ("91310114ma1hdq001l", "input.tax_number"),  # lower case
        ("91310114MA1HDQ00IL", "input.tax_number"),  # I is no character of a credit code
        ("1234567890123456", "input.tax_number"),  # 16 characters
        ("9" * 21, "input.string_too_long"),  # longer than the column
    ):
        other = body | {"code": unique("TX")[:32], "tax_no": malformed}
        problem = _refused(flows.hq.post("/customers", json=other), 422, "input.invalid_fields")
        assert [(e["field"], e["code"]) for e in problem["errors"]] == [("tax_no", why)]
        _refused(flows.sales.get(f"/customers/{other['code']}"), 404, "customer.not_found")
    zh = flows.hq.put(
        f"/customers/{code}",
        json=_customer_body(customer, tax_no="91310114MA1HDQ001L9"),  # 19 characters
        headers={"Accept-Language": "zh-CN"},
    )
    assert "统一社会信用代码" in _refused(zh, 422, "input.invalid_fields")["errors"][0]["reason"]
    assert _customer(flows, code) == (customer, etag)

    # An older 15-digit taxpayer number is taken; the change is journalled like any other.
    changed = _ok(
        flows.hq.put(
            f"/customers/{code}",
            json=_customer_body(customer, tax_no="310114123456789"),
            headers={"If-Match": etag},
        )
    )
    assert (changed["tax_no"], changed["version"]) == ("310114123456789", 2)
    assert changed == _customer(flows, code)[0]
    events = flows.finance.get(f"/customers/{code}/history").json()
    assert events[-1]["payload"]["changes"] == {
        "tax_no": {"before": "91310114MA1HDQ001L", "after": "310114123456789"}
    }
    # Sent back without the number, the customer's number is a missing field, not a cleared one.
    without = {k: v for k, v in _customer_body(changed).items() if k != "tax_no"}
    problem = _refused(
        flows.hq.put(f"/customers/{code}", json=without), 422, "input.invalid_fields"
    )
    assert [(e["field"], e["code"]) for e in problem["errors"]] == [("tax_no", "input.missing")]
    cleared = _ok(flows.hq.put(f"/customers/{code}", json=_customer_body(changed, tax_no="")))
    assert (cleared["tax_no"], cleared["version"]) == ("", 3)


def test_a_dc_that_orders_name_stays_and_an_unused_one_can_go(flows: Flows) -> None:
    flows.create_order()  # made for DC1
    customer, _etag = _customer(flows)
    without_dc1 = _customer_body(customer, warehouses=[{"code": "DC2", "name": "second DC"}])
    problem = _refused(
        flows.hq.put(f"/customers/{customer['code']}", json=without_dc1), 409, "customer.dc_in_use"
    )
    assert (problem["dc_code"], problem["orders"]) == ("DC1", 1)
    assert problem["errors"][0]["field"] == "warehouses"
    without_dc2 = _customer_body(customer, warehouses=[{"code": "DC1", "name": "main DC"}])
    changed = _ok(flows.admin.put(f"/customers/{customer['code']}", json=without_dc2))
    assert [w["code"] for w in changed["warehouses"]] == ["DC1"]


def test_a_stale_if_match_is_refused_and_changes_nothing(flows: Flows) -> None:
    customer, etag = _customer(flows)
    path = f"/customers/{customer['code']}"
    _ok(
        flows.hq.put(
            path, json=_customer_body(customer, name="renamed"), headers={"If-Match": etag}
        )
    )
    stale = _customer_body(customer, name="renamed again")
    problem = _refused(
        flows.hq.put(path, json=stale, headers={"If-Match": etag}), 409, "document.version_mismatch"
    )
    assert (problem["current_version"], problem["sent_version"]) == (2, 1)
    unchanged = _customer_body(customer, name="renamed")
    _refused(
        flows.hq.put(path, json=unchanged, headers={"If-Match": etag}),
        409,
        "document.version_mismatch",
    )
    assert _customer(flows)[0]["name"] == "renamed"


def test_a_suspended_customers_order_is_not_approved_until_it_is_reactivated(flows: Flows) -> None:
    order = flows.create_order()
    path = f"/customers/{flows.world.customer}"
    suspended = _ok(flows.hq.post(f"{path}/suspend", json={"reason": "payments overdue"}))
    assert (suspended["state"], suspended["allowed_triggers"]) == (
        "suspended",
        ["update", "change_terms", "reactivate", "hand_over_to_legal"],
    )
    problem = _refused(
        flows.hq.post(f"/orders/{order['id']}/approve"), 409, "order.customer_inactive"
    )
    assert (problem["guard"], problem["state"]) == ("customer_active", "suspended")
    assert flows.order(order["id"])["state"] == "draft"
    _refused(
        flows.hq.post(f"{path}/suspend", json={"reason": "again"}),
        409,
        "workflow.trigger_not_allowed",
    )
    _ok(flows.hq.post(f"{path}/reactivate", json={"reason": "paid up"}))
    assert _ok(flows.hq.post(f"/orders/{order['id']}/approve"))["state"] == "approved"
    events = flows.finance.get(f"{path}/history").json()
    assert [e["trigger"] for e in events] == ["create", "suspend", "reactivate"]
    assert events[1]["payload"] == {"reason": "payments overdue"}


def test_r11_a_contract_price_change_applies_to_orders_made_from_then_on(flows: Flows) -> None:
    items, prices = flows.world.items, flows.world.prices
    before = flows.create_order(lines=[(0, 2)])
    contract, etag = _contract(flows)
    assert (contract["state"], contract["version"], etag) == ("in_force", 1, '"1"')
    body = _contract_body(
        contract,
        rebate_terms="1% annual rebate",
        prices=[{"item_code": items[0], "unit_price": "999.90"}]
        + [{"item_code": c, "unit_price": str(prices[c])} for c in items[1:5]]
        + [{"item_code": items[6], "unit_price": "700"}],  # items[5] loses its price
    )
    changed = _ok(
        flows.hq.put(f"/contracts/{contract['contract_no']}", json=body, headers={"If-Match": etag})
    )
    assert changed == _contract(flows)[0] and changed["version"] == 2
    assert {p["item_code"]: p["unit_price"] for p in changed["prices"]}[items[6]] == "700.00"

    assert flows.order(before["id"])["lines"][0]["unit_price"] == str(prices[items[0]])
    after = flows.create_order(lines=[(0, 2), (6, 1)])
    assert [line["unit_price"] for line in after["lines"]] == ["999.90", "700.00"]
    refused = flows.sales.post("/orders", json=flows.order_body(lines=[(5, 1)]))
    _refused(refused, 422, "order.item_not_in_contract")

    events = flows.finance.get(f"/contracts/{contract['contract_no']}/history").json()
    assert [e["trigger"] for e in events] == ["create", "update"]
    assert events[1]["payload"]["changes"] == {
        "rebate_terms": {"before": "", "after": "1% annual rebate"},
        "prices": {
            "before": {items[0]: str(prices[items[0]]), items[5]: str(prices[items[5]])},
            "after": {items[0]: "999.90", items[6]: "700.00"},
        },
    }


def test_r27_two_contracts_of_a_customer_never_overlap(flows: Flows) -> None:
    contract, _etag = _contract(flows)
    renewal_no = unique("HT")
    renewal = {
        "customer_code": flows.world.customer,
        "contract_no": renewal_no,
        "valid_from": _day(flows, 301),
        "valid_to": _day(flows, 665),
        "prices": contract["prices"],
    }
    _ok(flows.hq.post("/contracts", json=renewal), 201)
    longer = _contract_body(contract, valid_to=_day(flows, 400))
    problem = _refused(
        flows.hq.put(f"/contracts/{contract['contract_no']}", json=longer), 409, "contract.overlaps"
    )
    assert problem["contract"] == renewal_no
    earlier = _contract_body(_contract(flows, renewal_no)[0], valid_from=_day(flows, 200))
    problem = _refused(
        flows.hq.put(f"/contracts/{renewal_no}", json=earlier), 409, "contract.overlaps"
    )
    assert problem["contract"] == contract["contract_no"]
    assert _contract(flows)[0]["valid_to"] == _day(flows, 300)


def test_r27_a_contract_keeps_the_orders_it_priced_until_they_are_invoiced(flows: Flows) -> None:
    invoiced = flows.receipted_order()  # dated five days ago, like the next one
    flows.invoice(invoiced["id"])
    order = flows.create_order()  # priced by the contract, not yet invoiced
    contract, _etag = _contract(flows)
    path = f"/contracts/{contract['contract_no']}"
    shorter = _contract_body(contract, valid_to=_day(flows, -10))
    problem = _refused(flows.hq.put(path, json=shorter), 409, "contract.excludes_pending_order")
    assert (problem["order_id"], problem["order_date"]) == (order["id"], order["order_date"])
    assert problem["errors"][0]["field"] == "valid_to"
    later = _contract_body(contract, valid_from=_day(flows, -3))
    problem = _refused(flows.hq.put(path, json=later), 409, "contract.excludes_pending_order")
    assert problem["errors"][0]["field"] == "valid_from"
    assert _contract(flows)[0]["version"] == 1
    # Cancelled or invoiced, an order no longer holds the contract's period.
    _ok(flows.sales.post(f"/orders/{order['id']}/cancel", json={"reason": "PO withdrawn"}))
    assert _ok(flows.hq.put(path, json=shorter))["valid_to"] == _day(flows, -10)
    assert flows.order(invoiced["id"])["state"] == "invoiced"


def _attorney(flows: Flows, **fields: Any) -> dict[str, Any]:
    body = {"attorney_name": "Wang Fang", "phone": "138 0000 0001", "scope": ["collect"]}
    return body | fields


def test_r28_powers_of_attorney_are_recorded_listed_revoked_and_replaced(flows: Flows) -> None:
    path = f"/customers/{flows.world.customer}/powers-of-attorney"
    first = _ok(flows.hq.post(path, json=_attorney(flows, scope=["collect", "reconcile"])), 201)
    assert first["contract_no"] == flows.world.contract  # the contract in force by default
    assert (first["valid_from"], first["valid_to"]) == (str(flows.today), _day(flows, 300))
    assert (first["state"], first["scope"], first["version"]) == (
        "valid",
        ["reconcile", "collect"],
        1,
    )
    read = flows.logistics.get(f"/powers-of-attorney/{first['id']}")
    assert _ok(read) == first and read.headers["ETag"] == '"1"'
    second = _ok(
        flows.admin.post(
            path,
            json=_attorney(
                flows,
                attorney_name="Li Lei",
                phone=None,
                id_number="110101199001011234",
                scope=["reconcile"],
                valid_to=_day(flows, 30),
            ),
        ),
        201,
    )
    assert [a["id"] for a in flows.finance.get(path).json()] == [second["id"], first["id"]]

    revoked = _ok(
        flows.hq.post(
            f"/powers-of-attorney/{second['id']}/revoke", json={"reason": "left the company"}
        )
    )
    assert (revoked["state"], revoked["revocation_reason"]) == ("revoked", "left the company")
    assert revoked["revoked_at"] and revoked["allowed_triggers"] == []
    again = flows.hq.post(f"/powers-of-attorney/{second['id']}/revoke", json={"reason": "twice"})
    _refused(again, 409, "workflow.trigger_not_allowed")

    successor = _attorney(
        flows, attorney_name="Zhao Min", phone="139 0000 0002", reason="new account manager"
    )
    new = _ok(flows.hq.post(f"/powers-of-attorney/{first['id']}/replace", json=successor), 201)
    assert (new["attorney_name"], new["state"], new["contract_no"]) == (
        "Zhao Min",
        "valid",
        flows.world.contract,
    )
    old = _ok(flows.finance.get(f"/powers-of-attorney/{first['id']}"))
    assert (old["state"], old["replaced_by_id"], old["version"]) == ("revoked", new["id"], 2)
    old_events = flows.finance.get(f"/powers-of-attorney/{first['id']}/history").json()
    assert [(e["trigger"], e["to_state"]) for e in old_events] == [
        ("create", "valid"),
        ("replace", "revoked"),
    ]
    assert old_events[1]["payload"] == {
        "reason": "new account manager",
        "replaced_by_id": new["id"],
    }
    new_events = flows.finance.get(f"/powers-of-attorney/{new['id']}/history").json()
    assert new_events[0]["payload"]["replaces_id"] == first["id"]
    assert [a["state"] for a in flows.finance.get(path).json()] == ["valid", "revoked", "revoked"]

    with flows.backend.db.read() as session:
        customer = queries.customer_by_code(session, flows.world.customer)
        assert isinstance(customer, Customer)
        found = queries.attorney_valid(session, customer.id, flows.today, "collect")
        assert found is not None and found.id == new["id"]
        assert queries.attorney_valid(session, customer.id, flows.today, "reconcile") is None
        after = flows.today + timedelta(days=301)
        assert queries.attorney_valid(session, customer.id, after, "collect") is None


def test_r28_a_power_of_attorney_lasts_no_longer_than_its_contract(flows: Flows) -> None:
    path = f"/customers/{flows.world.customer}/powers-of-attorney"
    beyond = flows.hq.post(path, json=_attorney(flows, valid_to=_day(flows, 301)))
    problem = _refused(beyond, 422, "attorney.beyond_contract")
    assert (problem["contract_valid_to"], problem["errors"][0]["field"]) == (
        _day(flows, 300),
        "valid_to",
    )
    early = _attorney(flows, valid_from=_day(flows, -101))
    _refused(flows.hq.post(path, json=early), 422, "customer.no_contract_in_force")
    early["contract_no"] = flows.world.contract
    before = flows.hq.post(path, json=early)
    assert _refused(before, 422, "attorney.outside_contract")["errors"][0]["field"] == "valid_from"
    zh = flows.hq.post(
        path, json=_attorney(flows, valid_to=_day(flows, 301)), headers={"Accept-Language": "zh-CN"}
    )
    assert "授权委托书的有效期不能超过合同" in zh.json()["detail"]
    other = make_world(flows.backend.db, today=flows.today)
    foreign = flows.hq.post(path, json=_attorney(flows, contract_no=other.contract))
    assert _refused(foreign, 422, "contract.unknown")["errors"][0]["field"] == "contract_no"
    nameless = flows.hq.post(path, json={"attorney_name": "Wang Fang", "scope": ["collect"]})
    assert (
        _refused(nameless, 422, "input.invalid_fields")["errors"][0]["code"]
        == "attorney.identity_required"
    )
    assert flows.finance.get(path).json() == []

    # A contract's period keeps the powers of attorney given under it.
    kept = _ok(flows.hq.post(path, json=_attorney(flows, valid_to=_day(flows, 200))), 201)
    contract, _etag = _contract(flows)
    shorter = _contract_body(contract, valid_to=_day(flows, 100))
    problem = _refused(
        flows.hq.put(f"/contracts/{contract['contract_no']}", json=shorter),
        409,
        "contract.excludes_attorney",
    )
    assert problem["attorney_id"] == kept["id"]
    # A replacement refused leaves the power of attorney it would replace as it was.
    successor = _attorney(
        flows, attorney_name="Zhao Min", valid_to=_day(flows, 400), reason="new person"
    )
    _refused(
        flows.hq.post(f"/powers-of-attorney/{kept['id']}/replace", json=successor),
        422,
        "attorney.beyond_contract",
    )
    assert _ok(flows.finance.get(f"/powers-of-attorney/{kept['id']}"))["state"] == "valid"
    assert len(flows.finance.get(path).json()) == 1


def test_only_hq_and_admin_keep_master_data(flows: Flows) -> None:
    customer, _etag = _customer(flows)
    contract, _etag = _contract(flows)
    code = customer["code"]
    calls = [
        ("PUT", f"/customers/{code}", _customer_body(customer, name="by sales")),
        ("POST", f"/customers/{code}/suspend", {"reason": "why not"}),
        ("PUT", f"/contracts/{contract['contract_no']}", _contract_body(contract)),
        ("POST", f"/customers/{code}/powers-of-attorney", _attorney(flows)),
    ]
    for role in ("sales", "finance", "logistics", "legal", "scheduler"):
        for method, path, body in calls:
            response = getattr(flows, role).request(method, path, json=body)
            problem = _refused(response, 403, "auth.role_required")
            assert sorted(problem["required_roles"]) == ["admin", "hq"], (role, path)
    assert _customer(flows)[0]["version"] == 1
    assert (
        _ok(flows.admin.put(f"/customers/{code}", json=_customer_body(customer, name="by admin")))[
            "version"
        ]
        == 2
    )


def test_a_contract_or_power_of_attorney_that_does_not_exist_is_404(flows: Flows) -> None:
    _refused(flows.sales.get(f"/contracts/{unique('HT')}"), 404, "contract.not_found")
    _refused(flows.sales.get("/powers-of-attorney/999999"), 404, "attorney.not_found")
    _refused(flows.sales.get(f"/customers/{unique('C')}/history"), 404, "customer.not_found")
