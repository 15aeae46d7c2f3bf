"""Reconciliation statements (对账单, R20-R22): drafted by the scheduler, sent, confirmed."""
