"""Pages for finance's invoice exception queue (R14-R18): the queue with its counts by kind, and
one exception with the rules' decision (rule set, version, rules, the values they saw), its
evidence (upload, list, view), and confirm or override with a written reason.

The same use cases and roles as the API routes (`service/invoices/exceptions/routes.py`); a file
is stored the way `POST /attachments` stores it, with the same limits.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session
from starlette.datastructures import FormData, UploadFile

from rules.vocabularies.invoice_exception import EVIDENCE, KINDS, RESOLUTIONS, EvidenceKind
from service import evidence
from service.context import Context
from service.errors import DomainError, Invalid, PayloadTooLarge
from service.http import PathId
from service.invoices.exceptions import queries, usecases
from service.invoices.exceptions.schemas import ConfirmIn, EvidenceIn, ExceptionOut, OverrideIn
from service.schemas import MAX_ID, Request
from service.web.forms import parse, refusal, typed
from service.web.pages import Anyone, Page, page
from workflows import WorkflowError

router = APIRouter(prefix="/web/exceptions", include_in_schema=False)
# The roles the invoice_exception lifecycle gives its triggers (and POST /attachments).
Attachers = Annotated[Page, page("finance", "hq", "sales", "logistics")]
Confirmers = Annotated[Page, page("finance", "hq")]
Finance = Annotated[Page, page("finance")]

# Words of the vocabulary's values and of the facts the rules see (literal codes, so the
# catalogs' check sees them).
WORDS: dict[str, dict[str, str]] = {
    "kind": {
        "model_mismatch": "invoices.exception.kind.model_mismatch",
        "quantity_over_invoiced": "invoices.exception.kind.quantity_over_invoiced",
        "quantity_under_invoiced": "invoices.exception.kind.quantity_under_invoiced",
        "price_mismatch": "invoices.exception.kind.price_mismatch",
        "discount_mismatch": "invoices.exception.kind.discount_mismatch",
        "tax_difference": "invoices.exception.kind.tax_difference",
    },
    "resolution": {
        "reissue": "invoices.exception.resolution.reissue",
        "accept_with_carry_forward": "invoices.exception.resolution.accept_with_carry_forward",
        "exchange_invoice": "invoices.exception.resolution.exchange_invoice",
        "accept_and_offset_next_invoice": (
            "invoices.exception.resolution.accept_and_offset_next_invoice"
        ),
        "correct_price": "invoices.exception.resolution.correct_price",
        "correct_discount": "invoices.exception.resolution.correct_discount",
        "accept_rounding": "invoices.exception.resolution.accept_rounding",
    },
    "evidence": {
        "signed_receipt_copy": "invoices.exception.evidence.signed_receipt_copy",
        "original_invoice_copy": "invoices.exception.evidence.original_invoice_copy",
        "branch_certificate": "invoices.exception.evidence.branch_certificate",
        "contract_price_agreement": "invoices.exception.evidence.contract_price_agreement",
        "signed_discount_document": "invoices.exception.evidence.signed_discount_document",
    },
    "fact": {
        "kind": "invoices.exception.fact.kind",
        "quantity_difference": "invoices.exception.fact.quantity_difference",
        "amount_difference": "invoices.exception.fact.amount_difference",
        "total_difference": "invoices.exception.fact.total_difference",
        "line_tax_difference": "invoices.exception.fact.line_tax_difference",
        "invoice_tax_difference": "invoices.exception.fact.invoice_tax_difference",
        "branch_certified": "invoices.exception.fact.branch_certified",
        "customer_discount_mode": "invoices.exception.fact.customer_discount_mode",
        "evidence_on_file": "invoices.exception.fact.evidence_on_file",
    },
    "discount_mode": {
        "on_invoice": "invoices.discount_mode.on_invoice",
        "receipt_offset": "invoices.discount_mode.receipt_offset",
        "red_letter": "invoices.discount_mode.red_letter",
    },
    "role": {
        "finance": "invoices.role.finance",
        "hq": "invoices.role.hq",
        "sales": "invoices.role.sales",
        "logistics": "invoices.role.logistics",
        "legal": "invoices.role.legal",
    },
    "truth": {"True": "invoices.value.yes", "False": "invoices.value.no"},
}
# Which words a fact's values have.
_VALUE_WORDS = {
    "kind": "kind",
    "customer_discount_mode": "discount_mode",
    "evidence_on_file": "evidence",
    "branch_certified": "truth",
}


@dataclass(frozen=True)
class Piece:
    """A part of a value as the page shows it: words from the catalogs, or the value itself."""

    code: str | None
    text: str


@dataclass(frozen=True)
class Seen:
    """One value the rules saw, with the words of its fact."""

    fact: str
    label: str | None
    pieces: list[Piece]


def seen(decision: dict[str, Any]) -> list[Seen]:
    """The values a decision saw, each with its words where the vocabulary has them."""
    shown = []
    for fact, value in (decision.get("values") or {}).items():
        words = WORDS.get(_VALUE_WORDS.get(fact, ""), {})
        values = value if isinstance(value, list) else [value]
        pieces = [Piece(words.get(str(v)), str(v)) for v in values]
        shown.append(Seen(fact, WORDS["fact"].get(fact), pieces))
    return shown


def _same(one: dict[str, Any], other: dict[str, Any]) -> bool:
    keys = ("ruleset", "version", "checksum", "rules", "actions")
    return all(one.get(k) == other.get(k) for k in keys)


@router.get("")
async def queue(
    view: Anyone,
    state: Annotated[str | None, Query(max_length=16, pattern=r"^[a-z_]*$")] = "open",
    kind: Annotated[str | None, Query(max_length=32, pattern=r"^[a-z_]*$")] = None,
    customer: Annotated[str | None, Query(max_length=32)] = None,
    before: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
) -> HTMLResponse:
    """Finance's queue: newest first, by state, kind and customer, with the counts by kind."""
    customer = (customer or "").strip()
    found, following = await view.read(
        queries.browse,
        state=state or None,
        kind=kind or None,
        customer_code=customer or None,
        before=before,
    )
    counts = await view.read(queries.counts, state=state or None, customer_code=customer or None)
    return view.render(
        "invoices/exceptions.html",
        exceptions=found,
        following=following,
        counts=counts,
        state=state or "",
        kind=kind or "",
        customer=customer,
        states=view.runtime.workflows["invoice_exception"].states,
        kinds=KINDS,
        words=WORDS,
    )


async def _exception_page(
    view: Page,
    exception_id: int,
    error: DomainError | None = None,
    values: dict[str, str] | None = None,
) -> HTMLResponse:
    sheet = await view.read(queries.sheet, exception_id=exception_id)
    exc: ExceptionOut = sheet.exception
    shown = {
        "sheet": sheet,
        "exception": exc,
        "stored_seen": seen(sheet.stored),
        "now_differs": bool(sheet.stored) and not _same(sheet.stored, exc.decision),
        "now_seen": seen(exc.decision),
        "resolutions": RESOLUTIONS,
        "evidence_kinds": sorted(EVIDENCE, key=lambda k: k not in exc.missing_evidence),
        "words": WORDS,
        **await view.document("invoice_exception", exception_id, exc.state),
        "values": values or {},
    }
    return view.show("invoices/exception.html", error, **shown)


@router.get("/{exception_id}")
async def exception(exception_id: PathId, view: Anyone) -> HTMLResponse:
    return await _exception_page(view, exception_id)


class EvidenceChoice(Request):
    kind: EvidenceKind


class EvidenceUpload(Request):
    """What identifies an upload with its kind, for the form's key (the file's content is
    named by its checksum)."""

    kind: EvidenceKind
    filename: str | None
    sha256: str
    content_type: str


async def _upload(view: Page, form: FormData) -> tuple[EvidenceUpload, bytes]:
    """The chosen kind and the file, refused as `POST /attachments` refuses it."""
    chosen = parse(EvidenceChoice, FormData([(k, v) for k, v in form.multi_items() if k == "kind"]))
    file = form.get("file")
    if not isinstance(file, UploadFile):
        raise Invalid("evidence.empty", field="file")
    limit = view.runtime.settings.max_attachment_bytes
    content = await file.read(limit + 1)
    if len(content) > limit:
        raise PayloadTooLarge("evidence.too_large", field="file", size=len(content), max=limit)
    data = EvidenceUpload(
        kind=chosen.kind,
        filename=file.filename,
        sha256=hashlib.sha256(content).hexdigest(),
        content_type=file.content_type or "",
    )
    return data, content


def attach_upload(
    session: Session, ctx: Context, *, exception_id: int, data: EvidenceUpload, content: bytes
) -> ExceptionOut:
    """Store the file as the attachments feature does, then attach it (one transaction: a
    refused attachment leaves no file behind)."""
    attachment = evidence.store(
        session,
        uploaded_by=ctx.actor.username,
        filename=data.filename or "",
        content_type=data.content_type,
        content=content,
        max_bytes=ctx.settings.max_attachment_bytes,
    )
    session.flush()
    return usecases.attach_evidence(
        session,
        ctx,
        exception_id=exception_id,
        data=EvidenceIn(kind=data.kind, attachment_id=attachment.id),
    )


@router.post("/{exception_id}/evidence")
async def attach(exception_id: PathId, view: Attachers) -> Response:
    form = await view.form()
    try:
        data, content = await _upload(view, form)
        await view.act(
            attach_upload, form=form, data=data, exception_id=exception_id, content=content
        )
    except (DomainError, WorkflowError) as error:
        return await _exception_page(view, exception_id, refusal(error), typed(form))
    return view.go(f"/web/exceptions/{exception_id}", "invoices.done.evidence")


@router.post("/{exception_id}/confirm")
async def confirm(exception_id: PathId, view: Confirmers) -> Response:
    form = await view.form()
    try:
        data = parse(ConfirmIn, form)
        await view.act(usecases.confirm, form=form, data=data, exception_id=exception_id)
    except (DomainError, WorkflowError) as error:
        return await _exception_page(view, exception_id, refusal(error), typed(form))
    return view.go(f"/web/exceptions/{exception_id}", "invoices.done.confirm")


@router.post("/{exception_id}/override")
async def override(exception_id: PathId, view: Finance) -> Response:
    form = await view.form()
    try:
        data = parse(OverrideIn, form)
        await view.act(usecases.override, form=form, data=data, exception_id=exception_id)
    except (DomainError, WorkflowError) as error:
        return await _exception_page(view, exception_id, refusal(error), typed(form))
    return view.go(f"/web/exceptions/{exception_id}", "invoices.done.override")
