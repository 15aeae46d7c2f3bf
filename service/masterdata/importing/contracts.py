"""`o2c import contracts`: purchase contracts with their price lists.

One row per price of the list; rows with the same `contract_no` are one contract and state its
own columns alike. Each contract is made by the API's use case (`contracts.create_contract`:
the customer known, no overlap with its other contracts, each item known and priced once, the
journal, where its creation is `import`), atomic: one bad row and none of the contract is
booked. A rerun finds the contract by its number: the same data is already booked, other data
is refused naming the columns, and nothing is changed (`PUT /contracts/{contract_no}` changes
a contract).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from service.imports import Batch, Document, Importer
from service.masterdata import contracts
from service.masterdata.importing.common import (
    Locate,
    already_or_differs,
    blame,
    cells,
    differing,
    indexed,
    validated,
)
from service.masterdata.models import Contract, ContractPrice, Customer, Item
from service.masterdata.schemas import ContractIn

CONTRACT_COLUMNS = (
    "contract_no",
    "customer_code",
    "valid_from",
    "valid_to",
    "discount_rate",
    "rebate_terms",
    "prices_include_tax",
)
PRICE_COLUMNS = ("item_code", "unit_price")
_WHOLE = {"contract.valid_from_after_valid_to": "valid_from", "prices": "item_code"}

HELP = """Import purchase contracts with their price lists (HQ), one row per agreed price.

Columns: contract_no, customer_code, valid_from, valid_to (YYYY-MM-DD), item_code, unit_price;
optional: discount_rate (0.05 = 5%), rebate_terms, prices_include_tax (true/false, default
true). Rows with the same contract_no are one contract, booked whole or not at all; the
customer and items must exist (import them first) and the period must not overlap another
contract of the customer. A rerun finds the contract by its number: the same data is already
booked, other data refused by column."""


def locate(_document: Document) -> Locate:
    """Where a field of the request body stands among the contract's rows: (row, column)."""

    def where(name: str) -> tuple[int, str]:
        found = indexed(name)
        if found and found[0] == "prices":
            return found[1], found[2] or "item_code"
        return 0, found[0] if found else _WHOLE.get(name, name)

    return where


def body(document: Document) -> dict[str, Any]:
    """The rows as the body of `POST /contracts`: one price per row."""
    data: dict[str, Any] = {
        name: document.agreed(name) for name in CONTRACT_COLUMNS if document.agreed(name)
    }
    data["prices"] = [cells(row.values, PRICE_COLUMNS) for row in document.rows]
    return data


def _compare(document: Document, found: Contract) -> None:
    """The contract as booked against the file: already booked, or refused by column and by
    the row of each price that differs."""
    data: ContractIn = document.data["contract"]
    wanted = data.model_dump(exclude={"prices"})
    stored = {name: getattr(found, name) for name in wanted if name != "customer_code"}
    differs = differing(wanted, stored | {"customer_code": found.customer.code})
    prices = {p.item.code: p.unit_price for p in found.prices}
    for row, price in zip(document.rows, data.prices, strict=True):
        if price.item_code not in prices:
            row.fail("item_code", f"contract {document.key} has no price for {price.item_code}")
        elif prices[price.item_code] != price.unit_price:
            row.fail(
                "unit_price",
                f"contract {document.key} is stored with {prices[price.item_code]} for "
                f"{price.item_code}; nothing was changed",
            )
    left_out = sorted(prices.keys() - {p.item_code for p in data.prices})
    if left_out:
        differs["item_code"] = [f"prices of {', '.join(left_out)} too"]
    already_or_differs(document, "contract", differs)


def _refuse_unknown(batch: Batch, documents: Sequence[Document]) -> None:
    """Every row naming an item or customer that does not exist is refused, by line."""
    rows = [row for document in documents for row in document.rows]
    items = {row.values["item_code"] for row in rows}
    customers = {row.values["customer_code"] for row in rows}
    items &= set(batch.session.scalars(select(Item.code).where(Item.code.in_(items))))
    customers &= set(
        batch.session.scalars(select(Customer.code).where(Customer.code.in_(customers)))
    )
    for document in documents:
        if document.first.values["customer_code"] not in customers:
            document.fail(
                "customer_code", f"unknown customer {document.first.values['customer_code']}"
            )
        for row in document.rows:
            if row.values["item_code"] not in items:
                row.fail("item_code", f"unknown item {row.values['item_code']}")


class ContractsImport(Importer):
    name = "contracts"
    help = HELP
    unit = "contract"
    roles = frozenset({"hq", "admin"})
    columns = CONTRACT_COLUMNS + PRICE_COLUMNS
    optional = frozenset({"discount_rate", "rebate_terms", "prices_include_tax"})
    key_columns = ("contract_no",)
    shared: ClassVar[tuple[str, ...]] = CONTRACT_COLUMNS

    def check(self, document: Document) -> None:
        data = validated(ContractIn, body(document), document, locate(document))
        if data is not None:
            document.data["contract"] = data

    def look_up(self, batch: Batch, documents: Sequence[Document]) -> None:
        found = {
            c.contract_no: c
            for c in batch.session.scalars(
                select(Contract)
                .where(Contract.contract_no.in_([d.key for d in documents]))
                .options(
                    joinedload(Contract.customer),
                    selectinload(Contract.prices).joinedload(ContractPrice.item),
                )
            )
        }
        for document in documents:
            if document.key in found:
                _compare(document, found[document.key])
        _refuse_unknown(batch, [d for d in documents if d.outcome is None and not d.problems])

    def book(self, batch: Batch, documents: Sequence[Document]) -> None:
        for document in documents:
            data = document.data["contract"]
            contracts.create_contract(batch.session, batch.ctx, data=data, how="import")

    def blame(self, document: Document, error: Exception) -> None:
        blame(error, document, locate(document))
