"""Receivables: what customers owe and what is overdue (R19, R30); later, ageing and payments."""
