"""The scheduled job of R24 (a): a form the other side has not answered within 72 hours voids
itself, once, and finance is told with a task."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from service.auth.tokens import Actor
from service.errors import Conflict
from service.invoices.models import Invoice
from service.invoices.redletter.models import RedLetterForm
from service.masterdata.models import Customer
from service.scheduler.jobs import SCHEDULER_ACTOR, JobResult, JobRun
from service.scheduler.tasks import NewTask, words
from service.workflow import RowRef

RED_LETTER_FORM_EXPIRED = "red_letter_form_expired"
JOB = "red_letter_form_expiry"
# The scheduler acts as itself: it holds no token, only the role its transitions name.
SCHEDULER = Actor(user_id=0, username=SCHEDULER_ACTOR, roles=frozenset({"scheduler"}))


def red_letter_form_expiry(session: Session, run: JobRun) -> JobResult:
    """Void every form still awaiting an answer whose 72 hours are over as of `run.as_of`.

    Each form moves by one versioned UPDATE: a rerun finds it void already, and a second
    scheduler at the same moment matches nothing and leaves it to the first. Only forms voided
    by this run raise their task, keyed by the form (a duplicate is never inserted either)."""
    result = JobResult(JOB, run.as_of)
    due = session.execute(
        select(
            RedLetterForm.id,
            RedLetterForm.state,
            RedLetterForm.version,
            RedLetterForm.form_no,
            RedLetterForm.platform_no,
            RedLetterForm.initiator,
            RedLetterForm.initiated_at,
            RedLetterForm.expires_at,
            RedLetterForm.total,
            Invoice.invoice_no,
            Customer.code.label("customer_code"),
        )
        .join(Invoice, Invoice.id == RedLetterForm.blue_invoice_id)
        .join(Customer, Customer.id == RedLetterForm.customer_id)
        .where(
            RedLetterForm.state.in_(run.workflows.tagged(RedLetterForm, "awaiting")),
            RedLetterForm.expires_at <= run.as_of,
        )
        .order_by(RedLetterForm.id)
    ).all()
    result.candidates = len(due)
    tasks = []
    for row in due:
        try:
            with session.begin_nested():
                run.workflows.fire(
                    session,
                    RowRef(RedLetterForm, row.id, row.state, row.version),
                    "expire",
                    actor=SCHEDULER,
                    today=run.today,
                    payload={"expires_at": row.expires_at, "as_of": run.as_of},
                )
        except Conflict:
            continue  # another scheduler voided it a moment ago
        session.execute(
            update(RedLetterForm)
            .where(RedLetterForm.id == row.id)
            .values(void_reason="expire: 72 hours passed without the other side's answer")
        )
        waited_on = "buyer" if row.initiator == "seller" else "seller"
        tasks.append(
            NewTask(
                kind=RED_LETTER_FORM_EXPIRED,
                subject_type="red_letter_form",
                subject_id=row.id,
                period=row.expires_at.isoformat()[:32],
                owner_role="finance",
                title=(
                    f"Red-letter form {row.form_no} for invoice {row.invoice_no} voided: the "
                    f"{waited_on} did not answer within 72 hours; start a new form if still due"
                ),
                due_at=run.end_of_working_day(run.today + timedelta(days=1)),
                words=words(
                    "tasks.title.red_letter_form_expired", form=row.form_no, invoice=row.invoice_no
                ),
                detail={
                    "form_id": row.id,
                    "form_no": row.form_no,
                    "platform_no": row.platform_no,
                    "customer_code": row.customer_code,
                    "blue_invoice_no": row.invoice_no,
                    "initiator": row.initiator,
                    "initiated_at": row.initiated_at,
                    "expires_at": row.expires_at,
                    "total": row.total,
                },
            )
        )
    result.raised = run.raise_tasks(session, tasks)
    return result
