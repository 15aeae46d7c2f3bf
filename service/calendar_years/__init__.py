"""Working days beyond the calendar package: the State Council years an admin loads."""
