"""The scheduler: jobs that compute what is due as of a moment and raise tasks idempotently."""
