"""HTTP routes for master data: customers with their DCs, contracts, items."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from service.http import Call, Reader, creating
from service.masterdata import queries, usecases
from service.masterdata.schemas import (
    ContractIn,
    ContractOut,
    CustomerIn,
    CustomerOut,
    ItemIn,
    ItemOut,
)

router = APIRouter(tags=["master data"])
KeeperCreate = Annotated[Call, Depends(creating("hq", "admin"))]


@router.get("/customers", summary="Customers with their receiving DCs")
async def list_customers(read: Reader) -> list[CustomerOut]:
    return await read.run(queries.customers)


@router.get("/customers/{code}", summary="One customer")
async def get_customer(code: str, read: Reader) -> CustomerOut:
    return await read.run(queries.customer, code=code)


@router.post("/customers", status_code=201, summary="Add a customer (HQ)")
async def create_customer(body: CustomerIn, call: KeeperCreate) -> CustomerOut:
    return await call.run(usecases.create_customer, data=body)


@router.get("/customers/{code}/contracts", summary="A customer's purchase contracts")
async def list_contracts(code: str, read: Reader) -> list[ContractOut]:
    return await read.run(queries.contracts, code=code)


@router.post("/contracts", status_code=201, summary="Add a purchase contract with its prices (HQ)")
async def create_contract(body: ContractIn, call: KeeperCreate) -> ContractOut:
    return await call.run(usecases.create_contract, data=body)


@router.get("/items", summary="Items (models) with their VAT rates")
async def list_items(read: Reader) -> list[ItemOut]:
    return await read.run(queries.items)


@router.post("/items", status_code=201, summary="Add an item (HQ)")
async def create_item(body: ItemIn, call: KeeperCreate) -> ItemOut:
    return await call.run(usecases.create_item, data=body)
