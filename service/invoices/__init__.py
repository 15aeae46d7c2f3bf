"""VAT invoices made from signed receipts (R9-R13), red invoices and carry-forwards (R15)."""
