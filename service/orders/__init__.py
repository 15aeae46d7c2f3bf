"""Company orders made from customer purchase orders (R1-R4)."""
