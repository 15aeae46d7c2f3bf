"""Pages for customer credit (R32): the credit proposals with a filter by state, a proposal's page
with the record behind it, the rule that proposed it and finance's approve and reject forms, and
the payment record on the customer's page.

The same use cases and roles as the API routes (`service/credit/routes.py`); the forms send back
the version they were shown at (the API's If-Match).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from service.context import Context
from service.credit import queries, usecases
from service.credit.record import LOOKBACK_DAYS, NAMES, records
from service.credit.schemas import ProposalApprove, ProposalReject
from service.errors import DomainError
from service.http import PathId
from service.masterdata.models import Customer
from service.web.documents import Panel
from service.web.forms import at_version, parse, refusal, shown_version, typed, without
from service.web.pages import Anyone, Page, page
from workflows import WorkflowError

router = APIRouter(prefix="/web", include_in_schema=False)
Finance = Annotated[Page, page("finance", "admin")]
STATES = ("proposed", "approved", "rejected")
# The words of each figure of the record (literal codes, so the catalogs' check sees them).
FIGURE_WORDS = {
    "invoices_paid": "credit.figure.invoices_paid",
    "invoices_paid_late": "credit.figure.invoices_paid_late",
    "average_days_late": "credit.figure.average_days_late",
    "amount_overdue": "credit.figure.amount_overdue",
    "invoices_overdue": "credit.figure.invoices_overdue",
    "broken_promises": "credit.figure.broken_promises",
}
# A figure another feature added and this page has no words for: shown by its name.
OTHER_FIGURE = "credit.figure.other"
DONE = {"approve": "credit.done.approve", "reject": "credit.done.reject"}


@router.get("/credit-proposals")
async def proposals(
    view: Anyone,
    state: Annotated[str | None, Query(max_length=16, pattern=r"^[a-z]*$")] = None,
    customer: Annotated[str | None, Query(max_length=32)] = None,
) -> HTMLResponse:
    chosen = state if state in STATES else None
    found = await view.read(queries.proposals, state=chosen, customer=customer or None, limit=200)
    return view.render(
        "credit/list.html",
        proposals=found,
        states=STATES,
        filters={"state": chosen or "", "customer": customer or ""},
    )


async def proposal_page(
    view: Page,
    proposal_id: int,
    error: DomainError | None = None,
    values: dict[str, str] | None = None,
) -> HTMLResponse:
    found = await view.read(queries.proposal, proposal_id=proposal_id)
    shown = {
        "p": found,
        "figure_words": {n: FIGURE_WORDS.get(n, OTHER_FIGURE) for n in found.figures},
        "names": [n for n in NAMES if n in found.figures],
        **await view.document("credit_proposal", found.id, found.state),
        "values": values or {},
    }
    return view.show("credit/proposal.html", error, **shown)


@router.get("/credit-proposals/{proposal_id}")
async def proposal(proposal_id: PathId, view: Anyone) -> HTMLResponse:
    return await proposal_page(view, proposal_id)


async def _decide(view: Page, proposal_id: int, trigger: str) -> Response:
    form = await view.form()
    try:
        version = shown_version(form)
        fields = without(form, "version")
        if trigger == "approve":
            await view.act(
                at_version(usecases.approve),
                form=form,
                data=parse(ProposalApprove, fields),
                proposal_id=proposal_id,
                version=version,
            )
        else:
            await view.act(
                at_version(usecases.reject),
                form=form,
                data=parse(ProposalReject, fields),
                proposal_id=proposal_id,
                version=version,
            )
    except (DomainError, WorkflowError) as error:
        return await proposal_page(view, proposal_id, refusal(error), typed(form))
    return view.go(f"/web/credit-proposals/{proposal_id}", DONE[trigger])


@router.post("/credit-proposals/{proposal_id}/approve")
async def approve(proposal_id: PathId, view: Finance) -> Response:
    return await _decide(view, proposal_id, "approve")


@router.post("/credit-proposals/{proposal_id}/reject")
async def reject(proposal_id: PathId, view: Finance) -> Response:
    return await _decide(view, proposal_id, "reject")


def customer_panel(session: Session, ctx: Context, customer_id: int) -> dict[str, Any] | None:
    """The payment record beside the customer's grade and limit, on the customer's page."""
    customer = session.get(Customer, customer_id)
    if customer is None:
        return None
    figures = records(session, ctx.today, [customer_id])[customer_id]
    return {
        "code": customer.code,
        "grade": customer.grade,
        "credit_limit": customer.credit_limit,
        "figures": figures,
        "names": [n for n in NAMES if n in figures],
        "words": {n: FIGURE_WORDS.get(n, OTHER_FIGURE) for n in figures},
        "lookback_days": LOOKBACK_DAYS,
    }


PANEL = Panel(machine="customer", template="credit/customer_panel.html", load=customer_panel)
