"""R15 with R24 (a): the reissue (退回重开) of an invoice exception goes through a red-letter
information confirmation form with reason "issuing error" taking back every line. The red
invoice issued against it voids the original; only then may the corrected invoice be issued. A
form the buyer denies leaves the reissue waiting for a new full form, never for a partial one.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from tests.flows import Flows
from tests.support import unique_fapiao
from tests.test_red_letter import (
    blue_invoice,
    invoice,
    new_form,
    over_invoiced_exception,
    red_invoice,
    step,
)


def reissued(flows: Flows, blue: dict[str, Any]) -> dict[str, Any]:
    done = flows.finance.post(
        f"/invoice-exceptions/{over_invoiced_exception(flows, blue)['id']}/confirm"
    )
    assert done.status_code == 200, done.text
    return dict(done.json()["result"])


def issue(flows: Flows, invoice_id: int) -> Any:
    return flows.finance.post(
        f"/invoices/{invoice_id}/issue",
        json={"fapiao_no": unique_fapiao(), "fapiao_date": str(flows.today)},
    )


def test_r15_r24a_a_reissue_of_a_used_invoice_waits_for_the_buyers_confirmation(
    flows: Flows,
) -> None:
    blue = blue_invoice(flows)
    used = flows.finance.post(
        f"/invoices/{blue['id']}/use-confirmation", json={"confirmed_on": str(flows.today)}
    )
    assert used.status_code == 200, used.text
    result = reissued(flows, blue)
    form_id, corrected_id = result["red_letter_form_id"], result["corrected_invoice_id"]
    form = flows.finance.get(f"/red-letter-forms/{form_id}").json()
    assert (form["reason"], form["state"]) == ("issuing_error", "entered")
    assert [ln["blue_line_id"] for ln in form["lines"]] == [ln["id"] for ln in blue["lines"]]
    assert Decimal(form["total"]) == Decimal(blue["total"])
    # The buyer confirmed use: no skipping its confirmation.
    skipped = step(flows, form_id, "skip-confirmation")
    assert skipped.status_code == 409 and skipped.json()["guard"] == "use_not_confirmed"
    assert step(flows, form_id, "submit", {}).json()["state"] == "awaiting_buyer"
    assert red_invoice(flows, form_id).status_code == 409
    assert issue(flows, corrected_id).json()["code"] == "invoice.original_not_reversed"
    assert step(flows, form_id, "confirm").json()["state"] == "confirmed"
    red = red_invoice(flows, form_id)
    assert red.status_code == 201, red.text
    assert Decimal(red.json()["total"]) == -Decimal(blue["total"])
    assert invoice(flows, blue["id"])["state"] == "voided"
    assert issue(flows, corrected_id).status_code == 200
    assert flows.finance.get(f"/red-letter-forms/{form_id}").json()["state"] == "issued"


def test_r15_r24a_a_denied_reissue_form_is_followed_by_a_new_full_form(flows: Flows) -> None:
    blue = blue_invoice(flows)
    flows.finance.post(
        f"/invoices/{blue['id']}/use-confirmation", json={"confirmed_on": str(flows.today)}
    )
    result = reissued(flows, blue)
    first, corrected_id = result["red_letter_form_id"], result["corrected_invoice_id"]
    assert step(flows, first, "submit", {}).status_code == 200
    denied = step(flows, first, "deny", {"reason": "the buyer wants the old invoice kept"})
    assert denied.json()["state"] == "void"
    # The original is still owed and still being reissued: a partial form is refused, as is
    # any reason but issuing error; the corrected invoice still waits.
    partial = new_form(flows, blue, [(1, 1)])
    assert partial.status_code == 409
    assert partial.json()["code"] == "red_letter_form.invoice_being_reissued"
    other = flows.finance.post(
        "/red-letter-forms", json={"invoice_id": blue["id"], "reason": "sales_discount"}
    )
    assert other.json()["code"] == "red_letter_form.invoice_being_reissued"
    assert issue(flows, corrected_id).json()["code"] == "invoice.original_not_reversed"
    again = flows.finance.post(
        "/red-letter-forms", json={"invoice_id": blue["id"], "reason": "issuing_error"}
    )
    assert again.status_code == 201, again.text
    form = again.json()
    assert (form["reason"], Decimal(form["total"])) == ("issuing_error", Decimal(blue["total"]))
    # Only one full form at a time.
    twice = flows.finance.post(
        "/red-letter-forms", json={"invoice_id": blue["id"], "reason": "issuing_error"}
    )
    assert twice.json()["code"] == "invoice.partly_reversed"
    assert step(flows, form["id"], "submit", {}).status_code == 200
    assert step(flows, form["id"], "confirm").status_code == 200
    assert red_invoice(flows, form["id"]).status_code == 201
    assert invoice(flows, blue["id"])["state"] == "voided"
    assert issue(flows, corrected_id).status_code == 200
    # The customer owes the corrected invoice only: one red invoice reversed the original.
    reds = flows.finance.get("/invoices", params={"kind": "red", "order_id": blue["order_id"]})
    assert len(reds.json()) == 1


def abandon(flows: Flows, corrected_id: int, reason: str = "the customer keeps the invoice") -> Any:
    return flows.finance.post(f"/invoices/{corrected_id}/abandon-reissue", json={"reason": reason})


def test_r15_r24a_a_reissue_given_up_before_its_red_invoice_leaves_the_original_standing(
    flows: Flows,
) -> None:
    blue = blue_invoice(flows)
    flows.finance.post(
        f"/invoices/{blue['id']}/use-confirmation", json={"confirmed_on": str(flows.today)}
    )
    exception = over_invoiced_exception(flows, blue)
    done = flows.finance.post(f"/invoice-exceptions/{exception['id']}/confirm")
    assert done.status_code == 200, done.text
    result = done.json()["result"]
    form_id, corrected_id = result["red_letter_form_id"], result["corrected_invoice_id"]
    assert step(flows, form_id, "submit", {}).json()["state"] == "awaiting_buyer"
    # Its corrected draft is not thrown away alone; the original is locked for other forms.
    discarded = flows.finance.post(f"/invoices/{corrected_id}/discard")
    assert discarded.json()["code"] == "invoice.reissue_draft_not_discardable"
    assert (
        new_form(flows, blue, [(1, 1)]).json()["code"] == "red_letter_form.invoice_being_reissued"
    )
    # Bad input changes nothing: a reason is required, and only a reissue's draft is abandoned.
    refused = flows.finance.post(f"/invoices/{corrected_id}/abandon-reissue", json={})
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "reason"
    assert abandon(flows, blue["id"]).json()["code"] == "invoice.not_a_reissue"
    assert abandon(flows, corrected_id, "  ").status_code == 422
    assert (
        flows.sales.post(
            f"/invoices/{corrected_id}/abandon-reissue", json={"reason": "x"}
        ).status_code
        == 403
    )
    assert invoice(flows, corrected_id)["state"] == "draft"

    given_up = abandon(flows, corrected_id)
    assert given_up.status_code == 200, given_up.text
    assert given_up.json()["state"] == "discarded"
    original = invoice(flows, blue["id"])
    assert (original["state"], original["replaced_by_id"]) == ("resolved", None)
    form = flows.finance.get(f"/red-letter-forms/{form_id}").json()
    assert form["state"] == "void" and "the customer keeps the invoice" in form["void_reason"]
    kept = flows.finance.get(f"/invoice-exceptions/{exception['id']}").json()
    assert kept["result"]["abandoned"]["reason"] == "the customer keeps the invoice"
    history = flows.finance.get(f"/invoices/{corrected_id}/history").json()
    assert history[-1]["trigger"] == "discard"
    assert history[-1]["payload"]["abandoned_reissue_of"] == blue["invoice_no"]
    # The original takes other forms again (a return, a discount), and is owed as before.
    assert new_form(flows, blue, [(1, 1)]).status_code == 201
    assert Decimal(original["outstanding"]) == Decimal(blue["total"])
    # Once abandoned, there is nothing left to abandon.
    assert abandon(flows, corrected_id).status_code == 409


def test_r15_r24a_a_reissue_whose_red_invoice_is_issued_is_not_given_up(flows: Flows) -> None:
    blue = blue_invoice(flows)
    result = reissued(flows, blue)
    form_id, corrected_id = result["red_letter_form_id"], result["corrected_invoice_id"]
    assert step(flows, form_id, "skip-confirmation").status_code == 200
    assert red_invoice(flows, form_id).status_code == 201
    refused = abandon(flows, corrected_id)
    assert refused.status_code == 409
    assert refused.json()["code"] == "invoice.reissue_already_reversed"
    assert invoice(flows, corrected_id)["state"] == "draft"
    assert issue(flows, corrected_id).status_code == 200
