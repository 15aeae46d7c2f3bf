"""Reissue (退回重开, R15): a red invoice issued against a red-letter form (reason issuing
error) reverses the original in full and a corrected draft replaces it. However many exceptions
of one invoice are confirmed, the original is reversed once ("red invoices never reverse more
than the original still holds") and the corrected draft carries every correction."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from service.errors import Conflict
from service.invoices import usecases as invoices
from service.invoices.exceptions.schemas import ExceptionOut
from service.invoices.models import Invoice
from service.invoices.schemas import InvoiceOut
from tests.usecases.invoicing import (
    as_invoiced,
    attach,
    book,
    booked,
    confirm,
    invoice,
    issued_invoice,
    reissue_red,
)
from tests.usecases.steps import A1, RSJ, Steps

EVIDENCE = ("signed_receipt_copy", "original_invoice_copy")


def two_over_invoiced(steps: Steps) -> tuple[InvoiceOut, ExceptionOut, ExceptionOut]:
    """The customer booked 8 of the 10 A1 and 3 of the 4 RSJ-60 invoiced; both exceptions have
    their evidence."""
    issued = issued_invoice(steps)
    first, second = book(
        steps, issued, as_invoiced(issued, booked(A1, 8), booked(RSJ, 3))
    ).exceptions
    return issued, attach(steps, first, *EVIDENCE), attach(steps, second, *EVIDENCE)


def live_reversals(steps: Steps, original_id: int) -> list[Invoice]:
    """Red invoices reversing the original that are not discarded."""
    with steps.db.read() as session:
        return list(
            session.scalars(
                select(Invoice).where(
                    Invoice.kind == "red",
                    Invoice.original_id == original_id,
                    Invoice.state != "discarded",
                )
            )
        )


def discard(steps: Steps, invoice_id: int) -> None:
    with steps.db.write() as session:
        invoices.discard(session, steps.ctx("finance"), invoice_id=invoice_id)


def test_r15_two_corrections_of_one_invoice_reverse_it_once(steps: Steps) -> None:
    issued, first, second = two_over_invoiced(steps)
    done_first, done_second = confirm(steps, first), confirm(steps, second)
    assert done_first.result == done_second.result
    assert live_reversals(steps, issued.id) == []
    red = reissue_red(steps, done_second.result["red_letter_form_id"])
    assert [r.id for r in live_reversals(steps, issued.id)] == [red.id]
    assert red.total == -issued.total
    corrected = invoice(steps, done_second.result["corrected_invoice_id"])
    assert [(ln.item_code, ln.quantity) for ln in corrected.lines] == [(A1, 8), (RSJ, 3)]
    assert invoice(steps, issued.id).state == "voided"


def test_r15_the_corrected_draft_of_a_reissue_is_not_thrown_away_alone(steps: Steps) -> None:
    issued, first, second = two_over_invoiced(steps)
    done = confirm(steps, first)
    with pytest.raises(Conflict) as refused:
        discard(steps, done.result["corrected_invoice_id"])
    assert refused.value.code == "invoice.reissue_draft_not_discardable"
    assert invoice(steps, done.result["corrected_invoice_id"]).state == "draft"
    # The next correction still reverses the original once and carries both corrections.
    again = confirm(steps, second)
    assert again.state == "resolved"
    assert again.result["red_letter_form_id"] == done.result["red_letter_form_id"]
    red = reissue_red(steps, again.result["red_letter_form_id"])
    assert [r.id for r in live_reversals(steps, issued.id)] == [red.id]
    assert red.total == -issued.total
    corrected = invoice(steps, again.result["corrected_invoice_id"])
    assert [(ln.item_code, ln.quantity) for ln in corrected.lines] == [(A1, 8), (RSJ, 3)]
