"""Returns (退货, R24-R26): requested by sales, approved, received back, credited once."""
