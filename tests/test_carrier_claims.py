"""A carrier's record shows its claims (R8) beside its lateness (R7): how many shortages were
claimed from it, the amounts claimed and settled to the fen, the claims it refused and those
awaiting its answer, in the API (`GET /carriers/lateness`) and on the carriers' page in English
and Chinese."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from typing import Any

from tests.flows import Flows
from tests.pages import Person, text_of
from tests.support import unique
from tests.test_receipt_exceptions import act, exception


def claimed_shortage(flows: Flows, carrier: str, received: int, amount: str) -> dict[str, Any]:
    """An order of item 0 x10 shipped by `carrier`, `received` of them arrived, the shortage
    claimed from the carrier for `amount`."""
    order = flows.approved_order()
    shipped = flows.ship(order["id"], carrier=carrier)
    assert shipped.status_code == 201, shipped.text
    body = flows.receipt_body(
        order,
        lines=[{"line_no": 1, "received_qty": received}, {"line_no": 2, "received_qty": 5}],
    )
    posted = flows.post_receipt(order["id"], body)
    assert posted.status_code == 201, posted.text
    [found] = posted.json()["exceptions"]
    exc = exception(flows, found["id"])
    claim = {
        "amount": amount,
        "claimed_on": str(flows.today),
        "evidence_id": flows.upload_evidence()["id"],
        "reason": "lost in transit",
    }
    claimed = act(flows, "logistics", exc, "claim", claim)
    assert claimed.status_code == 200, claimed.text
    return exc


def claims_row(html: str, carrier: str) -> list[str]:
    """The cells of the carrier's row in the claims table of the board."""
    row = re.search(rf"<td>{re.escape(carrier)}</td>(.*?)</tr>", html, re.S)
    assert row, f"{carrier} has no row of claims"
    return [text_of(cell) for cell in re.findall(r'<td class="num">(.*?)</td>', row.group(1))]


def test_r8_a_settled_claim_shows_in_the_carriers_record(
    flows: Flows, person: Callable[..., Person]
) -> None:
    carrier = unique("Claimed")
    settled = claimed_shortage(flows, carrier, 4, "6003.45")
    refused = claimed_shortage(flows, carrier, 5, "5002.50")
    claimed_shortage(flows, carrier, 5, "5002.51")
    today = str(flows.today)
    answer = act(
        flows, "finance", settled, "settle-claim", {"amount": "5000.07", "settled_on": today}
    )
    assert answer.status_code == 200, answer.text
    answer = act(
        flows,
        "logistics",
        refused,
        "refuse-claim",
        {"refused_on": today, "reason": "signed in full"},
    )
    assert answer.status_code == 200, answer.text
    # The API: beside the receipts judged and reported late, the claims to the fen.
    lateness = flows.finance.get("/carriers/lateness").json()
    [record] = [c for c in lateness if c["carrier"] == carrier]
    assert (record["receipts"], record["late"]) == (3, 0)
    assert (record["claims"], record["refused_claims"], record["open_claims"]) == (3, 1, 1)
    assert Decimal(record["claimed_amount"]) == Decimal("16008.46")
    assert Decimal(record["settled_amount"]) == Decimal("5000.07")
    assert record["claimed_amount"] == "16008.46" and record["settled_amount"] == "5000.07"
    # The period counts the receipts signed in it: none before them.
    before = flows.finance.get(
        "/carriers/lateness", params={"until": str(flows.today - timedelta(days=400))}
    ).json()
    assert carrier not in [c["carrier"] for c in before]
    # The page, in both languages.
    for locale, heading in (("en", "Claims on shortages (R8)"), ("zh", "短少索赔（R8）")):
        board = person("finance", locale=locale).page("/web/carriers")
        assert heading in text_of(board)
        assert claims_row(board, carrier) == ["3", "16,008.46", "5,000.07", "1", "1"]


def test_a_carrier_without_claims_shows_none(flows: Flows, person: Callable[..., Person]) -> None:
    carrier = unique("Careful")
    order = flows.approved_order()
    assert flows.ship(order["id"], carrier=carrier).status_code == 201
    assert flows.post_receipt(order["id"], flows.receipt_body(order)).status_code == 201
    [record] = [
        c for c in flows.finance.get("/carriers/lateness").json() if c["carrier"] == carrier
    ]
    assert (record["claims"], record["claimed_amount"], record["settled_amount"]) == (
        0,
        "0.00",
        "0.00",
    )
    assert f"<td>{carrier}</td>" not in person("logistics").page("/web/carriers")
