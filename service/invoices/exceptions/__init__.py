"""Invoice exceptions: what the customer booked against an invoice, each discrepancy found, and its
resolution decided by the invoice_exception rule set and confirmed by a person (R14-R18)."""
