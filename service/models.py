"""Imports every table so that `Base.metadata` is complete (Alembic, tests)."""

from service.auth.models import ApiToken, User, WebSession
from service.collection.models import (
    CollectionContact,
    CollectionRun,
    CollectionTask,
    LegalCase,
    PromiseToPay,
)
from service.db import Base
from service.evidence import Attachment
from service.idempotency import IdempotencyRecord
from service.invoices.exceptions.models import (
    Booking,
    BookingLine,
    ExceptionEvidence,
    InvoiceException,
)
from service.invoices.models import CarryForward, DiscountCredit, Invoice, InvoiceLine
from service.invoices.redletter.models import RedLetterForm, RedLetterFormLine
from service.journal import Event
from service.ledger import Allocation, Balance, LedgerEntry
from service.masterdata.models import (
    Contract,
    ContractPrice,
    Customer,
    Item,
    PowerOfAttorney,
    Warehouse,
)
from service.numbering import NumberSequence
from service.orders.models import Order, OrderLine
from service.payments.models import BankImport, BankLine, CreditApplication, Deduction, Payment
from service.periods import BookClosing
from service.receipts.models import Receipt, ReceiptAttachment, ReceiptException, ReceiptLine
from service.returns.models import CustomerBlueInvoice, Return, ReturnLine
from service.scheduler.models import SchedulerLease, Task, apscheduler_jobs
from service.settlement.models import SettledInvoice, Settlement
from service.shipments.models import Shipment, ShipmentLine
from service.statements.models import (
    Statement,
    StatementAdjustment,
    StatementDispute,
    StatementEntry,
    StatementLine,
    StatementVersion,
)
from service.workcalendar import WorkingCalendarDay, WorkingCalendarYear

__all__ = [
    "Allocation",
    "ApiToken",
    "Attachment",
    "Balance",
    "BankImport",
    "BankLine",
    "Base",
    "BookClosing",
    "Booking",
    "BookingLine",
    "CarryForward",
    "CollectionContact",
    "CollectionRun",
    "CollectionTask",
    "Contract",
    "ContractPrice",
    "CreditApplication",
    "Customer",
    "CustomerBlueInvoice",
    "Deduction",
    "DiscountCredit",
    "Event",
    "ExceptionEvidence",
    "IdempotencyRecord",
    "Invoice",
    "InvoiceException",
    "InvoiceLine",
    "Item",
    "LedgerEntry",
    "LegalCase",
    "NumberSequence",
    "Order",
    "OrderLine",
    "Payment",
    "PowerOfAttorney",
    "PromiseToPay",
    "Receipt",
    "ReceiptAttachment",
    "ReceiptException",
    "ReceiptLine",
    "RedLetterForm",
    "RedLetterFormLine",
    "Return",
    "ReturnLine",
    "SchedulerLease",
    "SettledInvoice",
    "Settlement",
    "Shipment",
    "ShipmentLine",
    "Statement",
    "StatementAdjustment",
    "StatementDispute",
    "StatementEntry",
    "StatementLine",
    "StatementVersion",
    "Task",
    "User",
    "Warehouse",
    "WebSession",
    "WorkingCalendarDay",
    "WorkingCalendarYear",
    "apscheduler_jobs",
]
