"""Users, roles and hashed API tokens; every request is authenticated and authorised by role."""
