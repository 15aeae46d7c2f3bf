"""Payments received (R23 money side): recorded, allocated to invoices, reversed; deductions
the customer made and the unapplied credit it holds."""
