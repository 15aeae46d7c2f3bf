"""Demo returns (R24-R26) and a red-letter form (R24 a), made through the same use cases.

On Beijing Appliance Mall's signed fridge invoice, whose use (用途确认) the buyer confirmed:
two defective fridges approved with the approval report, received back with the return receipt
and its scan, credited by red-letter invoice, and the red-letter form made from the return,
submitted by the seller at the demo's moment and waiting for the buyer (its 72 hours run from
then); three slow-moving fridges credited by the customer's blue invoice (R24 b). On East China
Appliance Chain's invoice, two air conditioners still requested, for HQ or finance to approve.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from service import evidence
from service.context import Context
from service.demo.documents import png
from service.invoices import queries as invoice_queries
from service.invoices.models import Invoice
from service.invoices.redletter import usecases as red_letter
from service.invoices.redletter.schemas import FormCreate, FormSubmit, UseConfirmation
from service.orders.models import Order
from service.returns import crediting
from service.returns import usecases as returns
from service.returns.schemas import (
    ApproveIn,
    BlueInvoiceIn,
    MethodIn,
    ReturnCreate,
    ReturnOut,
    ReturnReceiptIn,
)

MAX_BYTES = 10**6


def pdf(title: str) -> bytes:
    """A tiny valid one-page PDF standing in for a scanned document."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>",
    ]
    out = b"%PDF-1.4\n% " + title.encode() + b"\n"
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return out


def _invoice_of(session: Session, po: str) -> Invoice:
    invoice_id = session.scalar(
        select(Invoice.id)
        .join(Order, Order.id == Invoice.order_id)
        .where(Order.customer_po_no == po, Invoice.kind == "blue")
    )
    assert invoice_id is not None, po
    return invoice_queries.load(session, invoice_id)


def _goods_line(invoice: Invoice, item_code: str) -> int:
    return next(
        line.line_no
        for line in invoice.lines
        if line.source == "goods" and line.item.code == item_code
    )


def returns_and_red_letter(session: Session, ctx: dict[str, Context]) -> None:
    sales, hq, logistics, finance = ctx["sales"], ctx["hq"], ctx["logistics"], ctx["finance"]
    today = finance.today
    report = evidence.store(
        session,
        uploaded_by=hq.actor.username,
        filename="批复报告 approval report.pdf",
        content_type="application/pdf",
        content=pdf("approval report"),
        max_bytes=MAX_BYTES,
    )
    scan = evidence.store(
        session,
        uploaded_by=logistics.actor.username,
        filename="退货入库单 return receipt.png",
        content_type="image/png",
        content=png(0x40),
        max_bytes=MAX_BYTES,
    )
    session.flush()

    fridges = _invoice_of(session, "PO-BJ-2002")
    fridge_line = _goods_line(fridges, "BCD-520W")
    # The buyer took the fridges' input VAT: a red-letter form needs its confirmation now.
    red_letter.record_use(
        session,
        finance,
        invoice_id=fridges.id,
        data=UseConfirmation(confirmed_on=today - timedelta(days=2)),
    )

    def request(invoice: Invoice, line_no: int, quantity: int, reason: str, note: str) -> int:
        made = returns.request(
            session,
            sales,
            data=ReturnCreate.model_validate(
                {
                    "order_id": invoice.order_id,
                    "invoice_id": invoice.id,
                    "reason": reason,
                    "note": note,
                    "lines": [{"line_no": line_no, "quantity": quantity}],
                }
            ),
        )
        return made.id

    def received(return_id: int, receipt_no: str, quantity: int) -> ReturnOut:
        returns.approve(
            session,
            hq,
            return_id=return_id,
            data=ApproveIn(approval_report_id=report.id, note="agreed with the buyer"),
        )
        return returns.receive(
            session,
            logistics,
            return_id=return_id,
            data=ReturnReceiptIn.model_validate(
                {
                    "receipt_no": receipt_no,
                    "received_on": today - timedelta(days=1),
                    "scan_id": scan.id,
                    "lines": [{"line_no": 1, "received_qty": quantity}],
                }
            ),
        )

    # 1. Defective fridges: credited by red-letter invoice; the form waits for the buyer.
    defective = request(
        fridges,
        fridge_line,
        2,
        "defective",
        "两台冰箱压缩机故障 two fridges with failed compressors",
    )
    received(defective, "THRK-BJ-0601", 2)
    crediting.choose_method(
        session,
        finance,
        return_id=defective,
        data=MethodIn(
            method="red_letter",
            reason="买方同意红字确认单 the buyer agreed to a red-letter form for defective goods",
        ),
    )
    form = red_letter.create(session, finance, data=FormCreate(from_return=defective))
    # Submitted now, when the demo is loaded: the buyer's 72 hours run from this moment.
    red_letter.submit(
        session, finance, form_id=form.id, data=FormSubmit(platform_no="44000026000000000601")
    )

    # 3. Slow-moving fridges: credited by the blue invoice the customer issued back (R24 b).
    slow = request(fridges, fridge_line, 3, "slow_moving", "滞销退回 slow sellers sent back")
    back = received(slow, "THRK-BJ-0602", 3)
    chosen = crediting.choose_method(session, finance, return_id=slow, data=MethodIn())
    assert chosen.credit_method == crediting.BLUE_INVOICE, chosen.proposal
    crediting.record_blue_invoice(
        session,
        finance,
        return_id=slow,
        data=BlueInvoiceIn.model_validate(
            {
                "invoice_number": "11000026000000000602",
                "invoice_date": today,
                "amount": back.amount,
                "tax": back.tax,
                "total": back.total,
                "lines": [
                    {
                        "item_code": line.item_code,
                        "quantity": line.received_qty,
                        "amount": line.amount,
                        "tax": line.tax,
                    }
                    for line in back.lines
                    if line.received_qty
                ],
            }
        ),
    )

    # 2. Still requested: HQ or finance approves it, with the approval report.
    conditioners = _invoice_of(session, "PO-HD-1003")
    request(
        conditioners,
        _goods_line(conditioners, "KFR-35GW/A1"),
        2,
        "defective",
        "两台空调漏氟 two air conditioners leak refrigerant",
    )
