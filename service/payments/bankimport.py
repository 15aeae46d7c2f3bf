"""Importing a bank statement file: every credit line stored once (unique on its normalised
bank reference) and matched when nothing is in doubt (`banklines.auto_match`).

Each line goes in its own SAVEPOINT: a line refused by the database or a payment refused by
`record_payment` stays alone (the line waits, or is reported), the others go on. A bad line
(a date or an amount that is none, an empty field, a reference repeated in the file) is
reported by its line and field and nothing of it is stored, while the good lines go through.
A rerun of the same file books nothing twice: a bank reference already stored is `already`
(the unique key also decides between two imports of one file at the same moment), and one
already booked as a payment by hand is matched to that payment. A dry run does all of it in
a SAVEPOINT that is rolled back: the answer says what the import would do; nothing is stored.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from service import i18n
from service.auth.models import User
from service.auth.tokens import Actor
from service.context import Context
from service.errors import Forbidden, Invalid, NotFound, PayloadTooLarge
from service.payments import bankfile, banklines
from service.payments.bankfile import BankRow
from service.payments.bankschemas import BankImportOut, BankUpload, LineOutcome, LineProblem
from service.payments.models import BankImport, BankLine, Payment
from service.runtime import Runtime

# The largest file the HTTP route takes, and the most lines in it (the command line has no
# limit: it imports in chunks).
MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_LINES = 5_000
Progress = Callable[[int, int], None]


def rows_of(content: bytes, file: str, ctx: Context) -> list[BankRow]:
    """The file's lines, understood, with each problem by line and field."""
    rows = bankfile.read_rows(bankfile.decode(content, file), file, ctx.today)
    bankfile.same_file_twice(rows)
    return rows


def start(session: Session, ctx: Context, *, file: str, sha256: str) -> BankImport:
    imported = BankImport(file_name=file, sha256=sha256, imported_by=ctx.actor.username)
    session.add(imported)
    session.flush()
    return imported


def _outcome(row: BankRow, outcome: str, **more: object) -> LineOutcome:
    return LineOutcome.model_validate(
        {
            "line": row.line,
            "outcome": outcome,
            "bank_reference": row.bank_reference,
            "amount": row.amount,
        }
        | more
    )


def _already(session: Session, row: BankRow) -> LineOutcome | None:
    found = session.execute(
        select(BankLine.id, Payment.payment_no)
        .outerjoin(Payment, Payment.id == BankLine.payment_id)
        .where(BankLine.bank_reference == row.bank_reference)
    ).first()
    if found is None:
        return None
    return _outcome(row, "already", bank_line_id=found[0], payment_no=found[1])


def _one(session: Session, ctx: Context, imported: BankImport, row: BankRow) -> LineOutcome:
    if row.skipped:
        return _outcome(row, "skipped")
    if row.problems:
        return _outcome(row, "error")
    assert row.value_date is not None and row.amount is not None
    before = _already(session, row)
    if before is not None:
        return before
    line = BankLine(
        import_id=imported.id,
        line_no=row.line,
        value_date=row.value_date,
        amount=row.amount,
        payer=row.payer,
        bank_reference=row.bank_reference,
        remittance_text=row.remittance,
        raw=row.raw,
    )
    try:
        with session.begin_nested():
            ctx.create(
                session,
                line,
                payload={
                    "file": imported.file_name,
                    "line": row.line,
                    "amount": row.amount,
                    "bank_reference": row.bank_reference,
                },
            )
            outcome, payment_no = banklines.auto_match(session, ctx, line)
            session.flush()
    except IntegrityError:
        # Another import stored this reference a moment ago: the unique key decided.
        stored = _already(session, row)
        if stored is None:
            raise
        return stored
    return _outcome(
        row,
        outcome,
        bank_line_id=line.id,
        payment_no=payment_no,
        reason=line.waiting_reason,
        reason_params=line.waiting_params,
    )


def take(
    session: Session,
    ctx: Context,
    imported: BankImport,
    rows: Sequence[BankRow],
    progress: Callable[[int], None] | None = None,
) -> list[LineOutcome]:
    """Import `rows` as part of `imported` (one SAVEPOINT each); its counts are kept."""
    done = []
    for row in rows:
        result = _one(session, ctx, imported, row)
        done.append(result)
        imported.lines_read += 1
        imported.new += result.outcome in ("booked", "matched_existing", "waiting")
        imported.already += result.outcome == "already"
        imported.matched += result.outcome in ("booked", "matched_existing")
        imported.waiting += result.outcome == "waiting"
        imported.skipped += result.outcome == "skipped"
        imported.errors += result.outcome == "error"
        if progress is not None:
            progress(1)
    session.flush()
    return done


def problems(rows: Sequence[BankRow], locale: str = i18n.DEFAULT_LOCALE) -> list[LineProblem]:
    return [
        LineProblem(
            line=row.line,
            field=p.field,
            code=p.code,
            reason=i18n.text(p.code, locale, p.params),
            params={k: str(v) for k, v in p.params.items()},
        )
        for row in rows
        if not row.skipped
        for p in row.problems
    ]


def report(
    imported: BankImport,
    lines: list[LineOutcome],
    rows: Sequence[BankRow],
    *,
    dry_run: bool,
) -> BankImportOut:
    return BankImportOut(
        import_id=None if dry_run else imported.id,
        file=imported.file_name,
        dry_run=dry_run,
        lines_read=imported.lines_read,
        new=imported.new,
        already=imported.already,
        matched=imported.matched,
        booked=sum(1 for line in lines if line.outcome == "booked"),
        waiting=imported.waiting,
        skipped=imported.skipped,
        errors=imported.errors,
        lines=lines,
        problems=problems(rows),
    )


def run(
    session: Session,
    ctx: Context,
    *,
    rows: Sequence[BankRow],
    file: str,
    sha256: str,
    dry_run: bool,
    progress: Callable[[int], None] | None = None,
) -> BankImportOut:
    """Import the rows in this transaction (a dry run: and roll it all back)."""
    if not dry_run:
        imported = start(session, ctx, file=file, sha256=sha256)
        return report(imported, take(session, ctx, imported, rows, progress), rows, dry_run=False)
    trial = session.begin_nested()
    try:
        imported = start(session, ctx, file=file, sha256=sha256)
        answer = report(imported, take(session, ctx, imported, rows, progress), rows, dry_run=True)
    finally:
        trial.rollback()
    return answer


def upload(session: Session, ctx: Context, *, data: BankUpload, content: bytes) -> BankImportOut:
    """POST /bank-statements: the uploaded file imported in one transaction."""
    rows = rows_of(content, data.file, ctx)
    if len(rows) > MAX_LINES:
        raise Invalid("bank.file.too_many_lines", field="file", lines=len(rows), max=MAX_LINES)
    return run(session, ctx, rows=rows, file=data.file, sha256=data.sha256, dry_run=data.dry_run)


def too_large(size: int) -> PayloadTooLarge:
    return PayloadTooLarge("bank.file.too_large", field="file", size=size, max=MAX_FILE_BYTES)


def importing_actor(session: Session, runtime: Runtime, username: str) -> Actor:
    """The active user who may match bank lines (the roles of the bank_line lifecycle)."""
    user = session.scalar(select(User).where(User.username == username))
    if user is None or not user.active:
        raise NotFound("bank.import_user_unknown", field="--user", username=username)
    needed = runtime.workflows.flow(BankLine).roles_for("match")
    if not needed.intersection(user.roles):
        raise Forbidden(
            "bank.import_role_required",
            field="--user",
            username=username,
            required_roles=sorted(needed),
        )
    return Actor(user_id=user.id, username=user.username, roles=frozenset(user.roles))


def import_file(
    runtime: Runtime,
    *,
    path: Path,
    username: str,
    dry_run: bool = False,
    chunk_size: int = 200,
    progress: Progress | None = None,
) -> BankImportOut:
    """`o2c import bank-statement FILE`: the file's lines in chunks, one write transaction each
    (a crash loses the chunk in flight only; the rerun books it); a dry run in one transaction
    rolled back."""
    db = runtime.db
    with db.read() as session:
        ctx = runtime.for_actor(importing_actor(session, runtime, username))
    try:
        content = path.read_bytes()
    except OSError as exc:
        raise Invalid(
            "bank.file.unreadable", field="file", file=str(path), error=exc.strerror or str(exc)
        ) from None
    file, digest = bankfile.file_name(path.name), hashlib.sha256(content).hexdigest()
    rows = rows_of(content, file, ctx)
    count = [0]

    def advance(step: int) -> None:
        count[0] += step
        if progress is not None:
            progress(count[0], len(rows))

    if dry_run:
        with db.write() as session:
            return run(
                session, ctx, rows=rows, file=file, sha256=digest, dry_run=True, progress=advance
            )
    with db.write() as session:
        import_id = start(session, ctx, file=file, sha256=digest).id
    lines: list[LineOutcome] = []
    for first in range(0, len(rows), chunk_size):
        with db.write() as session:
            imported = session.get(BankImport, import_id)
            assert imported is not None
            lines += take(session, ctx, imported, rows[first : first + chunk_size], advance)
    with db.read() as session:
        imported = session.get(BankImport, import_id)
        assert imported is not None
        return report(imported, lines, rows, dry_run=False)
