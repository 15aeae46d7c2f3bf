"""Post many signed receipts (R6, R8) from a CSV file: `o2c import receipts FILE.csv`.

The file is UTF-8 (a BOM is fine) with a header row and one row per receipt line:

    company_order_no,receipt_no,receipt_date,line_no,received_qty,item_code,evidence
    SO2026000123,RK-HD-9001,2026-11-23,1,9,,scans/RK-HD-9001.pdf
    SO2026000123,RK-HD-9001,2026-11-23,1,1,KFR-35GW/A2,scans/RK-HD-9001.pdf
    SO2026000123,RK-HD-9001,2026-11-23,2,4,,scans/RK-HD-9001.pdf

company_order_no is the order's company order number (R4); receipt_no and receipt_date
(YYYY-MM-DD) are the customer's receipt number and signing date; line_no and received_qty say
what arrived on each order line (0 when nothing did); item_code, optional, names the model
received when it is not the one ordered (a substitution, R8); evidence is the signed-receipt
scan (PDF, JPEG, PNG, TIFF, WebP, HEIC), as a path relative to the CSV file's folder.

Rows with the same company_order_no and receipt_no are one receipt wherever they stand in the
file, and must agree on receipt_date and evidence. Each receipt goes through the API's use case
(`receipts.posting.post`: validation, lifecycle, journal, R8 exceptions) with its scan stored
once by content. A receipt is atomic: one bad row and none of it is booked. Receipts are posted
in chunks, one write transaction per chunk and a SAVEPOINT per receipt, so a refused receipt
rolls back alone. A rerun books nothing twice: the receipt already posted for the order under
that number is found in the same transaction as the post, the unique keys on receipts back the
check, and a crash loses only the chunk in flight, which the rerun then posts.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session, aliased

from service import evidence
from service.auth.models import User
from service.auth.tokens import Actor
from service.context import Context
from service.errors import DomainError, Forbidden, NotFound
from service.masterdata.models import Item
from service.orders.models import Order, OrderLine
from service.receipts import posting
from service.receipts.importfile import (
    FileReceipt,
    content_type,
    lines_of,
    read_file,
)
from service.receipts.importreport import (
    Done,
    ImportReport,
    ImportStopped,
    blame,
    refused,
    row_result,
)
from service.receipts.models import Receipt, ReceiptLine
from service.receipts.schemas import ReceiptCreate
from service.runtime import Runtime
from workflows import WorkflowError

TRIGGER = "post_receipt"
Progress = Callable[[int, int], None]


@dataclass
class _Run:
    """What posting one chunk needs: its transaction, who posts, and what is known so far."""

    session: Session
    ctx: Context
    scans: dict[str, bytes]
    stored: dict[str, int]
    booked: dict[int, Receipt] = field(default_factory=dict)
    posted: dict[int, int] = field(default_factory=dict)


def importing_actor(session: Session, username: str, runtime: Runtime) -> Actor:
    """The active user who may post receipts (the roles come from the order lifecycle YAML)."""
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise NotFound("receipt.import_user_unknown", field="--user", username=username)
    if not user.active:
        raise Forbidden("receipt.import_user_inactive", field="--user", username=username)
    needed = runtime.workflows.flow(Order).roles_for(TRIGGER)
    if not needed.intersection(user.roles):
        raise Forbidden(
            "receipt.import_role_required",
            field="--user",
            username=username,
            roles=list(user.roles),
            required_roles=sorted(needed),
        )
    return Actor(user_id=user.id, username=user.username, roles=frozenset(user.roles))


def import_receipts(
    runtime: Runtime,
    *,
    path: Path,
    username: str,
    chunk_size: int = 200,
    progress: Progress | None = None,
) -> ImportReport:
    """Post every good receipt of the file as `username`; report each row's outcome."""
    db = runtime.db
    with db.read() as session:
        actor = importing_actor(session, username, runtime)
    ctx = runtime.for_actor(actor)
    receipts = read_file(path)
    report = ImportReport()
    stored: dict[str, int] = {}
    for start in range(0, len(receipts), chunk_size):
        chunk = receipts[start : start + chunk_size]
        scans = _read_scans(chunk, path.parent)
        results: list[Done] = []
        try:
            with db.write() as session:
                run = _Run(session, ctx, scans, dict(stored))
                known = _preload(run, {r.order_no for r in chunk})
                for done, receipt in enumerate(chunk, start + 1):
                    results.append(_one(run, receipt, known.get(receipt.order_no)))
                    if progress is not None:
                        progress(done, len(receipts))
        except SQLAlchemyError as exc:
            raise ImportStopped(report, chunk[0].first.line, exc) from exc
        stored = run.stored
        for result in results:
            report.rows += result.rows
            report.exceptions += result.exceptions
            report.posted += result.outcome == "posted"
            report.already_posted += result.outcome == "already posted"
            report.refused += result.outcome == "refused"
    report.rows.sort(key=lambda r: r.line)
    return report


def _read_scans(chunk: list[FileReceipt], folder: Path) -> dict[str, bytes]:
    """Read the chunk's scans before its write transaction starts (no file I/O under the lock)."""
    scans: dict[str, bytes] = {}
    for receipt in chunk:
        name = receipt.first.values["evidence"]
        if name not in scans and not any(r.problems for r in receipt.rows):
            try:
                scans[name] = (folder / name).read_bytes()
            except OSError as exc:
                receipt.first.problems.append(f"evidence: cannot read {name}: {exc.strerror}")
    return scans


def _preload(run: _Run, numbers: set[str]) -> dict[str | None, int]:
    """Order ids by company order number, and the receipts those orders already have."""
    rows = run.session.execute(
        select(Order.company_order_no, Order.id, Receipt)
        .outerjoin(Receipt, Receipt.order_id == Order.id)
        .where(Order.company_order_no.in_(numbers))
    )
    known: dict[str | None, int] = {}
    for number, order_id, receipt in rows:
        known[number] = order_id
        if receipt is not None:
            run.booked[order_id] = receipt
    return known


def _one(run: _Run, receipt: FileReceipt, order_id: int | None) -> Done:
    """Post one receipt in its own SAVEPOINT, or say why not, row by row."""
    if order_id is None and receipt.order_no:
        for row in receipt.rows:
            row.problems.append(f"company_order_no: no company order {receipt.order_no!r}")
    if order_id is None or any(row.problems for row in receipt.rows):
        return refused(receipt)
    if order_id in run.booked:
        return _already(run, receipt, run.booked[order_id])
    if order_id in run.posted:  # a second receipt for an order this file already posted
        booked = run.session.get(Receipt, run.posted[order_id])
        assert booked is not None
        return _already(run, receipt, booked)
    name = receipt.first.values["evidence"]
    sha = hashlib.sha256(run.scans[name]).hexdigest()
    fresh = sha not in run.stored
    try:
        with run.session.begin_nested():
            if fresh:
                run.stored[sha] = evidence.store(
                    run.session,
                    uploaded_by=run.ctx.actor.username,
                    filename=Path(name).name,
                    content_type=content_type(name),
                    content=run.scans[name],
                    max_bytes=run.ctx.settings.max_attachment_bytes,
                ).id
            posted = posting.post(
                run.session,
                run.ctx,
                order_id=order_id,
                data=ReceiptCreate.model_validate(
                    {
                        "receipt_no": receipt.receipt_no,
                        "receipt_date": receipt.first.receipt_date,
                        "reported_on": receipt.first.reported_on,
                        "lines": lines_of(receipt),
                        "evidence": [run.stored[sha]],
                    }
                ),
            )
    except (DomainError, WorkflowError, ValidationError, IntegrityError) as exc:
        if fresh:
            run.stored.pop(sha, None)
        again = run.session.scalar(select(Receipt).where(Receipt.order_id == order_id))
        if again is not None and again.receipt_no == receipt.receipt_no:
            return _already(run, receipt, again)  # posted at the same moment by someone else
        for index, column, reason in blame(exc):
            receipt.rows[index].problems.append(f"{column}: {reason}")
        return refused(receipt)
    run.posted[order_id] = posted.id
    return Done(
        "posted",
        [row_result(receipt, row, "posted") for row in receipt.rows],
        len(posted.exceptions),
    )


def _already(run: _Run, receipt: FileReceipt, booked: Receipt) -> Done:
    """The order has a receipt: the same one (nothing to do) or another one (refused)."""
    posted = (
        f"receipt {booked.receipt_no} of order {receipt.order_no}, posted by {booked.posted_by} "
        f"on {booked.posted_at:%Y-%m-%d %H:%M} UTC"
    )
    if booked.receipt_no != receipt.receipt_no:
        receipt.first.problems.append(f"company_order_no: the order already has {posted}")
        return refused(receipt)
    differs = _differences(run.session, booked, receipt)
    if differs:
        receipt.first.problems.append(
            f"receipt_no: {posted}, has another {differs}; nothing was changed"
        )
        return refused(receipt)
    return Done(
        "already posted",
        [row_result(receipt, row, "already posted", posted) for row in receipt.rows],
    )


def _differences(session: Session, booked: Receipt, receipt: FileReceipt) -> str:
    """What the file says differently from the receipt already posted ("" when nothing)."""
    ordered, received = aliased(Item), aliased(Item)
    stored = session.execute(
        select(OrderLine.line_no, ordered.code, received.code, ReceiptLine.received_qty)
        .join(OrderLine, OrderLine.id == ReceiptLine.order_line_id)
        .join(ordered, ordered.id == OrderLine.item_id)
        .join(received, received.id == ReceiptLine.received_item_id)
        .where(ReceiptLine.receipt_id == booked.id)
    ).all()
    ordered_codes = {no: code for no, code, _, _ in stored}
    wanted = sorted(
        (ln.line_no, ln.item_code or ordered_codes.get(ln.line_no, ""), ln.received_qty)
        for ln in lines_of(receipt)
    )
    what = []
    if booked.receipt_date != receipt.first.receipt_date:
        what.append("receipt_date")
    if sorted((no, code, qty) for no, _, code, qty in stored) != wanted:
        what.append("lines")
    return " and ".join(what)
