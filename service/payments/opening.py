"""`o2c import opening-receivables`: what customers still owe at cut-over, and their credit.

Per customer and imported invoice, the old system says what is still owed on it; the part of
the invoice already paid there is booked as an opening settlement: an opening payment (journalled
`opening`) remitting that part to the invoice, its bank reference `OPENING-<invoice_no>`. Per
customer, a row without an invoice is the credit the old system held unapplied: an opening payment
that applies nothing, `OPENING-CREDIT-<customer_code>`. Both go through `record_payment`, so the
ledger identity holds after and the invoices' paid states follow. A rerun books nothing twice:
the opening payment is found by its reference, and an invoice that already owes what the file
says needs nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select

from service.errors import DomainError
from service.imports import Batch, Document, Importer, Row
from service.imports.importer import REFUSALS
from service.invoices.models import Invoice
from service.ledger import Allocation
from service.masterdata.models import Customer
from service.payments.models import Payment
from service.payments.recording import record_payment
from service.payments.schemas import PaymentIn, RemittanceLineIn, bank_reference

HELP = """Book the opening receivables at go-live from a CSV file: per customer and invoice what
is still owed on it, per customer the credit it holds.

Header: customer_code,invoice_no,outstanding,as_of

A row with an invoice_no (an invoice imported before, see `o2c import invoices`) says what the
customer still owes on it: the part already paid in the old system is booked as an opening
settlement (bank reference OPENING-<invoice_no>). A row without an invoice_no is the customer's
unapplied credit, booked as an opening payment that applies nothing (OPENING-CREDIT-<customer>).
as_of (optional, YYYY-MM-DD) is the cut-over date the opening payments are dated (default
today). A rerun books nothing twice. Needs a finance user.
"""

NOTE = "opening balance imported at go-live"
MAX_AMOUNT = Decimal("10000000000.00")


def reference(customer_code: str, invoice_no: str) -> str:
    """The opening payment's bank reference: of the invoice, or of the customer's credit."""
    if invoice_no:
        return bank_reference(f"OPENING-{invoice_no}")
    return bank_reference(f"OPENING-CREDIT-{customer_code}")


class OpeningReceivablesImporter(Importer):
    name = "opening-receivables"
    help = HELP
    unit = "opening balance"
    roles = frozenset({"finance"})
    columns = ("customer_code", "invoice_no", "outstanding", "as_of")
    optional = frozenset({"invoice_no", "as_of"})
    key_columns = ("customer_code", "invoice_no")

    def parse(self, row: Row) -> None:
        row.text("customer_code", longest=32)
        row.text("invoice_no", longest=32)
        row.parsed["as_of"] = row.day("as_of")
        low = Decimal("0.00") if row.values["invoice_no"] else Decimal("0.01")
        row.parsed["outstanding"] = row.decimal("outstanding", low=low, high=MAX_AMOUNT)

    def check(self, document: Document) -> None:
        for row in document.rows[1:]:
            row.fail(
                "invoice_no" if row.values["invoice_no"] else "customer_code",
                f"{document.key} is also on line {document.first.line}",
            )

    def look_up(self, batch: Batch, documents: Sequence[Document]) -> None:
        customers = self._customers(batch, {d.first.values["customer_code"] for d in documents})
        numbers = [d.first.values["invoice_no"] for d in documents if d.first.values["invoice_no"]]
        invoices = _invoices(batch, numbers)
        for document in documents:
            values = document.first.values
            document.data["reference"] = reference(values["customer_code"], values["invoice_no"])
        booked = dict(
            batch.session.execute(
                select(Payment.bank_reference, Payment.payment_no).where(
                    Payment.bank_reference.in_([d.data["reference"] for d in documents])
                )
            ).all()
        )
        for document in documents:
            code = document.first.values["customer_code"]
            if code not in customers:
                document.fail("customer_code", f"no customer {code}")
            elif document.data["reference"] in booked:
                number = booked[document.data["reference"]]
                document.already(f"opening payment {number} ({document.data['reference']})")
            else:
                document.data["customer"] = customers[code]
                if document.first.values["invoice_no"]:
                    self._settlement(document, invoices)
                else:
                    document.data["amount"] = document.first.parsed["outstanding"]

    @staticmethod
    def _customers(batch: Batch, codes: set[str]) -> dict[str, tuple[int, str]]:
        known: dict[str, tuple[int, str]] = batch.memo.setdefault("customers", {})
        wanted = codes - set(known)
        if wanted:
            rows = batch.session.execute(
                select(Customer.code, Customer.id, Customer.name).where(Customer.code.in_(wanted))
            )
            known.update({code: (cid, name) for code, cid, name in rows})
        return known

    @staticmethod
    def _settlement(document: Document, invoices: dict[str, tuple[int, Decimal, Decimal]]) -> None:
        """What the old system was paid on the invoice: what it owes here less what is left."""
        number = document.first.values["invoice_no"]
        stated: Decimal = document.first.parsed["outstanding"]
        found = invoices.get(number)
        if found is None or found[0] != document.data["customer"][0]:
            whose = "no invoice" if found is None else "another customer's invoice"
            document.fail("invoice_no", f"{whose} {number}: import the issued invoices first")
            return
        _, owed, applied = found
        if stated > owed and stated == owed + applied:
            # A rerun after payments booked since the cut-over: the invoice owed what the file
            # says before them, and needed no opening settlement.
            document.already(
                f"invoice {number} owed {stated} as stated: nothing to settle "
                f"({applied} paid since)"
            )
        elif stated > owed:
            document.fail("outstanding", f"{stated} is more than invoice {number} owes ({owed})")
        elif stated == owed:
            document.already(f"invoice {number} owes {owed} as stated: nothing to settle")
        else:
            document.data["amount"] = owed - stated

    def book(self, batch: Batch, documents: Sequence[Document]) -> None:
        """Each opening payment in its own SAVEPOINT (a refused one leaves the others)."""
        for document in documents:
            try:
                with batch.session.begin_nested():
                    record_payment(
                        batch.session, batch.ctx, data=self.payment(batch, document), opening=True
                    )
            except REFUSALS as error:
                self.blame(document, error)

    @staticmethod
    def payment(batch: Batch, document: Document) -> PaymentIn:
        values: dict[str, Any] = document.first.values
        amount: Decimal = document.data["amount"]
        number = values["invoice_no"]
        remitted = [RemittanceLineIn(invoice_no=number, amount=amount)] if number else []
        return PaymentIn(
            customer_code=values["customer_code"],
            amount=amount,
            value_date=document.first.parsed["as_of"] or batch.today,
            payer=document.data["customer"][1],
            bank_reference=document.data["reference"],
            remittance=remitted,
            note=NOTE,
        )

    def blame(self, document: Document, error: Exception) -> None:
        """A refusal of what the opening payment remits is the invoice's."""
        if isinstance(error, DomainError) and any(
            e.field.startswith("remittance") for e in error.errors
        ):
            for problem in error.errors:
                document.fail("invoice_no", problem.reason())
            return
        super().blame(document, error)


def _invoices(batch: Batch, numbers: list[str]) -> dict[str, tuple[int, Decimal, Decimal]]:
    """By number: the invoice's customer, what it owes and what payments applied to it (an
    invoice imported owing its whole total has had nothing else applied before the cut-over)."""
    applied = (
        select(func.coalesce(func.sum(Allocation.amount), 0))
        .where(Allocation.invoice_id == Invoice.id)
        .scalar_subquery()
    )
    rows = batch.session.execute(
        select(Invoice.invoice_no, Invoice.customer_id, Invoice.outstanding, applied).where(
            Invoice.invoice_no.in_(numbers)
        )
    )
    return {
        number: (customer_id, outstanding, Decimal(done).quantize(Decimal("0.01")))
        for number, customer_id, outstanding, done in rows
    }
