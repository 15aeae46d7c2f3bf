"""Signed receipts (签收入库回单) posted by logistics, and receipt exceptions (R6, R8)."""
