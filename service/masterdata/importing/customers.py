"""`o2c import customers`: customers with their payment terms and receiving DCs.

One row per DC (or one row for a customer without DCs); rows with the same `code` are one
customer and state its own columns alike. Each customer is made by the API's use case
(`customers.create_customer`: the same validation, its first payment terms, the journal, where
its creation is `import`). A rerun finds the customer by code: the same data is already booked,
other data is refused naming the columns, and nothing is changed (`PUT /customers/{code}`
changes a customer).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from service.imports import Batch, Document, Importer, Row
from service.masterdata import customers, queries
from service.masterdata.importing.common import (
    Locate,
    already_or_differs,
    blame,
    cells,
    differing,
    indexed,
    listed,
    validated,
)
from service.masterdata.models import Customer
from service.masterdata.schemas import CustomerIn

CUSTOMER_COLUMNS = (
    "code",
    "name",
    "tax_no",
    "branch",
    "grade",
    "credit_limit",
    "payment_term_days",
    "settlement_kind",
    "settlement_day",
    "non_working",
    "reconciliation_lead_days",
    "invoice_delivery",
    "settlement_centre_address",
    "discount_mode",
    "return_credit_methods",
)
DC_COLUMNS = ("dc_code", "dc_name", "dc_address")
REQUIRED = ("code", "name", "grade", "credit_limit", "payment_term_days", "settlement_kind")
# Refusals of the body as a whole, by the column they are about.
_WHOLE = {
    "customer.settlement_day_required": "settlement_day",
    "customer.settlement_day_only_monthly": "settlement_day",
    "customer.settlement_centre_address_required": "settlement_centre_address",
    "customer.dc_codes_not_unique": "dc_code",
    "warehouses": "dc_code",
}

HELP = """Import customers with their payment terms and receiving DCs (HQ), one row per DC.

Columns: code, name, grade (A/B/C), credit_limit, payment_term_days, settlement_kind (receipt,
month_end or monthly_day); optional: tax_no, branch, settlement_day (1-31, with monthly_day),
non_working (keep/next/previous), reconciliation_lead_days (1-15), invoice_delivery (branch or
settlement_centre), settlement_centre_address, discount_mode (on_invoice, receipt_offset,
red_letter), return_credit_methods (separated by ;), dc_code, dc_name, dc_address. Rows with
the same code are one customer (one row per DC); empty cells take the API's defaults. A rerun
finds the customer by code: the same data is already booked, other data refused by column."""


def _dc_rows(document: Document) -> list[int]:
    return [i for i, row in enumerate(document.rows) if row.values.get("dc_code")]


def locate(document: Document) -> Locate:
    """Where a field of the request body stands among the customer's rows: (row, column)."""
    dc_rows = _dc_rows(document)

    def where(name: str) -> tuple[int, str]:
        found = indexed(name)
        if found and found[0] == "warehouses" and found[1] < len(dc_rows):
            return dc_rows[found[1]], f"dc_{found[2] or 'code'}"
        return 0, found[0] if found else _WHOLE.get(name, name)

    return where


def body(document: Document) -> dict[str, Any]:
    """The rows as the body of `POST /customers`."""
    data: dict[str, Any] = {
        name: document.agreed(name) for name in CUSTOMER_COLUMNS if document.agreed(name)
    }
    if "return_credit_methods" in data:
        data["return_credit_methods"] = listed(data["return_credit_methods"])
    data["warehouses"] = [
        {column[3:]: value for column, value in cells(row.values, DC_COLUMNS).items()}
        for row in (document.rows[i] for i in _dc_rows(document))
    ]
    return data


def _stored(found: Customer, data: CustomerIn, batch: Batch) -> dict[str, Any]:
    """What is stored differently from the file, by column."""
    flow = batch.ctx.workflows.flow(Customer)
    out = queries.customer_out(found, flow, batch.today).model_dump()
    differs = differing(data.model_dump(exclude={"warehouses"}), out)
    dcs = {w.code: w for w in found.warehouses}
    wanted = {w.code: w for w in data.warehouses}
    if dcs.keys() != wanted.keys():
        differs["dc_code"] = sorted(dcs)
    for column in ("name", "address"):
        if any(
            getattr(dcs[c], column) != getattr(w, column) for c, w in wanted.items() if c in dcs
        ):
            differs[f"dc_{column}"] = [getattr(d, column) for d in dcs.values()]
    return differs


class CustomersImport(Importer):
    name = "customers"
    help = HELP
    unit = "customer"
    roles = frozenset({"hq", "admin"})
    columns = CUSTOMER_COLUMNS + DC_COLUMNS
    optional = frozenset(columns) - set(REQUIRED)
    key_columns = ("code",)
    shared: ClassVar[tuple[str, ...]] = CUSTOMER_COLUMNS

    def parse(self, row: Row) -> None:
        if not row.values["dc_code"] and (row.values["dc_name"] or row.values["dc_address"]):
            row.fail("dc_code", "is empty while the row names a DC")

    def check(self, document: Document) -> None:
        dcs: dict[str, int] = {}
        for row in document.rows:
            dc = row.values["dc_code"]
            if dc and dcs.setdefault(dc, row.line) != row.line:
                row.fail("dc_code", f"{dc} is on line {dcs[dc]} too")
        data = validated(CustomerIn, body(document), document, locate(document))
        if data is not None:
            document.data["customer"] = data

    def look_up(self, batch: Batch, documents: Sequence[Document]) -> None:
        found = {
            c.code: c
            for c in batch.session.scalars(
                select(Customer)
                .where(Customer.code.in_([d.key for d in documents]))
                .options(selectinload(Customer.warehouses), selectinload(Customer.payment_terms))
            )
        }
        for document in documents:
            if document.key in found:
                stored = _stored(found[document.key], document.data["customer"], batch)
                already_or_differs(document, "customer", stored)

    def book(self, batch: Batch, documents: Sequence[Document]) -> None:
        for document in documents:
            data = document.data["customer"]
            customers.create_customer(batch.session, batch.ctx, data=data, how="import")

    def blame(self, document: Document, error: Exception) -> None:
        blame(error, document, locate(document))
