"""`o2c import payments`: payments received (e.g. in the weeks before go-live), from a CSV file.

Rows with the same bank reference are one payment; each is booked through `record_payment`, as
`POST /payments` books it: the ledger, the invoices' paid states and collection follow. A
payment whose bank reference is booked already is reported "already booked" (when the booked one
is of the same customer and amount; otherwise refused, naming it).
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from sqlalchemy import select

from service.errors import DomainError
from service.imports import Batch, Document, Importer, Row
from service.imports.importer import REFUSALS
from service.masterdata.models import Customer
from service.payments.models import Payment
from service.payments.recording import record_payment
from service.payments.schemas import PaymentIn, RemittanceLineIn, bank_reference

HELP = """Book payments received from a CSV file, one row per payment or per invoice it pays.

Header: bank_reference,customer_code,value_date,amount,payer,invoice_no,invoice_amount,note

Rows with the same bank_reference are one payment and must agree on customer_code, value_date
(YYYY-MM-DD, the day the money arrived), amount, payer and note; invoice_no and invoice_amount
(optional) say what it pays on which invoice, as a remittance advice does: without them the
payment is allocated oldest due first, as the API does, and what is left is the customer's
unapplied credit. payer defaults to the customer's name. A rerun books nothing twice: a bank
reference booked before is "already booked". Needs a finance user.
"""

MAX_AMOUNT = Decimal("10000000000.00")


class PaymentsImporter(Importer):
    name = "payments"
    help = HELP
    unit = "payment"
    bulk = (Payment,)
    roles = frozenset({"finance"})
    columns = (
        "bank_reference",
        "customer_code",
        "value_date",
        "amount",
        "payer",
        "invoice_no",
        "invoice_amount",
        "note",
    )
    optional = frozenset({"payer", "invoice_no", "invoice_amount", "note"})
    key_columns = ("bank_reference",)
    shared = ("customer_code", "value_date", "amount", "payer", "note")

    def key(self, row: Row) -> str:
        return bank_reference(row.values["bank_reference"])

    def parse(self, row: Row) -> None:
        row.text("bank_reference", longest=64)
        row.text("customer_code", longest=32)
        row.text("payer", longest=200)
        row.text("note", longest=2000)
        row.text("invoice_no", longest=32)
        row.parsed["value_date"] = row.day("value_date")
        row.parsed["amount"] = row.decimal("amount", low=Decimal("0.01"), high=MAX_AMOUNT)
        paid = row.decimal("invoice_amount", low=Decimal("0.01"), high=MAX_AMOUNT)
        row.parsed["invoice_amount"] = paid
        if row.values["invoice_no"] and not row.values["invoice_amount"]:
            row.fail("invoice_amount", "is empty: say what the payment pays on the invoice")
        if row.values["invoice_amount"] and not row.values["invoice_no"]:
            row.fail("invoice_no", "is empty: say which invoice the amount pays")

    def check(self, document: Document) -> None:
        named: dict[str, int] = {}
        for row in document.rows:
            number = row.values["invoice_no"]
            if number and number in named:
                row.fail("invoice_no", f"{number} is also on line {named[number]}")
            named.setdefault(number, row.line)
        if any(r.values["invoice_no"] for r in document.rows) and not all(
            r.values["invoice_no"] for r in document.rows
        ):
            document.fail("invoice_no", "name an invoice on every row of the payment, or on none")

    def look_up(self, batch: Batch, documents: Sequence[Document]) -> None:
        codes = {d.agreed("customer_code") for d in documents}
        known = batch.memo.setdefault("customers", {})
        wanted = codes - set(known)
        if wanted:
            rows = batch.session.execute(
                select(Customer.code, Customer.id, Customer.name).where(Customer.code.in_(wanted))
            )
            known.update({code: (cid, name) for code, cid, name in rows})
        booked = {
            ref: (no, customer_id, amount)
            for ref, no, customer_id, amount in batch.session.execute(
                select(
                    Payment.bank_reference, Payment.payment_no, Payment.customer_id, Payment.amount
                ).where(Payment.bank_reference.in_([d.key for d in documents]))
            )
        }
        for document in documents:
            customer = known.get(document.agreed("customer_code"))
            if customer is None:
                document.fail("customer_code", f"no customer {document.agreed('customer_code')}")
                continue
            document.data["payer"] = document.agreed("payer") or customer[1]
            found = booked.get(document.key)
            if found is None:
                continue
            number, customer_id, amount = found
            if customer_id == customer[0] and amount == document.first.parsed["amount"]:
                document.already(f"bank reference {document.key} is payment {number}")
            else:
                document.fail(
                    "bank_reference",
                    f"{document.key} is already payment {number} of another customer or amount",
                )

    def book(self, batch: Batch, documents: Sequence[Document]) -> None:
        """Each payment in its own SAVEPOINT: `record_payment` refuses before it books, so one
        refused payment leaves the others of the chunk booked."""
        for document in documents:
            try:
                with batch.session.begin_nested():
                    record_payment(batch.session, batch.ctx, data=self.payment(document))
            except REFUSALS as error:
                self.blame(document, error)

    def payment(self, document: Document) -> PaymentIn:
        """The document as `POST /payments` takes it."""
        first = document.first
        remittance = [
            RemittanceLineIn(invoice_no=r.values["invoice_no"], amount=r.parsed["invoice_amount"])
            for r in document.rows
            if r.values["invoice_no"]
        ]
        return PaymentIn(
            customer_code=document.agreed("customer_code"),
            amount=first.parsed["amount"],
            value_date=first.parsed["value_date"],
            payer=document.data["payer"],
            bank_reference=document.key,
            remittance=remittance,
            note=document.agreed("note"),
        )

    def blame(self, document: Document, error: Exception) -> None:
        """A refusal of `remittance[k]` on the row that names that invoice."""
        if isinstance(error, DomainError):
            rows = [r for r in document.rows if r.values["invoice_no"]]
            for problem in error.errors:
                index, _, rest = problem.field.removeprefix("remittance[").partition("]")
                named = problem.field.startswith("remittance[") and index.isdigit()
                if named and int(index) < len(rows):
                    column = "invoice_amount" if rest == ".amount" else "invoice_no"
                    rows[int(index)].fail(column, problem.reason())
                    return
        super().blame(document, error)
