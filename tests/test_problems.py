"""Refusals as problem documents: a stable code, the field, the reason in the reader's language,
and every problem response declared in the OpenAPI document."""

from __future__ import annotations

from typing import Any

import httpx
from fastapi.routing import APIRoute

from service.app import create_app
from service.problems import PROBLEM
from tests.flows import Flows
from tests.support import Backend


def test_r3_a_refusal_reads_in_chinese_or_english_with_one_stable_code(flows: Flows) -> None:
    body = flows.order_body(lines=[(i, 1) for i in range(6)])
    english = flows.sales.post("/orders", json=body)
    chinese = flows.sales.post("/orders", json=body, headers={"Accept-Language": "zh-CN,zh"})
    for response in (english, chinese):
        assert response.status_code == 422
        assert response.headers["content-type"].startswith(PROBLEM)
    en, zh = english.json(), chinese.json()
    assert en["code"] == zh["code"] == "order.too_many_lines"
    assert en["type"] == zh["type"] == "/problems/order.too_many_lines"
    assert (en["max"], en["count"]) == (5, 6)
    assert en["detail"] == "an order has at most 5 lines (R3); this one has 6"
    assert zh["detail"] == "一张订单最多 5 行（R3）；本订单有 6 行"
    assert en["errors"] == [
        {"field": "lines", "code": "order.too_many_lines", "reason": en["detail"]}
    ]
    assert zh["title"] == "输入无效" and en["title"] == "Invalid input"


def test_the_type_of_a_problem_says_its_words_in_both_languages(flows: Flows) -> None:
    found = flows.sales.get("/problems/order.too_many_lines")
    assert found.status_code == 200
    assert found.json() == {
        "code": "order.too_many_lines",
        "en": "an order has at most {max} lines (R3); this one has {count}",
        "zh": "一张订单最多 {max} 行（R3）；本订单有 {count} 行",
    }
    everything = flows.sales.get("/problems").json()
    assert {p["code"] for p in everything} >= {"receipt.quantity_exceeds_shipped", "input.missing"}
    assert flows.sales.get("/problems/no.such").json()["code"] == "problem.unknown_code"


def test_field_errors_of_the_input_have_codes_and_words_in_both_languages(flows: Flows) -> None:
    body = flows.order_body()
    body["lines"][0]["quantity"] = 0
    del body["dc_code"]
    for language, reason in (("en", "is required"), ("zh", "必填")):
        problem = flows.sales.post(
            "/orders", json=body, headers={"Accept-Language": language}
        ).json()
        assert problem["code"] == "input.invalid_fields"
        by_field = {e["field"]: e for e in problem["errors"]}
        assert by_field["dc_code"]["code"] == "input.missing"
        assert by_field["dc_code"]["reason"] == reason
        assert by_field["lines[0].quantity"]["code"] == "input.greater_than"
        assert "dc_code" in problem["detail"] and "lines[0].quantity" in problem["detail"]


def test_a_body_that_is_not_json_is_refused_naming_the_body(flows: Flows) -> None:
    response = flows.sales.post(
        "/orders",
        content=b'{"customer_code": "X", oops',
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 422
    problem = response.json()
    assert problem["errors"] == [
        {"field": "body", "code": "input.json_invalid", "reason": "the body is not valid JSON"}
    ]


def test_a_lifecycle_refusal_names_the_state_and_what_is_allowed_in_both_languages(
    flows: Flows,
) -> None:
    order = flows.approved_order()
    body = flows.receipt_body(order)
    zh = flows.logistics.post(
        f"/orders/{order['id']}/receipt", json=body, headers={"Accept-Language": "zh"}
    ).json()
    assert zh["code"] == "workflow.trigger_not_allowed"
    assert zh["allowed_triggers"] == ["ship", "cancel"]
    assert "approved" in zh["detail"] and "不能执行" in zh["detail"]


def _operations(backend: Backend) -> list[tuple[str, str, dict[str, Any]]]:
    schema = httpx.get(f"{backend.url}/openapi.json").json()
    return [
        (path, method, operation)
        for path, operations in schema["paths"].items()
        for method, operation in operations.items()
    ]


def test_every_problem_response_is_declared_in_the_openapi_document(backend: Backend) -> None:
    operations = _operations(backend)
    assert len(operations) > 40
    for path, method, operation in operations:
        if path == "/health":
            continue
        for status in ("401", "403", "404", "409", "422"):
            declared = operation["responses"].get(status)
            assert declared is not None, f"{method} {path} does not declare {status}"
            schema = declared["content"][PROBLEM]["schema"]
            assert schema == {"$ref": "#/components/schemas/Problem"}, (method, path, status)


def test_every_answer_is_checked_against_its_declared_model(backend: Backend) -> None:
    app = backend.runtime  # the server's own app is built from the same composition root
    assert app is not None

    routes = [
        r for r in create_app(backend.settings, db=backend.db).routes if isinstance(r, APIRoute)
    ]
    unchecked = [
        f"{sorted(r.methods or ())} {r.path}"
        for r in routes
        if r.response_model is None and not r.path.endswith("/content")
    ]
    assert unchecked == []
