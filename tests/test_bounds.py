"""Every input is bounded where it enters, with the same answer on both databases: a 4xx problem
with its code and field, and nothing stored (found by trying the service as a hostile client)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from service import idempotency
from service.schemas import MAX_ID
from tests.flows import Flows

BEYOND = [MAX_ID + 1, 2**63, 2**64]


def _refused(response: httpx.Response, field: str, status: int = 422) -> dict[str, Any]:
    assert response.status_code == status, response.text
    problem: dict[str, Any] = response.json()
    assert field in [e["field"] for e in problem["errors"]], problem
    return problem


@pytest.mark.parametrize("big", BEYOND)
def test_ids_beyond_the_columns_are_refused_naming_the_id(flows: Flows, big: int) -> None:
    _refused(flows.finance.get(f"/orders/{big}"), "order_id")
    _refused(flows.hq.post(f"/orders/{big}/approve"), "order_id")
    _refused(flows.finance.get(f"/invoices/{big}/history"), "invoice_id")
    _refused(flows.finance.get(f"/invoice-exceptions/{big}"), "exception_id")
    _refused(flows.logistics.get(f"/attachments/{big}/content"), "attachment_id")
    _refused(flows.logistics.post(f"/tasks/{big}/take"), "task_id")
    _refused(flows.finance.get("/invoices", params={"order_id": big}), "order_id")
    _refused(flows.logistics.get("/tasks", params={"subject_id": big}), "subject_id")
    _refused(flows.finance.get("/orders", params={"offset": big}), "offset")
    _refused(flows.finance.post("/invoices", json={"order_id": big}), "order_id")


@pytest.mark.parametrize("quantity", [2**31, 10**15, 1_000_001])
def test_r3_quantities_beyond_any_order_are_refused(flows: Flows, quantity: int) -> None:
    before = len(flows.finance.get("/orders", params={"limit": 500}).json())
    body = flows.order_body(lines=[(0, 1)])
    body["lines"][0]["quantity"] = quantity
    problem = _refused(flows.sales.post("/orders", json=body), "lines[0].quantity")
    assert problem["errors"][0]["code"] == "input.less_than_equal"
    assert len(flows.finance.get("/orders", params={"limit": 500}).json()) == before


def test_nul_characters_are_refused_in_bodies_queries_and_paths(flows: Flows) -> None:
    body = flows.order_body(note="rush\x00order")
    problem = _refused(flows.sales.post("/orders", json=body), "note")
    assert problem["errors"][0]["code"] == "input.nul_character"
    _refused(flows.finance.get("/orders", params={"customer_code": "C\x00"}), "customer_code")
    _refused(flows.finance.get("/customers/C%00D"), "code")
    _refused(
        flows.sales.post(
            "/orders",
            json=flows.order_body(),
            headers={b"Idempotency-Key": "k\u00e9".encode("latin-1")},
        ),
        "Idempotency-Key",
    )
    # Routes without a token check (and so without a guard) have the check as a dependency.
    with httpx.Client(base_url=flows.backend.url) as anonymous:
        _refused(anonymous.get("/problems", params={"x": "\x00"}), "x")
        _refused(anonymous.get("/health", params={"x": "\x00"}), "x")


def test_the_headers_the_guards_read_are_declared_in_the_openapi_document(flows: Flows) -> None:
    schema = httpx.get(f"{flows.backend.url}/openapi.json", timeout=60).json()
    bearer = schema["components"]["securitySchemes"]["HTTPBearer"]
    assert (bearer["type"], bearer["scheme"]) == ("http", "bearer")
    change = schema["paths"]["/orders/{order_id}/approve"]["post"]
    create = schema["paths"]["/orders"]["post"]
    read = schema["paths"]["/orders/{order_id}"]["get"]
    assert change["security"] == create["security"] == read["security"] == [{"HTTPBearer": []}]
    headers = {p["name"]: p for p in change["parameters"] if p["in"] == "header"}
    assert list(headers) == ["Idempotency-Key", "If-Match"]
    key = headers["Idempotency-Key"]["schema"]["anyOf"][0]
    bounds = (1, idempotency.MAX_KEY_LENGTH, r"^[\x20-\x7e]+$")
    assert (key["minLength"], key["maxLength"], key["pattern"]) == bounds
    assert [p["name"] for p in create["parameters"]] == ["Idempotency-Key"]
    assert [p["name"] for p in read["parameters"]] == ["order_id"]
    assert "security" not in schema["paths"]["/health"]["get"]


def test_ages_versions_and_dates_out_of_range_are_refused(flows: Flows) -> None:
    _refused(
        flows.finance.get("/invoice-exceptions", params={"min_age_days": 1_000_000}),
        "min_age_days",
    )
    order = flows.create_order()
    _refused(
        flows.hq.post(f"/orders/{order['id']}/approve", headers={"If-Match": "9" * 5000}),
        "If-Match",
    )
    for day in ("1900-01-01", "9999-12-31"):
        _refused(flows.sales.post("/orders", json=flows.order_body(order_date=day)), "order_date")
    assert flows.order(order["id"])["state"] == "draft"


def test_codes_and_prices_longer_than_their_columns_are_refused(flows: Flows) -> None:
    customer = {
        "code": "C" * 33,
        "name": "n",
        "grade": "A",
        "credit_limit": "1",
        "payment_term_days": 1,
        "settlement_kind": "term_from_receipt",
    }
    _refused(flows.hq.post("/customers", json=customer), "code")
    # A code is part of the customer's web addresses (/customers/{code}): no '/' in it.
    slashed = _refused(flows.hq.post("/customers", json=customer | {"code": "HD/SH"}), "code")
    assert slashed["errors"][0]["code"] == "input.code_with_slash"
    contract = {
        "customer_code": flows.world.customer,
        "contract_no": "HT-BIG",
        "valid_from": str(flows.today),
        "valid_to": str(flows.today),
        "prices": [{"item_code": flows.world.items[0], "unit_price": "100000000.01"}],
    }
    _refused(flows.hq.post("/contracts", json=contract), "prices[0].unit_price")


def test_an_evidence_file_with_a_chinese_name_downloads_with_its_name(flows: Flows) -> None:
    uploaded = flows.logistics.post(
        "/attachments", files={"file": ("签收单.png", b"\x89PNG\r\n\x1a\nscan-cn", "image/png")}
    )
    assert uploaded.status_code == 201, uploaded.text
    assert uploaded.json()["filename"] == "签收单.png"
    content = flows.finance.get(f"/attachments/{uploaded.json()['id']}/content")
    assert content.status_code == 200
    assert (
        "filename*=UTF-8''%E7%AD%BE%E6%94%B6%E5%8D%95.png" in content.headers["content-disposition"]
    )
    assert content.content == b"\x89PNG\r\n\x1a\nscan-cn"


# --- what Schemathesis found, kept -------------------------------------------------------------


def test_a_number_is_not_a_date(flows: Flows) -> None:
    problem = _refused(flows.finance.get("/carriers/lateness", params={"until": "0"}), "until")
    assert problem["errors"][0]["code"] == "input.date_type"


def test_a_body_that_is_not_text_is_refused_naming_the_body(flows: Flows) -> None:
    response = flows.sales.post(
        "/orders", content=b"\xff\xfe", headers={"Content-Type": "application/json"}
    )
    problem = _refused(response, "body")
    assert problem["errors"][0]["code"] == "input.json_invalid"


def test_an_undeclared_method_is_405_with_the_methods_that_are(flows: Flows) -> None:
    response = flows.hq.request("OPTIONS", "/customers")
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, POST"
    assert response.json()["code"] == "http.method_not_allowed"
    history = flows.logistics.post("/tasks/1/history")
    assert history.status_code == 405 and history.headers["allow"] == "GET"


def test_a_filter_by_an_unknown_customer_finds_nothing_and_a_path_to_one_is_404(
    flows: Flows,
) -> None:
    for path in ("/orders", "/invoices", "/invoice-exceptions", "/receipt-exceptions"):
        found = flows.finance.get(path, params={"customer_code": "NO-SUCH"})
        assert (found.status_code, found.json()) == (200, []), path
    missing = flows.finance.get("/customers/NO-SUCH")
    assert missing.status_code == 404 and missing.json()["code"] == "customer.not_found"
