"""The settlement gate (R23, R27-R29): an invoice is settled only when everything it needs holds."""
