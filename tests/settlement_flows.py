"""Steps towards the settlement gate through the API (R23, R27-R29): invoices delivered and
signed, a statement drafted, sent and confirmed by both sides, a power of attorney to collect."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx

from tests import statements_flows as sf
from tests.flows import Flows
from tests.support import png_bytes, unique


def ok(response: httpx.Response, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, response.text
    return dict(response.json())


def problem(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    found = dict(response.json())
    assert found["code"] == code, found
    return found


def signed(flows: Flows, invoice: dict[str, Any], *, send: bool = True) -> dict[str, Any]:
    """Delivered to the customer (R13) and signed for by it, today (R23)."""
    if send:
        ok(flows.sales.post(f"/invoices/{invoice['id']}/send", json={"sent_on": str(flows.today)}))
    body = {"signed_on": str(flows.today), "signed_by": "Ms Li, AP"}
    return ok(flows.sales.post(f"/invoices/{invoice['id']}/sign", json=body))


def upload(flows: Flows) -> int:
    scan = ("signed.png", png_bytes(unique("scan")), "image/png")
    return int(ok(flows.finance.post("/attachments", files={"file": scan}), 201)["id"])


# A statement's number and its invoices.
Made = tuple[str, list[dict[str, Any]]]


def drafted(flows: Flows, invoices: int = 2, *, sign: bool = True) -> Made:
    """A statement drafted by the scheduler for `invoices` invoices falling due in ten days;
    each invoice sent and signed unless `sign` is false. Its number and the invoices."""
    due = flows.today + timedelta(days=10)
    made = [sf.invoice_due(flows, due, lines=[(0, 2), (1, 1)]) for _ in range(invoices)]
    if sign:
        made = [signed(flows, i) for i in made]
    sf.run(flows.backend, due)
    [found] = [s for s in sf.statements(flows) if s["settlement_date"] == str(due)]
    return found["statement_no"], made


def send(flows: Flows, statement_no: str) -> dict[str, Any]:
    body = {"sent_on": str(flows.today), "to": "Ms Li, AP", "channel": "email"}
    return ok(flows.sales.post(f"/statements/{statement_no}/send", json=body))


def confirm(flows: Flows, statement_no: str) -> dict[str, Any]:
    body = {
        "confirmed_on": str(flows.today),
        "customer_signatory": "Ms Li",
        "customer_reference": "DZQR-1",
        "evidence_id": upload(flows),
    }
    return ok(flows.finance.post(f"/statements/{statement_no}/confirm", json=body))


def confirmed(flows: Flows, invoices: int = 2, **kwargs: Any) -> Made:
    """A statement confirmed by both sides (R22) of signed invoices."""
    statement_no, made = drafted(flows, invoices, **kwargs)
    send(flows, statement_no)
    confirm(flows, statement_no)
    return statement_no, made


def attorney(flows: Flows, scope: tuple[str, ...] = ("collect",), **body: Any) -> dict[str, Any]:
    """A power of attorney of the customer (R28), for collecting by default."""
    made = {"attorney_name": unique("Wang"), "phone": "138 0000 0001", "scope": list(scope)}
    path = f"/customers/{flows.world.customer}/powers-of-attorney"
    return ok(flows.hq.post(path, json=made | body), 201)


def check(flows: Flows, statement_no: str, **params: Any) -> dict[str, Any]:
    return ok(flows.sales.get(f"/statements/{statement_no}/settlement", params=params))


def invoice_check(flows: Flows, invoice_id: int, **params: Any) -> dict[str, Any]:
    return ok(flows.sales.get(f"/invoices/{invoice_id}/settlement", params=params))


def codes(blockers: list[dict[str, Any]]) -> list[str]:
    return [b["code"] for b in blockers]


def settle(flows: Flows, statement_no: str, **body: Any) -> httpx.Response:
    return flows.finance.post(f"/statements/{statement_no}/settle", json=body)
