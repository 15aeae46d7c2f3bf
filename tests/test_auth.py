"""Every request is authenticated; endpoints and triggers are authorised by role."""

from __future__ import annotations

from service.auth import tokens
from tests.flows import Flows
from tests.support import Backend, unique


def test_a_request_without_a_token_is_refused(backend: Backend) -> None:
    with backend.client() as anonymous:
        for method, path in [
            ("GET", "/orders"),
            ("POST", "/orders"),
            ("GET", "/customers"),
            ("POST", "/orders/1/receipt"),
            ("GET", "/receipt-exceptions"),
        ]:
            response = anonymous.request(method, path, json={})
            assert response.status_code == 401, path
            assert response.headers["www-authenticate"] == "Bearer"
            assert response.json()["errors"][0]["field"] == "Authorization"


def test_an_unknown_token_is_refused(backend: Backend) -> None:
    with backend.client(token="o2c_not-a-real-token") as stranger:
        assert stranger.get("/orders").status_code == 401


def test_a_role_not_allowed_on_an_endpoint_is_refused(flows: Flows) -> None:
    response = flows.logistics.post("/orders", json=flows.order_body())
    assert response.status_code == 403
    assert response.json()["required_roles"] == ["sales", "hq"]
    assert flows.finance.get("/orders", params={"customer_code": flows.world.customer}).json() == []


def test_a_role_not_allowed_on_a_trigger_is_refused(flows: Flows) -> None:
    order = flows.create_order()
    response = flows.sales.post(f"/orders/{order['id']}/approve")
    assert response.status_code == 403
    assert response.json()["required_roles"] == ["hq"]
    assert flows.order(order["id"])["state"] == "draft"


def test_a_revoked_token_is_refused(backend: Backend) -> None:
    username = unique("temp")
    with backend.db.write() as session:
        tokens.create_user(session, username=username, roles=["finance"])
        token = tokens.issue_token(session, username=username)
    with backend.client(token=token) as client:
        assert client.get("/me").json()["username"] == username
        with backend.db.write() as session:
            assert tokens.revoke_token(session, prefix=token[:12]) == 1
        assert client.get("/me").status_code == 401


def test_demo_tokens_are_refused_outside_demo_mode(backend: Backend) -> None:
    username = unique("demo")
    with backend.db.write() as session:
        tokens.create_user(session, username=username, roles=["admin"])
        token = tokens.issue_token(
            session, username=username, token=unique("demo-admin"), demo=True
        )
    assert not backend.settings.demo
    with backend.client(token=token) as client:
        assert client.get("/me").status_code == 401


def test_only_a_digest_of_each_token_is_stored(backend: Backend) -> None:
    from sqlalchemy import select

    from service.auth.models import ApiToken

    token = backend.tokens["finance"]
    with backend.db.read() as session:
        hashes = set(session.scalars(select(ApiToken.token_hash)))
    assert token not in hashes
    assert tokens.digest(token) in hashes


def test_a_write_with_an_unknown_token_is_refused_and_books_nothing(flows: Flows) -> None:
    order = flows.shipped_order()
    body = flows.receipt_body(order)
    with flows.backend.client(token="o2c_not-a-real-token") as stranger:
        response = stranger.post(
            f"/orders/{order['id']}/receipt", json=body, headers={"Idempotency-Key": "k-1"}
        )
    assert response.status_code == 401
    assert response.json()["errors"][0]["field"] == "Authorization"
    assert flows.order(order["id"])["state"] == "shipped"
    # The key was never recorded for anyone: logistics may use it for the real post.
    posted = flows.post_receipt(order["id"], body, key="k-1")
    assert posted.status_code == 201, posted.text
    assert "idempotent-replayed" not in posted.headers


def test_a_write_with_a_token_revoked_meanwhile_is_refused(flows: Flows) -> None:
    username = unique("clerk")
    with flows.backend.db.write() as session:
        tokens.create_user(session, username=username, roles=["sales"])
        token = tokens.issue_token(session, username=username)
    with flows.backend.client(token=token) as clerk:
        assert clerk.post("/orders", json=flows.order_body()).status_code == 201
        with flows.backend.db.write() as session:
            tokens.revoke_token(session, prefix=token[:12])
        body = flows.order_body()
        response = clerk.post("/orders", json=body)
    assert response.status_code == 401
    found = flows.finance.get("/orders", params={"customer_code": flows.world.customer}).json()
    assert body["customer_po_no"] not in {o["customer_po_no"] for o in found}


def test_a_role_not_allowed_on_a_write_books_nothing_and_keeps_the_key_free(
    flows: Flows,
) -> None:
    body = flows.order_body()
    refused = flows.logistics.post("/orders", json=body, headers={"Idempotency-Key": "po-1"})
    assert refused.status_code == 403
    created = flows.sales.post("/orders", json=body, headers={"Idempotency-Key": "po-1"})
    assert created.status_code == 201, created.text
    again = flows.logistics.post("/orders", json=body, headers={"Idempotency-Key": "po-1"})
    assert again.status_code == 403, "a key is per user: another user's record is never replayed"
