"""Master data use cases: items here; customers, contracts and powers of attorney in their own
modules (`customers`, `contracts`, `attorneys`), named here too for seeds and the demo."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.context import Context
from service.errors import Conflict
from service.masterdata.contracts import create_contract, new_contract
from service.masterdata.customers import create_customer, new_customer
from service.masterdata.models import Item
from service.masterdata.schemas import ItemIn, ItemOut

__all__ = [
    "create_contract",
    "create_customer",
    "create_item",
    "new_contract",
    "new_customer",
    "new_item",
]


def new_item(session: Session, data: ItemIn) -> Item:
    if session.scalar(select(Item.id).where(Item.code == data.code)) is not None:
        raise Conflict("item.exists", field="code", item_code=data.code)
    item = Item(**data.model_dump())
    session.add(item)
    session.flush()
    return item


def create_item(session: Session, _ctx: Context, *, data: ItemIn) -> ItemOut:
    return ItemOut.model_validate(new_item(session, data))
