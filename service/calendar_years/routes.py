"""HTTP routes: the years the working-day calendar knows, and loading a year's notice (admin)."""

from __future__ import annotations

import hashlib
from typing import Annotated, Any

from fastapi import APIRouter, Depends, UploadFile

from service.calendar_years.notice import MAX_FILE_BYTES, file_name
from service.calendar_years.queries import calendar_years
from service.calendar_years.schemas import (
    CalendarFileIn,
    CalendarLoadOut,
    CalendarUpload,
    CalendarYearsOut,
)
from service.calendar_years.usecases import load, load_upload
from service.errors import PayloadTooLarge
from service.http import Call, Reader, creating
from service.problems import Problem

router = APIRouter(prefix="/calendar/years", tags=["calendar"])
AdminLoad = Annotated[Call, Depends(creating("admin"))]
TOO_LARGE: dict[int | str, dict[str, Any]] = {
    413: {"model": Problem, "description": "The file is larger than a calendar file may be"}
}


@router.get("", summary="The years the working-day calendar knows: the package's and the loaded")
async def list_years(read: Reader) -> CalendarYearsOut:
    return await read.run(calendar_years)


@router.post(
    "",
    status_code=201,
    summary="Load a year's State Council holidays and make-up working days (YAML as JSON text)",
)
async def load_year(body: CalendarFileIn, call: AdminLoad) -> CalendarLoadOut:
    return await call.run(load, data=body)


@router.post(
    "/file",
    status_code=201,
    responses=TOO_LARGE,
    summary="Load a year's State Council holidays and make-up working days (file upload)",
)
async def load_year_file(
    file: UploadFile, call: AdminLoad, dry_run: bool = False
) -> CalendarLoadOut:
    content = await file.read(MAX_FILE_BYTES + 1)
    if len(content) > MAX_FILE_BYTES:
        raise PayloadTooLarge("calendar.file_too_large", field="file", file="", max=MAX_FILE_BYTES)
    data = CalendarUpload(
        file=file_name(file.filename),
        sha256=hashlib.sha256(content).hexdigest(),
        dry_run=dry_run,
    )
    return await call.run(load_upload, data=data, content=content)
