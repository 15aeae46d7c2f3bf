"""Closing the books: the closed period, moved forward by finance and back only by an admin."""
