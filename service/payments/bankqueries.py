"""Reading bank statement lines: the waiting queue and one line with its candidates (the
customers its text and payer point to, and their open invoices and statements nearest its
amount)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from service import journal
from service.context import Context
from service.errors import NotFound
from service.masterdata.models import Customer
from service.masterdata.queries import customer_id
from service.payments import bankmatch
from service.payments.bankschemas import (
    BankLineOut,
    BankLineSummary,
    CandidateCustomer,
    CandidateInvoice,
    Candidates,
    CandidateStatement,
)
from service.payments.models import BankImport, BankLine, Payment
from service.schemas import EventOut

# The customers whose open documents a line's page lists.
MAX_CUSTOMERS = 5


def _query() -> Any:
    return (
        select(BankLine, Customer.code, Payment.payment_no)
        .outerjoin(Customer, Customer.id == BankLine.customer_id)
        .outerjoin(Payment, Payment.id == BankLine.payment_id)
    )


def _summary(line: BankLine, code: str | None, payment_no: str | None) -> dict[str, Any]:
    fields = (n for n in BankLineSummary.model_fields if n not in ("customer_code", "payment_no"))
    return {n: getattr(line, n) for n in fields} | {
        "customer_code": code,
        "payment_no": payment_no,
    }


def search(
    session: Session,
    _ctx: Context,
    *,
    state: str | None = None,
    customer_code: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[BankLineSummary]:
    """Bank lines, oldest value date first (the queue's order)."""
    query = _query()
    if state is not None:
        query = query.where(BankLine.state == state)
    if customer_code is not None:
        query = query.where(BankLine.customer_id == customer_id(customer_code))
    query = query.order_by(BankLine.value_date, BankLine.id).limit(limit).offset(offset)
    return [BankLineSummary.model_validate(_summary(*row)) for row in session.execute(query).all()]


def _candidates(session: Session, ctx: Context, line: BankLine) -> Candidates:
    found = bankmatch.find(session, ctx, payer=line.payer, text=line.remittance_text)
    if line.customer_id is not None:
        found.point(line.customer_id, "import")
    ids = list(found.customers)[:MAX_CUSTOMERS]
    names = {c.id: c for c in session.scalars(select(Customer).where(Customer.id.in_(ids))).all()}
    invoices = {i.invoice_no: (i, True) for i in found.invoices}
    statements = {s.statement_no: (s, True) for s in found.statements}
    for cid in ids:
        near = bankmatch.nearest(session, ctx, cid, line.amount)
        for invoice in near["invoices"]:
            invoices.setdefault(invoice.invoice_no, (invoice, False))
        for statement in near["statements"]:
            statements.setdefault(statement.statement_no, (statement, False))
    codes = dict(
        session.execute(
            select(Customer.id, Customer.code).where(
                Customer.id.in_(
                    {i.customer_id for i, _ in invoices.values()}
                    | {s.customer_id for s, _ in statements.values()}
                )
            )
        ).all()
    )

    def gap(owed: Decimal) -> Decimal:
        return line.amount - owed

    return Candidates(
        customers=[
            CandidateCustomer(code=names[c].code, name=names[c].name, found_by=found.customers[c])
            for c in ids
            if c in names
        ],
        invoices=sorted(
            (
                CandidateInvoice(
                    invoice_no=i.invoice_no,
                    fapiao_no=i.fapiao_no,
                    customer_code=codes[i.customer_id],
                    outstanding=i.outstanding,
                    state=i.state,
                    named=named,
                    payable=i.open,
                    difference=gap(i.outstanding),
                )
                for i, named in invoices.values()
            ),
            key=lambda c: (not c.named, abs(c.difference), c.invoice_no),
        ),
        statements=sorted(
            (
                CandidateStatement(
                    statement_no=s.statement_no,
                    customer_code=codes[s.customer_id],
                    amount_due=s.amount_due,
                    to_pay=s.to_pay,
                    state=s.state,
                    named=named,
                    payable=s.open,
                    difference=gap(s.to_pay),
                )
                for s, named in statements.values()
            ),
            key=lambda c: (not c.named, abs(c.difference), c.statement_no),
        ),
    )


def line_out(session: Session, ctx: Context, line_id: int) -> BankLineOut:
    row = session.execute(_query().where(BankLine.id == line_id)).first()
    if row is None:
        raise NotFound("bank.line_not_found", field="line_id", line_id=line_id)
    line, code, payment_no = row
    file = session.scalar(select(BankImport.file_name).where(BankImport.id == line.import_id))
    return BankLineOut.model_validate(
        _summary(line, code, payment_no)
        | {
            "version": line.version,
            "raw": line.raw,
            "file": file or "",
            "ignore_reason": line.ignore_reason,
            "created_at": line.created_at,
            "allowed_triggers": ctx.workflows.flow(BankLine).allowed_triggers(line.state),
            "candidates": _candidates(session, ctx, line),
        }
    )


def get(session: Session, ctx: Context, *, line_id: int) -> BankLineOut:
    return line_out(session, ctx, line_id)


def answer(session: Session, ctx: Context, line_id: int) -> BankLineOut:
    """The line as stored now, after a change."""
    session.flush()
    session.expire_all()
    return line_out(session, ctx, line_id)


def history(session: Session, _ctx: Context, *, line_id: int) -> list[EventOut]:
    if session.get(BankLine, line_id) is None:
        raise NotFound("bank.line_not_found", field="line_id", line_id=line_id)
    return [EventOut.model_validate(e) for e in journal.history(session, "bank_line", line_id)]
