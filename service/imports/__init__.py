"""Imports from CSV files: `o2c import <name> FILE --user U [--dry-run] [--report R]`.

Shared plumbing (it names no feature). A feature plugs an importer in by listing an instance in
its `Feature(importers=(...))`; the command line then has `o2c import <name>` with the
importer's help, the options above, a progress bar and `--chunk-size`. What every import gives:

- the file is UTF-8 (a BOM is fine) or GBK/GB18030, with a header row; a bad header stops it;
- rows are grouped into documents by a key, wherever they stand in the file; each row is
  checked on its own and each problem is reported by line and column (`line 7: qty: ...`);
- a document is atomic: one bad row and none of it is booked (its other rows "not booked");
- documents are booked in chunks, one write transaction per chunk; a database failure stops
  the run (ImportStopped) and the chunks before stay booked;
- a rerun books nothing twice: documents booked before are reported "already booked";
- `--dry-run` books each chunk and rolls it back: the report says "would book";
- after a run that booked a bulk of documents, the planner statistics of the tables the
  importer names in `bulk` are gathered again (`service.statistics`).

Writing an importer (a subclass of `Importer`, see `service.imports.importer`):

1. Declare `name`, `help` (the file format), `unit` ("order"), `roles` (the importing user
   holds one of them), `columns` and `optional` (the header; optional columns may be left
   out), `key_columns` (rows with the same values are one document; or override `key(row)`)
   and `shared` (the document's own columns, which its rows must not contradict).
2. `parse(row)`: check one row alone and keep its typed values in `row.parsed`; the helpers
   `row.day`, `row.whole`, `row.decimal`, `row.text` parse and report (`row.fail(column,
   reason)`). `check(document)`: checks of a whole document that need no database.
3. `look_up(batch, documents)`: per chunk, find what the documents name with one query per
   kind (customers, items...; keep master data in `batch.memo` across chunks); refuse with
   `document.fail(column, reason)`; detect what is already booked (by the document's number in
   the old system, found in the database) and mark it `document.already(reason)`.
4. `book(batch, documents)`: write them on `batch.session` through the lifecycle
   (`batch.ctx.create`/`fire`, or Core inserts journaled by `Workflows.created(...,
   how="import")`), all at once where it can (set-based: validate in Python, then executemany).
   A document found wrong here is failed and not written. Recording what the old system's
   people did (approving, shipping) takes their roles: `acting_for(batch.ctx, "hq", ...)`.
   If `book` raises a refusal (a DomainError, WorkflowError, ValidationError, IntegrityError)
   the chunk's SAVEPOINT rolls back and the run books each document alone in its own
   SAVEPOINT; `blame(document, error)` says on its rows why one was refused (the default puts
   the message on the first row).

`run_import(runtime, importer, path=..., username=...)` runs it and returns an ImportReport
(`write_report` writes it as CSV); the command line prints its problems and summary and exits
0 when every document was booked or already booked, 1 when some were refused, 2 when nothing
was imported (unknown user, bad header, database not migrated).
"""

from service.imports.documents import Document, Row, read_documents
from service.imports.importer import Batch, Importer, acting_for, importing_actor, run_import
from service.imports.report import ImportReport, ImportStopped, RowResult, write_report

__all__ = [
    "Batch",
    "Document",
    "ImportReport",
    "ImportStopped",
    "Importer",
    "Row",
    "RowResult",
    "acting_for",
    "importing_actor",
    "read_documents",
    "run_import",
    "write_report",
]
