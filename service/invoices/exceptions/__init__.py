"""What the customer booked against an invoice, the exceptions found, and their resolution by
the invoice_discrepancy rule set (R14-R18)."""
