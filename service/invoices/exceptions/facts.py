"""The facts the invoice_exception rule set sees for one exception (its vocabulary)."""

from __future__ import annotations

from typing import Any

from service.invoices.exceptions.models import InvoiceException
from service.masterdata.models import Customer

RULESET = "invoice_exception"


def exception_facts(exc: InvoiceException, customer: Customer) -> dict[str, Any]:
    attached = sorted({ev.kind for ev in exc.evidence})
    return {
        "kind": exc.kind,
        "quantity_difference": exc.quantity_difference,
        "amount_difference": exc.amount_difference,
        "total_difference": exc.total_difference,
        "line_tax_difference": exc.line_tax_difference,
        "invoice_tax_difference": exc.invoice_tax_difference,
        "branch_certified": "branch_certificate" in attached,
        "customer_discount_mode": customer.discount_mode,
        "evidence_on_file": attached,
    }
