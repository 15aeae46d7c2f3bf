"""Master data: customers, their DCs, contracts with price lists, powers of attorney, items."""
