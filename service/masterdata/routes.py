"""HTTP routes for master data: customers with their DCs, contracts, items."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse
from sqlalchemy import select
from sqlalchemy.orm import Session

from service.http import Call, Ctx, CurrentActor, creating
from service.masterdata import queries, usecases
from service.masterdata.models import Item
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


@router.get("/customers", response_model=list[CustomerOut])
def list_customers(ctx: Ctx, _actor: CurrentActor) -> list[CustomerOut]:
    with ctx.db.read() as session:
        return [usecases.customer_out(c) for c in usecases.list_customers(session)]


@router.get("/customers/{code}", response_model=CustomerOut)
def get_customer(code: str, ctx: Ctx, _actor: CurrentActor) -> CustomerOut:
    with ctx.db.read() as session:
        return usecases.customer_out(queries.customer_by_code(session, code, field="code"))


@router.post("/customers", status_code=201, response_model=CustomerOut)
def create_customer(body: CustomerIn, call: KeeperCreate) -> JSONResponse:
    def work(session: Session) -> object:
        customer = usecases.create_customer(session, body)
        return usecases.customer_out(customer).model_dump(mode="json")

    return call.respond(work, body=body.model_dump(mode="json"), status_code=201)


@router.get("/customers/{code}/contracts", response_model=list[ContractOut])
def list_contracts(code: str, ctx: Ctx, _actor: CurrentActor) -> list[ContractOut]:
    with ctx.db.read() as session:
        customer = queries.customer_by_code(session, code, field="code")
        return [usecases.contract_out(c) for c in usecases.list_contracts(session, customer)]


@router.post("/contracts", status_code=201, response_model=ContractOut)
def create_contract(body: ContractIn, call: KeeperCreate) -> JSONResponse:
    def work(session: Session) -> object:
        return usecases.contract_out(usecases.create_contract(session, body)).model_dump(
            mode="json"
        )

    return call.respond(work, body=body.model_dump(mode="json"), status_code=201)


@router.get("/items", response_model=list[ItemOut])
def list_items(ctx: Ctx, _actor: CurrentActor) -> list[ItemOut]:
    with ctx.db.read() as session:
        return [
            ItemOut.model_validate(i) for i in session.scalars(select(Item).order_by(Item.code))
        ]


@router.post("/items", status_code=201, response_model=ItemOut)
def create_item(body: ItemIn, call: KeeperCreate) -> JSONResponse:
    def work(session: Session) -> object:
        return ItemOut.model_validate(usecases.create_item(session, body)).model_dump(mode="json")

    return call.respond(work, body=body.model_dump(mode="json"), status_code=201)
