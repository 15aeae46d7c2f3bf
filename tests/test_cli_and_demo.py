"""The README's run command, the demo data, and the o2c command line."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

import httpx
from sqlalchemy import select

from service.auth import tokens
from service.collection.models import CollectionContact, CollectionTask, PromiseToPay
from service.db import Database
from service.demo import DEMO_TOKENS
from service.demo import load as load_demo
from service.ledger import Balance
from service.masterdata.models import Customer
from service.payments.models import Payment
from service.statements.models import Statement
from tests.support import Backend, free_port

O2C = [sys.executable, "-m", "service"]


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("O2C_")}
    env.update(extra)
    return env


def test_serve_in_demo_mode_migrates_loads_demo_data_and_prints_docs_and_tokens(
    tmp_path: Path,
) -> None:
    port = free_port()
    env = _env(
        O2C_DATABASE_URL=f"sqlite:///{tmp_path / 'run.sqlite3'}",
        O2C_PORT=str(port),
        O2C_SCHEDULER_INTERVAL_SECONDS="3600",
    )
    log = (tmp_path / "serve.log").open("w+")
    process = subprocess.Popen(
        [*O2C, "serve", "--demo"], env=env, stdout=log, stderr=subprocess.STDOUT, text=True
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/health").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert process.poll() is None, Path(log.name).read_text()
            assert time.monotonic() < deadline, "the server did not come up"
            time.sleep(0.2)
        headers = {"Authorization": f"Bearer {DEMO_TOKENS['finance']}"}
        orders = httpx.get(f"http://127.0.0.1:{port}/orders", headers=headers).json()
        assert {o["state"] for o in orders} == {
            "draft",
            "approved",
            "shipped",
            "invoiced",
            "receipted",
            "cancelled",
            "closed",
        }
        assert httpx.get(f"http://127.0.0.1:{port}/docs").status_code == 200
        # The scheduler runs in the server: the demo's overdue carrier receipt becomes a task.
        logistics = {"Authorization": f"Bearer {DEMO_TOKENS['logistics']}"}
        while not httpx.get(f"http://127.0.0.1:{port}/tasks", headers=logistics).json():
            assert time.monotonic() < deadline, "the scheduler raised no task"
            time.sleep(0.2)
    finally:
        process.terminate()
        process.wait(timeout=20)
    output = Path(log.name).read_text()
    assert f"API docs: http://127.0.0.1:{port}/docs" in output
    for role, token in DEMO_TOKENS.items():
        assert f"{role}" in output and token in output


def test_a_bad_setting_stops_start_up_naming_it(tmp_path: Path) -> None:
    result = subprocess.run(  # noqa: PLW1510 (the exit code is asserted)
        [*O2C, "serve"],
        env=_env(O2C_ORDER_MAX_LINES="many"),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "O2C_ORDER_MAX_LINES" in result.stderr


def test_serve_refuses_a_database_that_is_not_migrated(tmp_path: Path) -> None:
    result = subprocess.run(  # noqa: PLW1510 (the exit code is asserted)
        [*O2C, "serve"],
        env=_env(O2C_DATABASE_URL=f"sqlite:///{tmp_path / 'new.sqlite3'}"),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert "run `o2c migrate`" in result.stderr


def test_users_and_tokens_are_made_on_the_command_line(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
    env = _env(O2C_DATABASE_URL=url)

    def o2c(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            check=False, args=[*O2C, *args], env=env, capture_output=True, text=True, timeout=60
        )

    assert o2c("migrate").returncode == 0
    made = o2c("users", "add", "li.na", "--role", "logistics", "--role", "finance")
    assert made.returncode == 0, made.stderr
    bad = o2c("users", "add", "zhang", "--role", "boss")
    assert bad.returncode == 1 and "unknown role(s) boss" in bad.stderr
    issued = o2c("tokens", "issue", "li.na", "--name", "scanner")
    token = issued.stdout.strip()
    assert token.startswith("o2c_")
    db = Database(url)
    with db.read() as session:
        actor = tokens.resolve(session.connection(), token, demo_mode=False)
    assert actor is not None and actor.roles == {"logistics", "finance"}
    assert o2c("tokens", "revoke", token[:12]).returncode == 0
    with db.read() as session:
        assert tokens.resolve(session.connection(), token, demo_mode=False) is None
    db.dispose()


def test_workflows_check_names_the_bad_file(tmp_path: Path) -> None:
    (tmp_path / "order.yaml").write_text(
        "machine: order\ninitial: draft\nstates: [draft]\n"
        "transitions:\n  - trigger: go\n    source: draft\n"
        "    dest: nowhere\n    roles: [hq]\n"
    )
    result = subprocess.run(  # noqa: PLW1510 (the exit code is asserted)
        [*O2C, "workflows", "check", str(tmp_path)],
        env=_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert "order.yaml:5: transition 'go' names unknown state 'nowhere'" in result.stderr


def test_demo_data_loads_once_on_each_database(backend: Backend) -> None:
    first = load_demo(backend.runtime)
    again = load_demo(backend.runtime)
    assert (first, again) == (True, False)
    with backend.db.read() as session:
        assert tokens.resolve(session.connection(), DEMO_TOKENS["hq"], demo_mode=True) is not None
        # The database is the session's, shared with other tests: only the demo's customers.
        demo = select(Customer.id).where(Customer.code.in_(("HDQ", "BJM", "XNB")))
        # Payments to show: a statement paid in two (one in part first), and unapplied credit.
        paid = session.execute(
            select(Payment.amount, Payment.allocated, Payment.unapplied)
            .where(Payment.customer_id.in_(demo))
            .order_by(Payment.id)
        ).all()
        assert [(p.allocated == p.amount, p.unapplied > 0) for p in paid] == [
            (True, False),
            (True, False),
            (False, True),
        ]
        statements = select(Statement.state).where(Statement.customer_id.in_(demo))
        assert session.scalars(statements).all() == ["paid"]
        held = session.scalars(
            select(Balance.unapplied).where(Balance.unapplied > 0, Balance.customer_id.in_(demo))
        ).all()
        assert held == [Decimal("50000.00")]
        # Collection (R30): the job ran for the demo day; the account manager called the
        # customer past due and recorded its promise.
        tasks = session.execute(
            select(Customer.code, CollectionTask.condition, CollectionTask.state, CollectionTask.id)
            .join(Customer, Customer.id == CollectionTask.customer_id)
            .where(Customer.id.in_(demo))
            .order_by(CollectionTask.id)
        ).all()
        assert ("BJM", "overdue", "promised") in [(c, k, s) for c, k, s, _i in tasks]
        promised = next(i for c, k, s, i in tasks if s == "promised")
        assert session.scalars(
            select(CollectionContact.channel).where(CollectionContact.task_id == promised)
        ).all() == ["call"]
        assert session.scalars(
            select(PromiseToPay.amount).where(PromiseToPay.task_id == promised)
        ).all() == [Decimal("20000.00")]


def test_rules_check_names_the_file_rule_and_field(tmp_path: Path) -> None:
    from rules import DEFAULT_DIR

    text = (DEFAULT_DIR / "credit_release.yaml").read_text()
    (tmp_path / "credit_release.yaml").write_text(text.replace("credit_limit", "credit_limt"))
    result = subprocess.run(  # noqa: PLW1510 (the exit code is asserted)
        [*O2C, "rules", "check", str(tmp_path)],
        env=_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert "credit_release.yaml: rule 'over-credit-limit': conditions.all[0].name" in result.stderr
    good = subprocess.run(  # noqa: PLW1510
        [*O2C, "rules", "check"], env=_env(), capture_output=True, text=True, timeout=60
    )
    assert good.returncode == 0
    assert "invoice_exception v1 sha256:" in good.stdout


def test_the_books_are_closed_on_the_command_line(tmp_path: Path) -> None:
    env = _env(O2C_DATABASE_URL=f"sqlite:///{tmp_path / 'books.sqlite3'}")

    def o2c(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            check=False, args=[*O2C, *args], env=env, capture_output=True, text=True, timeout=60
        )

    assert o2c("migrate").returncode == 0
    closed = o2c("books", "close", "--through", "2025-06-30")
    assert closed.returncode == 0, closed.stderr
    assert "closed through 2025-06-30" in closed.stdout
    back = o2c("books", "close", "--through", "2025-05-31")
    assert back.returncode == 1 and "needs a reason" in back.stderr
    reopened = o2c("books", "close", "--through", "2025-05-31", "--reason", "May entered late")
    assert reopened.returncode == 0, reopened.stderr
    assert "closed through 2025-05-31 (by command-line" in o2c("books", "show").stdout
