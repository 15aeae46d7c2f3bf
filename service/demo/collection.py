"""Demo collection (R30): a customer's invoice received 72 days ago on 45-day terms, so past due;
the collection job run for the demo day raises its task and the account manager has called the
customer and recorded a promise to pay part of it."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from service import evidence
from service.collection.job import collection
from service.collection.models import CollectionTask
from service.collection.schemas import ContactIn, PromiseIn
from service.collection.usecases import contact, move, promise
from service.context import Context
from service.demo.documents import png
from service.invoices import usecases as invoices
from service.invoices.schemas import InvoiceCreate, InvoiceIssue
from service.masterdata.models import Customer
from service.orders import approval
from service.orders import usecases as orders
from service.orders.schemas import OrderCreate
from service.receipts import posting
from service.receipts.schemas import ReceiptCreate
from service.scheduler.jobs import JobRun
from service.shipments import usecases as shipments
from service.shipments.schemas import ShipmentCreate

CUSTOMER = "BJM"
PROMISED = Decimal("20000.00")


def _overdue_invoice(session: Session, ctx: dict[str, Context]) -> None:
    """Ordered 80 days ago, received 72 days ago, invoiced 70 days ago: 27 days past due."""
    sales, hq, logistics, finance = ctx["sales"], ctx["hq"], ctx["logistics"], ctx["finance"]
    today = sales.today
    made = orders.create(
        session,
        sales,
        data=OrderCreate(
            customer_code=CUSTOMER,
            customer_po_no="PO-BJ-1907",
            dc_code="BJ-DC01",
            order_date=today - timedelta(days=80),
            lines=[
                {"item_code": "RSJ-60", "quantity": 20},
                {"item_code": "CXW-200", "quantity": 6},
            ],
        ),
    )
    approval.approve(session, hq, order_id=made.id)
    shipments.ship(
        session,
        logistics,
        order_id=made.id,
        data=ShipmentCreate(
            warehouse_kind="internal",
            source_warehouse="无锡中心仓 Wuxi central",
            carrier="顺丰 SF Express",
            shipped_on=today - timedelta(days=76),
        ),
    )
    scan = evidence.store(
        session,
        uploaded_by=logistics.actor.username,
        filename="signed-receipt-1907.png",
        content_type="image/png",
        content=png(0x60),
        max_bytes=10**6,
    )
    session.flush()
    posting.post(
        session,
        logistics,
        order_id=made.id,
        data=ReceiptCreate(
            receipt_no="RK-BJ-76190",
            receipt_date=today - timedelta(days=72),
            lines=[{"line_no": 1, "received_qty": 20}, {"line_no": 2, "received_qty": 6}],
            evidence=[scan.id],
        ),
    )
    draft = invoices.create(session, finance, data=InvoiceCreate(order_id=made.id))
    invoices.issue(
        session,
        finance,
        invoice_id=draft.id,
        data=InvoiceIssue(fapiao_no="26440000000000009907", fapiao_date=today - timedelta(days=70)),
    )


def collection_board(session: Session, ctx: dict[str, Context]) -> None:
    """The job run for the demo day; the account manager takes the customer's task, calls and
    records the promise the customer made."""
    sales = ctx["sales"]
    _overdue_invoice(session, ctx)
    session.flush()
    collection(
        session,
        JobRun(
            as_of=sales.clock.now(),
            tz=sales.clock.tz,
            workflows=sales.workflows,
            settings=sales.settings,
        ),
    )
    task_id = session.scalar(
        select(CollectionTask.id)
        .join(Customer, Customer.id == CollectionTask.customer_id)
        .where(
            Customer.code == CUSTOMER,
            CollectionTask.condition == "overdue",
            CollectionTask.state == "open",
        )
        .order_by(CollectionTask.id)
        .limit(1)
    )
    if task_id is None:  # pragma: no cover - the rules raise one for 27 days past due
        return
    move(session, sales, task_id=task_id, trigger="take")
    contact(
        session,
        sales,
        task_id=task_id,
        data=ContactIn(
            channel="call",
            notes="张会计 Zhang: the payment run is on the 25th; part of it then",
            day=sales.today,
        ),
    )
    promise(
        session,
        sales,
        task_id=task_id,
        data=PromiseIn(amount=PROMISED, due_on=sales.today + timedelta(days=5)),
    )
