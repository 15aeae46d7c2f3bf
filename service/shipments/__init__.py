"""Shipments from external or internal warehouses (R5)."""
