"""`o2c import items`: the product models (商品型号) contracts price and orders name.

One row per item: code, name, unit (default 台), tax_rate (default 0.13). Each is made as
`POST /items` makes it; a rerun finds the item by code: the same data is already booked, other
data is refused naming the columns, and nothing is changed.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select

from service.imports import Batch, Document, Importer
from service.masterdata import usecases
from service.masterdata.importing.common import (
    Locate,
    already_or_differs,
    blame,
    cells,
    differing,
    validated,
)
from service.masterdata.models import Item
from service.masterdata.schemas import ItemIn

HELP = """Import items (product models) (HQ), one row per item.

Columns: code, name; optional: unit (default 台), tax_rate (VAT rate, default 0.13). A rerun
finds the item by code: the same data is already booked, other data refused by column."""


def locate(_document: Document) -> Locate:
    return lambda name: (0, name or "code")


class ItemsImport(Importer):
    name = "items"
    help = HELP
    unit = "item"
    roles = frozenset({"hq", "admin"})
    columns = ("code", "name", "unit", "tax_rate")
    optional = frozenset({"unit", "tax_rate"})
    key_columns = ("code",)

    def check(self, document: Document) -> None:
        for row in document.rows[1:]:
            row.fail("code", f"item {document.key} is on line {document.first.line} too")
        values = cells(document.first.values, self.columns)
        data = validated(ItemIn, values, document, locate(document))
        if data is not None:
            document.data["item"] = data

    def look_up(self, batch: Batch, documents: Sequence[Document]) -> None:
        codes = [d.key for d in documents]
        found = {i.code: i for i in batch.session.scalars(select(Item).where(Item.code.in_(codes)))}
        for document in documents:
            if document.key in found:
                item = found[document.key]
                stored = {name: getattr(item, name) for name in ItemIn.model_fields}
                already_or_differs(
                    document, "item", differing(document.data["item"].model_dump(), stored)
                )

    def book(self, batch: Batch, documents: Sequence[Document]) -> None:
        for document in documents:
            usecases.create_item(batch.session, batch.ctx, data=document.data["item"])

    def blame(self, document: Document, error: Exception) -> None:
        blame(error, document, locate(document))
