"""Pages for collection (R30-R31): the collector's board, a task with its contact and promise
forms, a customer's collection page (ageing chart, open items, tasks, contacts, promises,
escalations, the hand-over to audit & legal), the collection letter (催款函, A4) and legal's cases.

The same use cases and roles as the API routes (`service/collection/routes.py`); forms that move
a task send back the version they were shown at (the API's If-Match).
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Path, Query
from fastapi.responses import HTMLResponse, Response

from service.collection import legal, queries, sheets, usecases
from service.collection.schemas import CaseCloseIn, ContactIn, HandoverIn, PromiseIn
from service.errors import DomainError
from service.schemas import Note
from service.web.forms import at_version, parse, refusal, shown_version, typed, without
from service.web.pages import Anyone, Page, page
from workflows import WorkflowError

router = APIRouter(prefix="/web/collection", include_in_schema=False)
Collectors = Annotated[Page, page("sales", "finance", "hq", "legal", "admin")]
Legal = Annotated[Page, page("legal", "hq", "finance", "admin")]
Handing = Annotated[Page, page("hq", "legal", "admin")]
Closing = Annotated[Page, page("legal", "admin")]
TaskId = Annotated[int, Path(ge=1, le=2**31 - 1)]
CustomerCode = Annotated[str, Path(min_length=1, max_length=32)]
CONDITIONS = {
    "overdue": "collection.condition.overdue",
    "over_limit": "collection.condition.over_limit",
    "over_age": "collection.condition.over_age",
}
PRIORITIES = {
    "high": "collection.priority.high",
    "normal": "collection.priority.normal",
    "low": "collection.priority.low",
}
CHANNELS = {
    "call": "collection.channel.call",
    "visit": "collection.channel.visit",
    "letter": "collection.channel.letter",
    "email": "collection.channel.email",
}
OUTCOMES = {
    "open": "collection.outcome.open",
    "kept": "collection.outcome.kept",
    "partly_kept": "collection.outcome.partly_kept",
    "broken": "collection.outcome.broken",
}
ROLES = {
    "sales": "collection.role.sales",
    "finance": "collection.role.finance",
    "hq": "collection.role.hq",
    "legal": "collection.role.legal",
}
DONE = {
    "take": "collection.done.take",
    "release": "collection.done.release",
    "close": "collection.done.close",
    "contacts": "collection.done.contacts",
    "promises": "collection.done.promises",
}
WORDS = {"condition": CONDITIONS, "priority": PRIORITIES, "channel": CHANNELS}
CASE_OUTCOMES = {
    "recovered": "collection.case_outcome.recovered",
    "written_off": "collection.case_outcome.written_off",
}
WORDS |= {"outcome": OUTCOMES, "role": ROLES, "case_outcome": CASE_OUTCOMES}


@router.get("")
async def board(
    view: Anyone,
    due: Annotated[str | None, Query(pattern=r"^(today|overdue)?$")] = None,
    priority: Annotated[str | None, Query(pattern=r"^(high|normal|low)?$")] = None,
    customer: Annotated[str | None, Query(max_length=32)] = None,
    mine: Annotated[str | None, Query(pattern=r"^(1)?$")] = None,
) -> HTMLResponse:
    """The live collection tasks of my roles, most urgent first."""
    filters = {
        "due": due or "",
        "priority": priority or "",
        "customer": (customer or "").strip(),
        "mine": mine or "",
    }
    found = await view.read(
        queries.board,
        due=filters["due"] or None,
        priority=filters["priority"] or None,
        customer_code=filters["customer"] or None,
        assignee="me" if filters["mine"] else None,
        limit=200,
    )
    return view.render("collection/board.html", tasks=found, filters=filters, words=WORDS)


async def task_page(
    view: Page, task_id: int, error: DomainError | None = None, values: dict[str, str] | None = None
) -> HTMLResponse:
    task = await view.read(queries.get, task_id=task_id)
    return view.show(
        "collection/task.html",
        error,
        task=task,
        words=WORDS,
        today=view.ctx.today,
        **await view.document("collection_task", task.id, task.state),
        values=values or {},
    )


@router.get("/tasks/{task_id}")
async def one(task_id: TaskId, view: Anyone) -> HTMLResponse:
    return await task_page(view, task_id)


@router.post("/tasks/{task_id}/{trigger}")
async def move(
    task_id: TaskId,
    trigger: Annotated[str, Path(pattern=r"^(take|release|close|contacts|promises)$")],
    view: Collectors,
) -> Response:
    """Take, release or close the task; log a contact; record a promise."""
    form = await view.form()
    try:
        version = shown_version(form)
        fields = without(form, "version")
        if trigger == "contacts":
            data = parse(ContactIn, fields)
            await view.act(
                at_version(usecases.contact), form=form, data=data, task_id=task_id, version=version
            )
        elif trigger == "promises":
            promised = parse(PromiseIn, fields)
            await view.act(
                at_version(usecases.promise),
                form=form,
                data=promised,
                task_id=task_id,
                version=version,
            )
        else:
            note: Note = str(form.get("note") or "").strip()[:2000]
            await view.act(
                at_version(usecases.move),
                form=form,
                task_id=task_id,
                trigger=trigger,
                note=note,
                version=version,
            )
    except (DomainError, WorkflowError) as error:
        return await task_page(view, task_id, refusal(error), typed(form))
    return view.go(f"/web/collection/tasks/{task_id}", DONE[trigger])


async def customer_page(
    view: Page, code: str, error: DomainError | None = None, values: dict[str, str] | None = None
) -> HTMLResponse:
    found = await view.read(sheets.sheet, code=code)
    return view.show(
        "collection/customer.html",
        error,
        s=found,
        words=WORDS,
        bar_width=sheets.BAR_WIDTH,
        values=values or {},
    )


@router.get("/customers/{code}")
async def customer(code: CustomerCode, view: Collectors) -> HTMLResponse:
    return await customer_page(view, code)


@router.post("/customers/{code}/handover")
async def handover(code: CustomerCode, view: Handing) -> Response:
    form = await view.form()
    try:
        data = parse(HandoverIn, form)
        made = await view.act(legal.hand_over, form=form, data=data, code=code)
    except (DomainError, WorkflowError) as error:
        return await customer_page(view, code, refusal(error), typed(form))
    return view.go(f"/web/collection/cases/{made['id']}", "collection.done.handover")


@router.get("/customers/{code}/letter")
async def letter(code: CustomerCode, view: Collectors) -> HTMLResponse:
    """The collection letter (催款函), A4: the open items and their ageing."""
    found = await view.read(sheets.sheet, code=code)
    return view.render(
        "collection/letter.html",
        s=found,
        supplier=view.runtime.settings.seller,
        back=f"/web/collection/customers/{quote(code, safe='')}",
        words=WORDS,
    )


@router.get("/cases")
async def cases(view: Legal) -> HTMLResponse:
    found = await view.read(legal.cases, limit=200, offset=0)
    return view.render("collection/cases.html", cases=found)


async def case_page(
    view: Page, case_id: int, error: DomainError | None = None, values: dict[str, str] | None = None
) -> HTMLResponse:
    found = await view.read(legal.get, case_id=case_id)
    return view.show("collection/case.html", error, c=found, words=WORDS, values=values or {})


@router.get("/cases/{case_id}")
async def case(case_id: TaskId, view: Legal) -> HTMLResponse:
    return await case_page(view, case_id)


@router.post("/cases/{case_id}/close")
async def close_case(case_id: TaskId, view: Closing) -> Response:
    """Legal closes the case: recovered (the customer back to suspended) or written off."""
    form = await view.form()
    try:
        data = parse(CaseCloseIn, form)
        await view.act(legal.close, form=form, data=data, case_id=case_id)
    except (DomainError, WorkflowError) as error:
        return await case_page(view, case_id, refusal(error), typed(form))
    return view.go(f"/web/collection/cases/{case_id}", "collection.done.close_case")
