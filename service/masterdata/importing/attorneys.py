"""`o2c import powers-of-attorney`: the powers of attorney (授权委托书, R28) at go-live.

One row per power of attorney, numbered as the old system numbered it (`attorney_no`). Each is
made by the API's use case (`attorneys.create_attorney`: within its contract, the journal,
the customer's deadline alerts), its creation journalled as `import` with that number. A rerun
finds it by the number (or, recorded by hand before, by its customer, person and first day):
the same data is already booked, other data is refused naming the columns.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from service.imports import Batch, Document, Importer
from service.journal import Event
from service.masterdata import attorneys
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
from service.masterdata.models import Customer, PowerOfAttorney
from service.masterdata.schemas import AttorneyIn

BODY_COLUMNS = (
    "attorney_name",
    "id_number",
    "phone",
    "scope",
    "contract_no",
    "valid_from",
    "valid_to",
)
HOW = "import"
_WHOLE = {
    "attorney.identity_required": "id_number",
    "attorney.valid_from_after_valid_to": "valid_from",
    "code": "customer_code",
    "": "attorney_no",
}

HELP = """Import powers of attorney (授权委托书, R28) (HQ), one row per power of attorney.

Columns: attorney_no (the old system's number), customer_code, attorney_name, scope
(reconcile, collect or both, separated by ;), valid_from (YYYY-MM-DD); optional: id_number,
phone (one of them is required), contract_no (default: the customer's contract in force on
valid_from), valid_to (default: the contract's end; never beyond it). The customer and its
contract must exist (import them first). A rerun finds it by attorney_no: the same data is
already booked, other data refused by column."""


def locate(_document: Document) -> Locate:
    def where(name: str) -> tuple[int, str]:
        found = indexed(name)
        return 0, found[0] if found else _WHOLE.get(name, name)

    return where


def _imported(session: Session, customer_ids: set[int]) -> dict[tuple[int, str], int]:
    """The powers of attorney imported for these customers, by (customer, number)."""
    rows = session.execute(
        select(PowerOfAttorney.customer_id, Event.entity_id, Event.payload)
        .join(Event, Event.entity_id == PowerOfAttorney.id)
        .where(
            Event.entity_type == "power_of_attorney",
            Event.trigger == HOW,
            PowerOfAttorney.customer_id.in_(customer_ids),
        )
    )
    return {(c, str(payload.get("attorney_no"))): poa for c, poa, payload in rows}


def _found(
    session: Session,
    customer: Customer,
    number: str,
    data: AttorneyIn,
    imported: dict[tuple[int, str], int],
) -> PowerOfAttorney | None:
    """The power of attorney imported under `number`, or recorded by hand before: the same
    customer, person and first day."""
    where: list[Any] = (
        [PowerOfAttorney.id == imported[customer.id, number]]
        if (customer.id, number) in imported
        else [
            PowerOfAttorney.customer_id == customer.id,
            PowerOfAttorney.attorney_name == data.attorney_name,
            PowerOfAttorney.valid_from == data.valid_from,
            PowerOfAttorney.id.not_in(set(imported.values())),
        ]
    )
    return session.scalar(
        select(PowerOfAttorney)
        .where(*where)
        .options(joinedload(PowerOfAttorney.contract))
        .order_by(PowerOfAttorney.id)
        .limit(1)
    )


def _stored(found: PowerOfAttorney, data: AttorneyIn) -> dict[str, Any]:
    """What is stored differently from the file, by column (columns left empty: not compared)."""
    wanted = data.model_dump(exclude_none=True)
    stored = {name: getattr(found, name) for name in wanted if name != "contract_no"}
    stored["contract_no"] = found.contract.contract_no if found.contract else None
    return differing(wanted, stored)


class AttorneysImport(Importer):
    name = "powers-of-attorney"
    help = HELP
    unit = "power of attorney"
    roles = frozenset({"hq", "admin"})
    columns = ("attorney_no", "customer_code", *BODY_COLUMNS)
    optional = frozenset({"id_number", "phone", "contract_no", "valid_to"})
    key_columns = ("attorney_no",)

    def check(self, document: Document) -> None:
        for row in document.rows[1:]:
            row.fail("attorney_no", f"{document.key} is on line {document.first.line} too")
        values: dict[str, Any] = cells(document.first.values, BODY_COLUMNS)
        values["scope"] = listed(values.get("scope", ""))
        data = validated(AttorneyIn, values, document, locate(document))
        if data is not None:
            document.data["attorney"] = data

    def look_up(self, batch: Batch, documents: Sequence[Document]) -> None:
        codes = {d.first.values["customer_code"] for d in documents}
        found = {
            c.code: c
            for c in batch.session.scalars(select(Customer).where(Customer.code.in_(codes)))
        }
        imported = _imported(batch.session, {c.id for c in found.values()})
        for document in documents:
            customer = found.get(document.first.values["customer_code"])
            if customer is None:
                document.fail(
                    "customer_code", f"no customer {document.first.values['customer_code']}"
                )
                continue
            data = document.data["attorney"]
            booked = _found(batch.session, customer, document.key, data, imported)
            if booked is not None:
                already_or_differs(document, "power of attorney", _stored(booked, data))

    def book(self, batch: Batch, documents: Sequence[Document]) -> None:
        for document in documents:
            attorneys.create_attorney(
                batch.session,
                batch.ctx,
                code=document.first.values["customer_code"],
                data=document.data["attorney"],
                how=HOW,
                journal={"attorney_no": document.key},
            )

    def blame(self, document: Document, error: Exception) -> None:
        blame(error, document, locate(document))
