"""A printout names the parties as the document gave them: an invoice as issued, a red-letter
form as entered, a statement as sent; a draft as they are now (R13, R24, R22)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from sqlalchemy import select

from service.invoices.models import Invoice
from tests import statements_flows as sf
from tests.flows import Flows
from tests.pages import Person, text_of
from tests.support import Backend, unique
from tests.test_red_letter import form as red_letter_form

People = Callable[..., Person]


def test_r13_printouts_name_the_parties_as_the_document_gave_them(
    backend: Backend, flows: Flows, person: People
) -> None:
    old_name = flows.sales.get(f"/customers/{flows.world.customer}").json()["name"]
    issued = flows.issued_invoice(flows.receipted_order()["id"])
    draft = flows.invoice(flows.receipted_order()["id"])
    entered = red_letter_form(flows, issued, [(0, 1)])
    sf.invoice_due(flows, date(2026, 12, 16))
    sf.run(backend, date(2026, 12, 11))
    [statement] = [s for s in sf.statements(flows) if s["settlement_date"] == "2026-12-16"]
    sent = flows.sales.post(
        f"/statements/{statement['statement_no']}/send",
        json={"sent_on": str(flows.today), "to": "Ms Li, AP", "channel": "email"},
    )
    assert sent.status_code == 200, sent.text
    # Then the chain renames itself and gets a new taxpayer number.
    new_name, new_tax_no = unique("Renamed Retail Ltd"), "91310114MA1HDQ001L"
    flows.change_customer(name=new_name, tax_no=new_tax_no)

    finance = person("finance")
    kept = {
        "issued invoice": f"/web/invoices/{issued['id']}/print",
        "red-letter form": f"/web/red-letter-forms/{entered['id']}/print",
        "sent statement": f"/web/statements/{statement['statement_no']}/print",
    }
    for what, page in kept.items():
        printed = text_of(finance.page(page))
        assert old_name in printed and new_name not in printed, what
        assert new_tax_no not in printed, what
    # A draft names the buyer as it is now (its delivery address was written when it was made).
    now = text_of(finance.page(f"/web/invoices/{draft['id']}/print"))
    assert new_name in now and new_tax_no in now
    # The printed invoice shows as the invoice's own page does, and the seller as it stood.
    assert old_name in text_of(finance.page(f"/web/invoices/{issued['id']}"))
    with backend.db.read() as session:
        parties = session.scalar(select(Invoice.parties).where(Invoice.id == issued["id"]))
        assert session.scalar(select(Invoice.parties).where(Invoice.id == draft["id"])) is None
    seller = backend.settings.seller
    assert parties is not None
    assert parties["seller"] == {
        "name": seller.name,
        "tax_no": seller.tax_no,
        "address": seller.address,
    }
    assert parties["buyer"]["name"] == old_name
