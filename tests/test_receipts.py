"""Logistics posts the signed receipt (R6); shortages and substitutions are recorded (R8)."""

from __future__ import annotations

import hashlib
import threading
from datetime import timedelta
from typing import Any

from tests.flows import Flows
from tests.support import png_bytes, unique


def _receipt_count(flows: Flows, order_id: int) -> int:
    return 1 if flows.finance.get(f"/orders/{order_id}/receipt").status_code == 200 else 0


def test_r6_signed_receipt_records_the_quantities_actually_received(flows: Flows) -> None:
    order = flows.shipped_order()
    evidence = flows.upload_evidence()
    body = flows.receipt_body(order, evidence=[evidence["id"]])
    response = flows.post_receipt(order["id"], body)
    assert response.status_code == 201, response.text
    receipt = response.json()
    assert receipt["receipt_no"] == body["receipt_no"]
    assert receipt["receipt_date"] == body["receipt_date"]
    assert [(ln["line_no"], ln["received_qty"]) for ln in receipt["lines"]] == [(1, 10), (2, 5)]
    assert receipt["exceptions"] == []
    assert receipt["evidence"][0]["sha256"] == evidence["sha256"]
    assert flows.order(order["id"])["state"] == "receipted"
    assert flows.finance.get(f"/orders/{order['id']}/receipt").json() == receipt


def test_r6_evidence_is_stored_with_its_checksum(flows: Flows) -> None:
    content = png_bytes(unique("scan"))
    uploaded = flows.logistics.post(
        "/attachments", files={"file": ("scan.png", content, "image/png")}
    ).json()
    assert uploaded["sha256"] == hashlib.sha256(content).hexdigest()
    assert uploaded["size"] == len(content)
    stored = flows.finance.get(f"/attachments/{uploaded['id']}/content")
    assert stored.content == content
    assert stored.headers["etag"] == f'"{uploaded["sha256"]}"'
    again = flows.logistics.post(
        "/attachments", files={"file": ("copy.png", content, "image/png")}
    ).json()
    assert again["id"] == uploaded["id"]


def test_r6_evidence_must_be_a_scan_or_photo(flows: Flows) -> None:
    bad = flows.logistics.post(
        "/attachments", files={"file": ("x.exe", b"MZ..", "application/x-msdownload")}
    )
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "file"
    empty = flows.logistics.post("/attachments", files={"file": ("x.png", b"", "image/png")})
    assert empty.status_code == 422


def test_r6_receipt_needs_evidence(flows: Flows) -> None:
    order = flows.shipped_order()
    response = flows.post_receipt(order["id"], flows.receipt_body(order, evidence=[]))
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "evidence"
    missing = flows.post_receipt(order["id"], flows.receipt_body(order, evidence=[99999999]))
    assert missing.status_code == 422
    assert missing.json()["errors"][0]["field"] == "evidence[0]"
    assert flows.order(order["id"])["state"] == "shipped"


def test_r8_shortage_is_recorded_as_a_receipt_exception(flows: Flows) -> None:
    order = flows.shipped_order()
    body = flows.receipt_body(
        order, lines=[{"line_no": 1, "received_qty": 8}, {"line_no": 2, "received_qty": 5}]
    )
    receipt = flows.post_receipt(order["id"], body).json()
    [exception] = receipt["exceptions"]
    assert exception["kind"] == "shortage"
    assert (
        exception["line_no"],
        exception["shipped_qty"],
        exception["received_qty"],
        exception["quantity"],
    ) == (1, 10, 8, 2)
    listed = flows.finance.get(
        "/receipt-exceptions", params={"customer_code": flows.world.customer}
    ).json()
    assert [e["id"] for e in listed] == [exception["id"]]


def test_r8_another_model_received_is_recorded_as_a_substitution(flows: Flows) -> None:
    order = flows.shipped_order()
    swapped = flows.world.items[3]
    body = flows.receipt_body(
        order,
        lines=[
            {"line_no": 1, "received_qty": 7},
            {"line_no": 1, "received_qty": 3, "item_code": swapped},
            {"line_no": 2, "received_qty": 5},
        ],
    )
    response = flows.post_receipt(order["id"], body)
    assert response.status_code == 201, response.text
    [exception] = response.json()["exceptions"]
    assert exception["kind"] == "substitution"
    assert exception["expected_item_code"] == flows.world.items[0]
    assert exception["received_item_code"] == swapped
    assert exception["quantity"] == 3
    kinds = flows.finance.get(
        "/receipt-exceptions",
        params={"customer_code": flows.world.customer, "kind": "substitution"},
    ).json()
    assert len(kinds) == 1


def test_r8_shortage_and_substitution_on_one_line(flows: Flows) -> None:
    order = flows.shipped_order()
    body = flows.receipt_body(
        order,
        lines=[
            {"line_no": 1, "received_qty": 6},
            {"line_no": 1, "received_qty": 2, "item_code": flows.world.items[4]},
            {"line_no": 2, "received_qty": 0},
        ],
    )
    exceptions = flows.post_receipt(order["id"], body).json()["exceptions"]
    summary = sorted((e["kind"], e["line_no"], e["quantity"]) for e in exceptions)
    assert summary == [("shortage", 1, 2), ("shortage", 2, 5), ("substitution", 1, 2)]


def test_receipt_for_an_order_that_was_not_shipped_is_refused(flows: Flows) -> None:
    order = flows.approved_order()
    response = flows.post_receipt(order["id"], flows.receipt_body(order))
    assert response.status_code == 409
    problem = response.json()
    assert problem["state"] == "approved"
    assert problem["allowed_triggers"] == ["ship", "cancel"]
    assert "cannot 'post_receipt'" in problem["detail"]
    assert flows.order(order["id"])["state"] == "approved"


def test_receipt_quantities_that_do_not_fit_the_order_are_refused(flows: Flows) -> None:
    order = flows.shipped_order()
    history_before = flows.history(order["id"])
    cases: list[tuple[list[dict[str, Any]], str]] = [
        (
            [{"line_no": 1, "received_qty": 11}, {"line_no": 2, "received_qty": 5}],
            "lines[0].received_qty",
        ),
        (
            [
                {"line_no": 1, "received_qty": 9},
                {"line_no": 1, "received_qty": 2, "item_code": flows.world.items[3]},
                {"line_no": 2, "received_qty": 5},
            ],
            "lines[1].received_qty",
        ),
        ([{"line_no": 1, "received_qty": 10}], "lines"),
        ([{"line_no": 3, "received_qty": 1}], "lines[0].line_no"),
        (
            [{"line_no": 1, "received_qty": -1}, {"line_no": 2, "received_qty": 5}],
            "lines[0].received_qty",
        ),
        (
            [
                {"line_no": 1, "received_qty": 10},
                {"line_no": 1, "received_qty": 0},
                {"line_no": 2, "received_qty": 5},
            ],
            "lines[1].line_no",
        ),
        (
            [
                {"line_no": 1, "received_qty": 10, "item_code": "NO-SUCH"},
                {"line_no": 2, "received_qty": 5},
            ],
            "lines[0].item_code",
        ),
    ]
    for lines, field in cases:
        response = flows.post_receipt(order["id"], flows.receipt_body(order, lines=lines))
        assert response.status_code == 422, (field, response.text)
        assert response.json()["errors"][0]["field"] == field, response.text
    other_fields: list[tuple[dict[str, Any], str]] = [
        ({"receipt_date": str(flows.today + timedelta(days=1))}, "receipt_date"),
        ({"receipt_date": str(flows.today - timedelta(days=20))}, "receipt_date"),
        ({"receipt_no": ""}, "receipt_no"),
    ]
    for overrides, field in other_fields:
        response = flows.post_receipt(order["id"], flows.receipt_body(order, **overrides))
        assert response.status_code == 422, (field, response.text)
        assert response.json()["errors"][0]["field"] == field
    assert flows.order(order["id"])["state"] == "shipped"
    assert _receipt_count(flows, order["id"]) == 0
    assert flows.history(order["id"]) == history_before


def test_a_receipt_number_is_posted_once_per_customer(flows: Flows) -> None:
    first = flows.shipped_order()
    body = flows.receipt_body(first)
    assert flows.post_receipt(first["id"], body).status_code == 201
    second = flows.shipped_order()
    response = flows.post_receipt(
        second["id"], flows.receipt_body(second, receipt_no=body["receipt_no"])
    )
    assert response.status_code == 409
    assert response.json()["errors"][0]["field"] == "receipt_no"
    assert flows.order(second["id"])["state"] == "shipped"


def test_a_retried_receipt_with_the_same_idempotency_key_books_nothing_twice(
    flows: Flows,
) -> None:
    order = flows.shipped_order()
    body = flows.receipt_body(order)
    key = unique("idem")
    first = flows.post_receipt(order["id"], body, key=key)
    retry = flows.post_receipt(order["id"], body, key=key)
    assert first.status_code == retry.status_code == 201
    assert retry.json() == first.json()
    assert retry.headers["Idempotent-Replayed"] == "true"
    receipts = [e for e in flows.history(order["id"]) if e["trigger"] == "post_receipt"]
    assert len(receipts) == 1
    changed = flows.post_receipt(order["id"], body | {"note": "different"}, key=key)
    assert changed.status_code == 409
    assert changed.json()["errors"][0]["field"] == "Idempotency-Key"


def test_two_identical_receipt_posts_at_once_book_one_receipt(flows: Flows) -> None:
    order = flows.shipped_order()
    body = flows.receipt_body(order)
    key = unique("idem")
    barrier = threading.Barrier(4)
    results: list[tuple[int, object]] = []

    def post() -> None:
        with flows.backend.client("logistics") as client:
            barrier.wait()
            response = client.post(
                f"/orders/{order['id']}/receipt", json=body, headers={"Idempotency-Key": key}
            )
            results.append((response.status_code, response.json()))

    threads = [threading.Thread(target=post) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [status for status, _ in results] == [201] * 4
    assert all(body_ == results[0][1] for _, body_ in results)
    receipts = [e for e in flows.history(order["id"]) if e["trigger"] == "post_receipt"]
    assert len(receipts) == 1


def test_two_different_receipts_for_one_order_at_once_book_one(flows: Flows) -> None:
    order = flows.shipped_order()
    bodies = [flows.receipt_body(order) for _ in range(3)]
    barrier = threading.Barrier(3)
    statuses: list[int] = []

    def post(body: dict[str, object]) -> None:
        with flows.backend.client("logistics") as client:
            barrier.wait()
            statuses.append(client.post(f"/orders/{order['id']}/receipt", json=body).status_code)

    threads = [threading.Thread(target=post, args=(b,)) for b in bodies]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(statuses) == [201, 409, 409]
    assert [e["trigger"] for e in flows.history(order["id"])].count("post_receipt") == 1
