"""Pages for tasks: the board of the tasks a person may see, and one task to take, release, close
or cancel (R7's carrier chases and whatever else the scheduler raises).

The board and the task's page see what the API's queue sees (a task belongs to its owner role),
and act through the same use case with the same role check; a page offers only the actions the
lifecycle would let this person fire now (its roles and guards), so no button leads to a refusal.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Annotated, Any, Literal
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse, Response

from service.access import Access, authorize
from service.errors import DomainError, NotFound
from service.http import PathId
from service.scheduler.models import Task
from service.tasks import queries, usecases
from service.tasks.queries import BoardRow
from service.tasks.schemas import TaskNote, TaskOut
from service.web.forms import parse, refusal
from service.web.pages import Anyone, Page
from service.workflow import Workflows
from workflows import WorkflowError

router = APIRouter(prefix="/web/tasks", include_in_schema=False)

# The roles tasks are raised for (the roles that take a task in workflows/definitions/task.yaml):
# they see "Tasks" in the menu.
TASK_ROLES = ("sales", "hq", "logistics", "finance", "legal", "admin")

# What a person does to a task from its page, and the line shown once it is done.
DONE = {
    "take": "tasks.done.take",
    "release": "tasks.done.release",
    "close": "tasks.done.close",
    "cancel": "tasks.done.cancel",
}

# The words of the kinds of task the service raises; another kind is shown by its name.
KINDS = {
    "carrier_receipt_overdue": "tasks.kind.carrier_receipt_overdue",
    "working_calendar_gap": "tasks.kind.working_calendar_gap",
    "working_calendar_disagreement": "tasks.kind.working_calendar_disagreement",
    "red_letter_form_expired": "tasks.kind.red_letter_form_expired",
    "receipt_exception_overdue": "tasks.kind.receipt_exception_overdue",
    "statement_reconcile_sales": "tasks.kind.statement_reconcile_sales",
    "statement_reconcile_finance": "tasks.kind.statement_reconcile_finance",
    "statement_dispute_open": "tasks.kind.statement_dispute_open",
    "contract_expiring": "tasks.kind.contract_expiring",
    "attorney_expiring": "tasks.kind.attorney_expiring",
    "attorney_outlives_contract": "tasks.kind.attorney_outlives_contract",
    "attorney_person_left": "tasks.kind.attorney_person_left",
    "credit_proposal_decide": "tasks.kind.credit_proposal_decide",
}

# What a task is about (its subject), in words.
SUBJECTS = {
    "shipment": "tasks.subject.shipment",
    "calendar_year": "tasks.subject.calendar_year",
    "order": "tasks.subject.order",
    "invoice": "tasks.subject.invoice",
    "red_letter_form": "tasks.subject.red_letter_form",
    "receipt_exception": "tasks.subject.receipt_exception",
    "statement": "tasks.subject.statement",
    "statement_dispute": "tasks.subject.statement_dispute",
    "contract": "tasks.subject.contract",
    "power_of_attorney": "tasks.subject.power_of_attorney",
    "credit_proposal": "tasks.subject.credit_proposal",
}

# Where a subject's number is in a task's detail (else its id is shown).
NUMBERS = {
    "shipment": "shipment_no",
    "order": "company_order_no",
    "invoice": "invoice_no",
    "red_letter_form": "form_no",
    "statement": "statement_no",
    "contract": "contract_no",
}

# The facts a task's detail may carry that its page shows, in the order shown (the numbers of
# the documents it is about are shown with them).
DETAILS = {
    "customer_code": "tasks.detail.customer_code",
    "customer_po_no": "tasks.detail.customer_po_no",
    "receipt_no": "tasks.detail.receipt_no",
    "kind": "tasks.detail.kind",
    "quantity": "tasks.detail.quantity",
    "state": "tasks.detail.state",
    "working_days_open": "tasks.detail.working_days_open",
    "waybill_no": "tasks.detail.waybill_no",
    "carrier": "tasks.detail.carrier",
    "delivered_on": "tasks.detail.delivered_on",
    "report_deadline": "tasks.detail.report_deadline",
    "year": "tasks.detail.year",
    "waiting": "tasks.detail.waiting",
    "error": "tasks.detail.error",
    "blue_invoice_no": "tasks.detail.blue_invoice_no",
    "expires_at": "tasks.detail.expires_at",
    "attorney_name": "tasks.detail.attorney_name",
    "valid_to": "tasks.detail.valid_to",
    "contract_valid_to": "tasks.detail.contract_valid_to",
    "left_on": "tasks.detail.left_on",
}

Scope = Literal["role", "mine", "all"]


def kind_words(kind: str) -> tuple[str, dict[str, Any]]:
    """The catalog code and parameters naming a kind of task."""
    return KINDS.get(kind, "tasks.kind.other"), {"kind": kind}


def _about(subject_type: str, subject_id: int, detail: dict[str, Any]) -> dict[str, Any]:
    """What a task is about, in words, and the pages of the documents it refers to: the order or
    invoice it is raised on, or the order, invoice or statement its detail names."""
    number = detail.get(NUMBERS.get(subject_type, "")) or subject_id
    subject = {
        "code": SUBJECTS.get(subject_type, "tasks.subject.other"),
        "params": {"type": subject_type, "id": subject_id, "number": number},
    }
    links: list[dict[str, Any]] = []
    order_id = subject_id if subject_type == "order" else detail.get("order_id")
    invoice_id = subject_id if subject_type == "invoice" else detail.get("invoice_id")
    if isinstance(order_id, int):
        shown = detail.get("company_order_no") or f"#{order_id}"
        links.append(
            {
                "href": f"/web/orders/{order_id}",
                "code": "tasks.about.order",
                "params": {"number": shown},
            }
        )
    if isinstance(invoice_id, int):
        shown = detail.get("invoice_no") or f"#{invoice_id}"
        links.append(
            {
                "href": f"/web/invoices/{invoice_id}",
                "code": "tasks.about.invoice",
                "params": {"number": shown},
            }
        )
    statement_no = detail.get("statement_no")
    if isinstance(statement_no, str) and statement_no:
        links.append(
            {
                "href": f"/web/statements/{statement_no}",
                "code": "tasks.about.statement",
                "params": {"number": statement_no},
            }
        )
    contract_no = detail.get("contract_no")
    if isinstance(contract_no, str) and contract_no:
        links.append(
            {
                "href": f"/web/contracts/{quote(contract_no, safe='')}",
                "code": "tasks.about.contract",
                "params": {"number": contract_no},
            }
        )
    proposal_id = detail.get("credit_proposal_id")
    if isinstance(proposal_id, int):
        links.append(
            {
                "href": f"/web/credit-proposals/{proposal_id}",
                "code": "tasks.about.credit_proposal",
                "params": {"id": proposal_id},
            }
        )
    attorney_id = detail.get("attorney_id")
    if isinstance(attorney_id, int):
        links.append(
            {
                "href": f"/web/attorneys/{attorney_id}",
                "code": "tasks.about.attorney",
                "params": {"id": attorney_id},
            }
        )
    return {"subject": subject, "links": links}


def _age(age: timedelta) -> tuple[str, dict[str, int]]:
    """How long ago a task was raised: in days, or in hours on its first day."""
    if age >= timedelta(days=1):
        return "tasks.age.days", {"days": age.days}
    return "tasks.age.hours", {"hours": max(int(age.total_seconds() // 3600), 0)}


def _row(row: BoardRow) -> dict[str, Any]:
    kind_code, kind_params = kind_words(row.kind)
    age_code, age_params = _age(row.age)
    return {
        "task": row,
        "kind": (kind_code, kind_params),
        "about": _about(row.subject_type, row.subject_id, row.detail),
        "age": (age_code, age_params),
        "take": "take" in row.may,
        "form_key": secrets.token_urlsafe(16),
    }


def _link(filters: dict[str, str], **changed: str) -> str:
    """The board with these filters (empty ones left out), some of them changed."""
    chosen = {k: v for k, v in {**filters, **changed}.items() if v}
    return f"/web/tasks?{urlencode(chosen)}" if chosen else "/web/tasks"


@router.get("")
async def tasks(
    view: Anyone,
    state: Annotated[str | None, Query(max_length=32, pattern=r"^[a-z_]*$")] = None,
    kind: Annotated[str | None, Query(max_length=48, pattern=r"^[a-z0-9_]*$")] = None,
    scope: Scope = "role",
    overdue: bool = False,
    before: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
) -> HTMLResponse:
    found = await view.read(
        queries.board,
        state=state or None,
        kind=kind or None,
        scope=scope,
        overdue=overdue,
        before=before,
    )
    flow = view.runtime.workflows.flow(Task)
    filters = {
        "state": state or "",
        "kind": kind or "",
        "scope": scope,
        "overdue": "true" if overdue else "",
    }
    following = found.following
    counted = dict(found.counts)
    if kind:
        counted.setdefault(kind, 0)  # the kind chosen stays in the choice, even with none
    return view.render(
        "tasks/board.html",
        rows=[_row(r) for r in found.rows],
        next_url=_link(filters, before=str(following)) if following else None,
        counts=[
            {"kind": k, "words": kind_words(k), "count": n, "href": _link(filters, kind=k)}
            for k, n in sorted(counted.items())
        ],
        every_kind=_link(filters, kind=""),
        total=sum(found.counts.values()),
        filters=filters,
        states=flow.states,
        any_state=queries.ANY_STATE,
        scopes=[s for s in queries.SCOPES if s != "all" or "scheduler" in view.ctx.actor.roles],
    )


async def _task_page(
    view: Page,
    task_id: int,
    error: DomainError | None = None,
    failed: str = "",
    values: dict[str, str] | None = None,
) -> HTMLResponse:
    task, may = await view.read(queries.page, task_id=task_id)
    shown = {
        "task": task,
        "kind": kind_words(task.kind),
        "about": _about(task.subject_type, task.subject_id, task.detail),
        "details": _details(task, view.runtime.workflows),
        "age": _age(view.runtime.clock.now() - task.created_at),
        "may": may,
        "keys": {trigger: secrets.token_urlsafe(16) for trigger in may},
        "failed": failed,
        **await view.document("task", task_id, task.state),
        "values": values or {},
    }
    return view.show("tasks/page.html", error, **shown)


# Values of a detail that have words of their own, per subject: its kinds by catalog prefix.
KIND_WORDS = {"receipt_exception": "receipts.kind"}


def _details(task: TaskOut, workflows: Workflows) -> list[tuple[str, str, str | None]]:
    """The facts of the task's detail the page knows words for, as (code, value, the value's
    own words when it has some: a document's state, a receipt exception's kind)."""
    shown = []
    subject = task.subject_type
    states = workflows[subject].states if subject in workflows.flows else ()
    for key, code in DETAILS.items():
        value = task.detail.get(key)
        if value in (None, "", []):
            continue
        text = ", ".join(map(str, value)) if isinstance(value, list) else str(value)
        words = None
        if key == "state" and text in states:
            words = f"state.{subject}.{text}"
        elif key == "kind" and subject in KIND_WORDS:
            words = f"{KIND_WORDS[subject]}.{text}"
        shown.append((code, text, words))
    return shown


@router.get("/{task_id}")
async def task(task_id: PathId, view: Anyone) -> HTMLResponse:
    return await _task_page(view, task_id)


@router.post("/{task_id}/{trigger}")
async def act(task_id: PathId, trigger: str, view: Anyone) -> Response:
    """Take, release, close (with a note) or cancel (with a reason) a task: the API's use case,
    once per shown form, for the roles the lifecycle gives the trigger."""
    done = DONE.get(trigger)
    if done is None:
        raise NotFound("http.not_found", path=view.request.url.path)
    access = Access(machine="task", triggers=(trigger,))
    authorize(view.signed_in.actor, access.roles_in(view.runtime.workflows))
    form = await view.form()
    await view.read(queries.get, task_id=task_id)  # a task this person may not see: refused
    try:
        data = parse(TaskNote, form)
        await view.act(usecases.move, form=form, data=data, task_id=task_id, trigger=trigger)
    except (DomainError, WorkflowError) as error:
        kept = {"note": str(form.get("note") or "")}
        return await _task_page(view, task_id, refusal(error), failed=trigger, values=kept)
    return view.go(f"/web/tasks/{task_id}", done)
