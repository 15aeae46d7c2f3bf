"""The receivables ledger: migration 0017 posts what existed as the services post it, and
`o2c ar check` (and `GET /receivables/check`) names every customer and invoice that does not add
up, on both databases."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import ExitStack
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from sqlalchemy import bindparam, func, select, text

from service import bootstrap
from service.auth.tokens import Actor
from service.db import Database, Money
from service.demo import load as load_demo
from service.invoices.models import Invoice
from service.invoices.redletter import usecases as red_letter
from service.invoices.redletter.models import RedLetterForm
from service.invoices.redletter.red_invoice import issue_red
from service.invoices.schemas import InvoiceIssue
from service.ledger import Allocation, Balance
from service.migrate import alembic_config, upgrade
from service.payments.models import Payment
from service.payments.schemas import ReverseIn
from service.payments.usecases import reverse
from service.receivables.check import check
from service.runtime import Runtime
from tests.flows import Flows
from tests.support import BACKENDS, Backend, fresh_database, settings_for

FINANCE = Actor(user_id=0, username="finance.test", roles=frozenset({"finance"}))


@pytest.fixture(params=BACKENDS)
def demo(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, Runtime]]:
    """A fresh database of its own with the demo data (invoices, a return credited by the
    customer's blue invoice, a red-letter form waiting for the buyer)."""
    with ExitStack() as stack:
        url = stack.enter_context(fresh_database(request.param, tmp_path))
        db = Database(url)
        stack.callback(db.dispose)
        upgrade(db)
        runtime = bootstrap.runtime(settings_for(url), db)
        load_demo(runtime)
        yield url, runtime


def _red_invoice(runtime: Runtime) -> None:
    """The demo's red-letter form confirmed by the buyer, and its red invoice issued."""
    ctx = runtime.for_actor(FINANCE)
    with runtime.db.write() as session:
        form_id = session.scalars(select(RedLetterForm.id)).one()
        red_letter.confirm(session, ctx, form_id=form_id)
    with runtime.db.write() as session:
        issue_red(
            session,
            ctx,
            form_id=form_id,
            data=InvoiceIssue(fapiao_no="44000026000000009901", fapiao_date=ctx.today),
        )


def _reverse_demo_payments(runtime: Runtime) -> None:
    """The demo's payments reversed: what migration 0017 posts predates payments."""
    ctx = runtime.for_actor(FINANCE)
    with runtime.db.write() as session:
        for payment_no in session.scalars(select(Payment.payment_no).order_by(Payment.id.desc())):
            reverse(session, ctx, payment_no=payment_no, data=ReverseIn(reason="demo undone"))


def _ledger(db: Database) -> dict[str, Any]:
    with db.read() as session:
        balances = {
            b.customer_id: (
                b.invoiced,
                b.red_invoiced,
                b.credited,
                b.paid,
                b.deducted,
                b.outstanding,
                b.unapplied,
            )
            for b in session.scalars(select(Balance))
        }
        outstanding = dict(session.execute(select(Invoice.id, Invoice.outstanding)).all())
        applied = dict(
            session.execute(
                select(Allocation.invoice_id, func.sum(Allocation.amount)).group_by(
                    Allocation.invoice_id
                )
            ).all()
        )
        assert check(session, bootstrap.workflows()).ok
    return {"balances": balances, "outstanding": outstanding, "applied": applied}


def test_migration_0017_posts_issued_invoices_red_invoices_and_credits_as_the_services_do(
    demo: tuple[str, Runtime],
) -> None:
    url, runtime = demo
    _reverse_demo_payments(runtime)
    _red_invoice(runtime)
    posted = _ledger(runtime.db)
    assert any(b[1] > 0 for b in posted["balances"].values()), "a red invoice is posted"
    assert any(b[2] > 0 for b in posted["balances"].values()), "an R24 (b) credit is posted"
    config = alembic_config(url)
    with runtime.db.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0016")
    upgrade(runtime.db)
    assert _ledger(runtime.db) == posted


def _o2c(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "service", *args],
        check=False,
        env={"PATH": "/usr/bin:/bin", "O2C_DATABASE_URL": url},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_ar_check_names_the_customer_and_invoice_that_do_not_add_up(
    demo: tuple[str, Runtime],
) -> None:
    url, runtime = demo
    good = _o2c(url, "ar", "check")
    assert good.returncode == 0, good.stderr
    assert "ledger identity holds" in good.stdout
    with runtime.db.write() as session:
        invoice_no, code = session.execute(
            text(
                "SELECT i.invoice_no, c.code FROM invoices i JOIN customers c "
                "ON c.id = i.customer_id WHERE i.outstanding > 0 ORDER BY i.id LIMIT 1"
            )
        ).one()
        session.execute(
            text("UPDATE invoices SET outstanding = outstanding - 1 WHERE invoice_no = :no"),
            {"no": invoice_no},
        )
    bad = _o2c(url, "ar", "check")
    assert bad.returncode == 1
    assert f"customer {code} invoice {invoice_no}: invoice outstanding" in bad.stdout
    assert f"customer {code}: outstanding should be" in bad.stdout
    assert f"customer {code}: identity" in bad.stdout
    assert "ledger identity fails" in bad.stderr


def test_receivables_check_over_the_api(flows: Flows, backend: Backend) -> None:
    invoice = flows.issued_invoice(flows.receipted_order()["id"])
    assert Decimal(invoice["outstanding"]) == Decimal(invoice["total"]) > 0
    answer = flows.finance.get("/receivables/check")
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["ok"] is True and body["failures"] == []
    assert body["invoices"] >= 0 and body["customers"] >= 0
    assert flows.sales.get("/receivables/check").status_code == 403
    # Broken on purpose, then put right again: the failure names the customer and invoice.
    change = text("UPDATE invoices SET outstanding = outstanding + :d WHERE id = :id").bindparams(
        bindparam("d", type_=Money)
    )
    with backend.db.write() as session:
        session.execute(change, {"d": Decimal(1), "id": invoice["id"]})
    try:
        broken = flows.finance.get("/receivables/check").json()
    finally:
        with backend.db.write() as session:
            session.execute(change, {"d": Decimal(-1), "id": invoice["id"]})
    assert broken["ok"] is False
    mine = [f for f in broken["failures"] if f["invoice_no"] == invoice["invoice_no"]]
    assert mine == [
        {
            "customer_code": invoice["customer_code"],
            "invoice_no": invoice["invoice_no"],
            "check": "invoice outstanding",
            "expected": invoice["total"],
            "stored": str(Decimal(invoice["total"]) + 1),
        }
    ]
