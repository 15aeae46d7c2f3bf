"""HTTP routes for master data: customers with their DCs, contracts, powers of attorney, items.

Changes of customers, contracts and powers of attorney are lifecycle triggers: who may make
them is what their workflow YAML says, and each is journalled (`.../history`)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response

from service.http import Call, PathId, Reader, creating, trigger
from service.masterdata import attorneys, contracts, customers, queries, terms, usecases
from service.masterdata.schemas import (
    AttorneyIn,
    AttorneyOut,
    AttorneyPersonLeft,
    AttorneyReplace,
    AttorneyRevoke,
    ContractIn,
    ContractOut,
    ContractUpdate,
    CustomerIn,
    CustomerOut,
    CustomerReason,
    CustomerUpdate,
    ItemIn,
    ItemOut,
    TermsChangeOut,
    TermsIn,
    TermsOut,
)
from service.schemas import EventOut

router = APIRouter(tags=["master data"])
KeeperCreate = Annotated[Call, Depends(creating("hq", "admin"))]


@router.get("/customers", summary="Customers with their receiving DCs")
async def list_customers(read: Reader) -> list[CustomerOut]:
    return await read.run(queries.customers)


@router.get("/customers/{code}", summary="One customer; its version is the ETag")
async def get_customer(code: str, read: Reader) -> CustomerOut:
    return await read.run(queries.customer, code=code, etag=True)


@router.post("/customers", status_code=201, summary="Add a customer (HQ)")
async def create_customer(body: CustomerIn, call: KeeperCreate) -> CustomerOut:
    return await call.run(usecases.create_customer, data=body)


@router.put(
    "/customers/{code}",
    summary="Change a customer: send back what you read, changed (HQ; journalled)",
)
async def update_customer(
    code: str, body: CustomerUpdate, call: Annotated[Call, trigger("customer", "update")]
) -> CustomerOut:
    return await call.run(customers.update_customer, code=code, data=body)


@router.post("/customers/{code}/suspend", summary="Suspend a customer's orders, with a reason")
async def suspend_customer(
    code: str, body: CustomerReason, call: Annotated[Call, trigger("customer", "suspend")]
) -> CustomerOut:
    return await call.run(customers.suspend_customer, code=code, data=body)


@router.post("/customers/{code}/reactivate", summary="Let a customer's orders go on, with a reason")
async def reactivate_customer(
    code: str, body: CustomerReason, call: Annotated[Call, trigger("customer", "reactivate")]
) -> CustomerOut:
    return await call.run(customers.reactivate_customer, code=code, data=body)


@router.get("/customers/{code}/history", summary="Every change of the customer, from the journal")
async def customer_history(code: str, read: Reader) -> list[EventOut]:
    return await read.run(queries.customer_history, code=code)


@router.get(
    "/customers/{code}/terms",
    summary="The versions of a customer's payment terms (R19), newest first; in_force: today's",
)
async def list_terms(code: str, read: Reader) -> list[TermsOut]:
    return await read.run(terms.versions, code=code)


@router.post(
    "/customers/{code}/terms",
    status_code=201,
    summary="Add a version of the payment terms, for goods received from its effective date "
    "(R19; finance, HQ; journalled): answers how many open invoices it moves and the first 50",
    responses={
        200: {"model": TermsChangeOut, "description": "dry_run: what it would do; nothing changed"}
    },
)
async def add_terms(
    code: str,
    body: TermsIn,
    call: Annotated[Call, trigger("customer", "change_terms", status_code=201)],
    response: Response,
    dry_run: Annotated[
        bool, Query(description="only answer what the version would do; change nothing (200)")
    ] = False,
) -> TermsChangeOut:
    if dry_run:
        call.status_code = response.status_code = 200
    return await call.run(terms.add_terms, code=code, data=body, dry_run=dry_run)


@router.get("/customers/{code}/contracts", summary="A customer's purchase contracts")
async def list_contracts(code: str, read: Reader) -> list[ContractOut]:
    return await read.run(queries.contracts, code=code)


@router.post("/contracts", status_code=201, summary="Add a purchase contract with its prices (HQ)")
async def create_contract(body: ContractIn, call: KeeperCreate) -> ContractOut:
    return await call.run(usecases.create_contract, data=body)


@router.get("/contracts/{contract_no}", summary="One purchase contract; its version is the ETag")
async def get_contract(contract_no: str, read: Reader) -> ContractOut:
    return await read.run(queries.contract, contract_no=contract_no, etag=True)


@router.put(
    "/contracts/{contract_no}",
    summary="Change a contract's validity, discount, rebate terms or prices (HQ; journalled); "
    "new prices apply to orders made from then on",
)
async def update_contract(
    contract_no: str, body: ContractUpdate, call: Annotated[Call, trigger("contract", "update")]
) -> ContractOut:
    return await call.run(contracts.update_contract, contract_no=contract_no, data=body)


@router.get(
    "/contracts/{contract_no}/history", summary="Every change of the contract, from the journal"
)
async def contract_history(contract_no: str, read: Reader) -> list[EventOut]:
    return await read.run(queries.contract_history, contract_no=contract_no)


@router.post(
    "/customers/{code}/powers-of-attorney",
    status_code=201,
    summary="Record a power of attorney, within its contract's period (R28; HQ)",
)
async def create_attorney(code: str, body: AttorneyIn, call: KeeperCreate) -> AttorneyOut:
    return await call.run(attorneys.create_attorney, code=code, data=body)


@router.get(
    "/customers/{code}/powers-of-attorney",
    summary="A customer's powers of attorney, revoked ones too, newest first",
)
async def list_attorneys(code: str, read: Reader) -> list[AttorneyOut]:
    return await read.run(queries.attorneys, code=code)


@router.get("/powers-of-attorney/{attorney_id}", summary="One power of attorney; version = ETag")
async def get_attorney(attorney_id: PathId, read: Reader) -> AttorneyOut:
    return await read.run(queries.attorney, attorney_id=attorney_id, etag=True)


@router.post("/powers-of-attorney/{attorney_id}/revoke", summary="Revoke, with a reason (HQ)")
async def revoke_attorney(
    attorney_id: PathId,
    body: AttorneyRevoke,
    call: Annotated[Call, trigger("power_of_attorney", "revoke")],
) -> AttorneyOut:
    return await call.run(attorneys.revoke_attorney, attorney_id=attorney_id, data=body)


@router.post(
    "/powers-of-attorney/{attorney_id}/replace",
    status_code=201,
    summary="The person changes: this one is revoked and its successor made at once (R28); "
    "answers the successor",
)
async def replace_attorney(
    attorney_id: PathId,
    body: AttorneyReplace,
    call: Annotated[Call, trigger("power_of_attorney", "replace", status_code=201)],
) -> AttorneyOut:
    return await call.run(attorneys.replace_attorney, attorney_id=attorney_id, data=body)


@router.post(
    "/powers-of-attorney/{attorney_id}/person-left",
    summary="The person named has left the customer: HQ is told to replace it (R28; sales, HQ)",
)
async def record_person_left(
    attorney_id: PathId,
    body: AttorneyPersonLeft,
    call: Annotated[Call, trigger("power_of_attorney", "record_person_left")],
) -> AttorneyOut:
    return await call.run(attorneys.record_person_left, attorney_id=attorney_id, data=body)


@router.get(
    "/powers-of-attorney/{attorney_id}/history",
    summary="Every change of the power of attorney, from the journal",
)
async def attorney_history(attorney_id: PathId, read: Reader) -> list[EventOut]:
    return await read.run(queries.attorney_history, attorney_id=attorney_id)


@router.get("/items", summary="Items (models) with their VAT rates")
async def list_items(read: Reader) -> list[ItemOut]:
    return await read.run(queries.items)


@router.post("/items", status_code=201, summary="Add an item (HQ)")
async def create_item(body: ItemIn, call: KeeperCreate) -> ItemOut:
    return await call.run(usecases.create_item, data=body)
