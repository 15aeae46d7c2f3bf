"""`o2c import ...`: bulk loading of documents from CSV files."""

from __future__ import annotations

import typer

import_app = typer.Typer(help="Import documents from CSV files.", no_args_is_help=True)
