"""Guards the red_letter_form lifecycle names (workflows/definitions/red_letter_form.yaml)."""

from __future__ import annotations

from service.invoices.redletter.models import RedLetterForm
from workflows import GuardContext, Refusal


def use_not_confirmed(ctx: GuardContext) -> Refusal | None:
    """No confirmation is needed only while the buyer has not confirmed use of the blue invoice."""
    form: RedLetterForm = ctx.document
    confirmed_on = form.blue_invoice.use_confirmed_on
    if confirmed_on is None:
        return None
    return Refusal.of(
        "red_letter_form.use_confirmed",
        invoice_no=form.blue_invoice.invoice_no,
        confirmed_on=confirmed_on.isoformat(),
    )


FORM_GUARDS = {"use_not_confirmed": use_not_confirmed}
