"""The pages for people: sessions, forms, templates and the shared layout (names no feature)."""
