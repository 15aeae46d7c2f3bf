"""Rules are data in the running service: reload without restart, refusal, dry run (R18)."""

from __future__ import annotations

import dataclasses
import hashlib
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from rules import DEFAULT_DIR
from service.clock import business_date
from service.db import Database
from service.invoices.exceptions.models import Booking, InvoiceException
from service.invoices.models import Invoice
from service.journal import Event
from service.masterdata.models import Customer
from service.orders.models import Order
from service.rulesets import RuleRegistry
from tests.flows import Flows
from tests.support import (
    Backend,
    Server,
    make_users,
    make_world,
    migrate,
    settings_for,
    tmp_sqlite_url,
    unique,
)
from tests.test_credit import limited_customer


def credit_rules(*, version: int, allowance: str) -> str:
    """A credit_release rule file releasing orders up to `allowance` yuan over the limit."""
    over = Decimal(allowance) + Decimal("0.01")
    return f"""\
ruleset: credit_release
version: {version}
description: Hold an order more than {allowance} yuan over the credit limit.
hit_policy: first
rules:
  - id: over-credit-limit
    description: over the credit limit by more than the allowance
    priority: 100
    conditions:
      all:
        - {{name: amount_over_credit_limit, operator: greater_than, value: {allowance}}}
    actions:
      - name: hold
        params: {{reason: order amount plus open receivables exceeds the credit limit}}
  - id: release
    description: within the allowance
    priority: 0
    conditions:
      all:
        - {{name: amount_over_credit_limit, operator: less_than_or_equal_to, value: {allowance}}}
    actions:
      - name: release
        params: {{reason: within the credit limit and the overdue allowance}}
tests:
  - name: over the allowance is held
    given: {{order_amount: {over}, credit_limit: 0, open_receivables: 0, customer_grade: A}}
    expect: {{rules: [over-credit-limit]}}
  - name: at the allowance is released
    given: {{order_amount: {allowance}, credit_limit: 0, open_receivables: 0, customer_grade: A}}
    expect: {{rules: [release]}}
"""


@contextmanager
def live_server(backend: Backend, rules_dir: Path, *, reload_seconds: int) -> Iterator[Backend]:
    """A second server on the same database, reading its rules from `rules_dir`."""
    settings = settings_for(
        backend.settings.database_url,
        rules_dir=str(rules_dir),
        rules_reload_seconds=reload_seconds,
    )
    with Server(settings, backend.db) as server:
        yield dataclasses.replace(
            backend, settings=settings, url=server.url, runtime=server.app.state.ctx
        )


def _today(backend: Backend) -> date:
    return business_date(backend.settings.tz)


def rules_copy(tmp_path: Path) -> Path:
    directory = tmp_path / "rules"
    shutil.copytree(DEFAULT_DIR, directory)
    return directory


def approve_default_order(flows: Flows, customer: str) -> dict[str, Any]:
    """Approve a 15,562.50 order (5,562.50 over a 10,000.00 limit) and return the response."""
    order = flows.create_order(customer_code=customer)
    response = flows.hq.post(f"/orders/{order['id']}/approve")
    assert response.status_code == 200, response.text
    return dict(response.json())


def credit_in_force(client: Flows) -> dict[str, Any]:
    status = client.sales.get("/rules")
    assert status.status_code == 200, status.text
    body: dict[str, Any] = status.json()
    return next(r for r in body["rulesets"] if r["name"] == "credit_release" and r["in_force"])


def test_rule_change_takes_effect_on_reload_without_restart(
    backend: Backend, tmp_path: Path
) -> None:
    directory = rules_copy(tmp_path)
    with live_server(backend, directory, reload_seconds=0) as live:
        world = make_world(live.db, today=_today(live))
        with Flows(live, world) as flows:
            customer = limited_customer(live.db, world, flows.today, credit_limit="10000")
            assert approve_default_order(flows, customer)["state"] == "on_credit_hold"
            text = credit_rules(version=2, allowance="6000")
            (directory / "credit_release.yaml").write_text(text)
            # Automatic checks are off here: nothing changes until someone reloads.
            assert approve_default_order(flows, customer)["state"] == "on_credit_hold"
            assert flows.sales.post("/rules/reload").status_code == 403
            reloaded = flows.finance.post("/rules/reload")
            assert reloaded.status_code == 200, reloaded.text
            in_force = credit_in_force(flows)
            assert in_force["version"] == 2
            assert in_force["checksum"] == hashlib.sha256(text.encode()).hexdigest()
            assert in_force["file"] == "credit_release.yaml"
            approved = approve_default_order(flows, customer)
            assert approved["state"] == "approved"
            decision = approved["credit_decision"]["decision"]
            assert (decision["version"], decision["rules"]) == (2, ["release"])


def test_rule_file_change_is_picked_up_by_the_periodic_check(
    backend: Backend, tmp_path: Path
) -> None:
    directory = rules_copy(tmp_path)
    with live_server(backend, directory, reload_seconds=1) as live:
        world = make_world(live.db, today=_today(live))
        with Flows(live, world) as flows:
            customer = limited_customer(live.db, world, flows.today, credit_limit="10000")
            assert approve_default_order(flows, customer)["state"] == "on_credit_hold"
            text = credit_rules(version=3, allowance="6000")
            (directory / "credit_release.yaml").write_text(text)
            deadline = time.monotonic() + 10
            while credit_in_force(flows)["version"] != 3:
                assert time.monotonic() < deadline, "the changed rule file was not picked up"
                time.sleep(0.2)
            approved = approve_default_order(flows, customer)
            assert approved["state"] == "approved"
            assert approved["credit_decision"]["decision"]["version"] == 3
            # A broken file is noticed the same way, and refused: version 3 stays in force.
            (directory / "credit_release.yaml").write_text(text.replace("version: 3", "version: x"))
            while flows.sales.get("/rules").json()["last_error"] is None:
                assert time.monotonic() < deadline + 10, "the broken rule file was not noticed"
                time.sleep(0.2)
            assert credit_in_force(flows)["version"] == 3


def test_invalid_rule_file_is_refused_and_the_rules_in_force_stay(
    backend: Backend, tmp_path: Path
) -> None:
    directory = rules_copy(tmp_path)
    good = (directory / "credit_release.yaml").read_text()
    with live_server(backend, directory, reload_seconds=0) as live:
        world = make_world(live.db, today=_today(live))
        with Flows(live, world) as flows:
            customer = limited_customer(live.db, world, flows.today, credit_limit="10000")
            bad = good.replace("version: 1", "version: 2").replace(
                "amount_over_credit_limit, operator: greater_than",
                "credit_headroom, operator: greater_than",
            )
            (directory / "credit_release.yaml").write_text(bad)
            refused = flows.admin.post("/rules/reload")
            assert refused.status_code == 422, refused.text
            problem = refused.json()
            assert problem["rule_error"]["file"] == "credit_release.yaml"
            assert problem["rule_error"]["rule"] == "over-credit-limit"
            assert problem["rule_error"]["field"] == "conditions.all[0].name"
            assert "credit_headroom" in problem["detail"]
            status = flows.sales.get("/rules").json()
            assert credit_in_force(flows)["version"] == 1
            error = status["last_error"]
            assert (error["file"], error["rule"], error["field"]) == (
                "credit_release.yaml",
                "over-credit-limit",
                "conditions.all[0].name",
            )
            held = approve_default_order(flows, customer)
            assert held["state"] == "on_credit_hold"
            assert held["credit_decision"]["decision"]["version"] == 1
            (directory / "credit_release.yaml").write_text(good)
            assert flows.finance.post("/rules/reload").status_code == 200
            assert flows.sales.get("/rules").json()["last_error"] is None


def test_no_matching_rule_puts_the_order_on_credit_hold(backend: Backend, tmp_path: Path) -> None:
    directory = rules_copy(tmp_path)
    only_hold = credit_rules(version=4, allowance="0")
    only_hold = (
        only_hold[: only_hold.index("  - id: release")]
        + only_hold[only_hold.index("tests:") : only_hold.index("  - name: at the allowance")]
    )
    (directory / "credit_release.yaml").write_text(only_hold)
    with live_server(backend, directory, reload_seconds=0) as live:
        world = make_world(live.db, today=_today(live))
        with Flows(live, world) as flows:
            order = flows.create_order(lines=[(0, 1)])
            held = flows.hq.post(f"/orders/{order['id']}/approve").json()
            assert held["state"] == "on_credit_hold"
            credit = held["credit_decision"]
            assert credit["decision"]["rules"] == []
            assert "a person must decide" in credit["reason"]


def _counts(session: Session) -> tuple[int, ...]:
    return tuple(
        session.scalar(select(func.count()).select_from(model)) or 0
        for model in (Order, Event, InvoiceException, Invoice)
    )


def _states(session: Session, ids: list[int]) -> list[tuple[int, str, int]]:
    rows = session.execute(
        select(Order.id, Order.state, Order.version).where(Order.id.in_(ids)).order_by(Order.id)
    )
    return [(i, s, v) for i, s, v in rows]


def test_dry_run_of_credit_release_changes_nothing_and_reports_what_would_change(
    flows: Flows,
) -> None:
    customer = limited_customer(flows.backend.db, flows.world, flows.today, credit_limit="10000")
    over = flows.create_order(customer_code=customer)  # 5,562.50 over the limit
    held = approve_default_order(flows, customer)  # the same, on credit hold
    far_over = flows.create_order(customer_code=customer, lines=[(0, 20)])  # 10,010.00 over
    within = flows.create_order(customer_code=customer, lines=[(0, 1)])
    ids = [over["id"], held["id"], far_over["id"], within["id"]]
    with flows.backend.db.read() as session:
        before, states = _counts(session), _states(session, ids)
    candidate = credit_rules(version=2, allowance="6000")
    response = flows.finance.post("/rules/dry-run", json={"yaml": candidate, "file": "cr2.yaml"})
    assert response.status_code == 200, response.text
    report = response.json()
    with flows.backend.db.read() as session:
        assert _counts(session) == before
        assert _states(session, ids) == states
    assert (report["ruleset"], report["item_kind"]) == ("credit_release", "order")
    assert (report["live_version"], report["candidate_version"]) == (1, 2)
    changed = {c["item_id"]: c for c in report["changes"]}
    assert over["id"] in changed and held["id"] in changed
    assert far_over["id"] not in changed and within["id"] not in changed
    change = changed[held["id"]]
    assert change["live"]["rules"] == ["over-credit-limit"]
    assert change["candidate"]["rules"] == ["release"]
    assert change["live"]["values"]["order_amount"] == "15562.50"
    assert "over-credit-limit" in change["live"]["explanation"]
    counts = report["counts"]
    assert counts["items"] >= 4
    assert counts["changed"] == len(report["changes"])
    assert counts["moves"]["over-credit-limit -> release"] >= 2
    assert flows.sales.post("/rules/dry-run", json={"yaml": candidate}).status_code == 403


def test_a_rule_file_with_an_impossible_date_is_refused_on_reload_and_dry_run(
    backend: Backend, tmp_path: Path
) -> None:
    directory = rules_copy(tmp_path)
    good = (directory / "credit_release.yaml").read_text()
    bad = good.replace("effective_from: 2026-01-01", "effective_from: 2026-02-30")
    with (
        live_server(backend, directory, reload_seconds=0) as live,
        Flows(live, make_world(live.db, today=_today(live))) as flows,
    ):
        (directory / "credit_release.yaml").write_text(bad)
        refused = flows.admin.post("/rules/reload")
        assert refused.status_code == 422, refused.text
        assert refused.json()["code"] == "rules.reload_refused"
        assert "not a date: '2026-02-30'" in refused.json()["detail"]
        error = flows.sales.get("/rules").json()["last_error"]
        assert error["file"] == "credit_release.yaml" and "2026-02-30" in error["reason"]
        assert credit_in_force(flows)["version"] == 1
        dry = flows.hq.post("/rules/dry-run", json={"yaml": bad, "file": "cr.yaml"})
        assert dry.status_code == 422 and dry.json()["errors"][0]["field"] == "yaml"
        (directory / "credit_release.yaml").write_text(good)


def test_dry_run_refuses_an_invalid_candidate_naming_file_rule_and_field(flows: Flows) -> None:
    candidate = credit_rules(version=2, allowance="6000").replace("operator: greater_than", "op: x")
    response = flows.hq.post("/rules/dry-run", json={"yaml": candidate, "file": "cr2.yaml"})
    assert response.status_code == 422, response.text
    problem = response.json()
    assert problem["errors"][0]["field"] == "yaml"
    assert problem["rule_error"]["file"] == "cr2.yaml"
    assert problem["rule_error"]["rule"] == "over-credit-limit"
    assert problem["rule_error"]["field"].startswith("conditions.all[0]")


def _open_exception(session: Session, invoice: Invoice, booking: Booking, **fields: Any) -> int:
    exc = InvoiceException(
        invoice_id=invoice.id,
        booking_id=booking.id,
        customer_id=invoice.customer_id,
        state="open",
        **fields,
    )
    session.add(exc)
    session.flush()
    return exc.id


def test_dry_run_of_invoice_exception_on_open_exceptions(flows: Flows) -> None:
    order = flows.approved_order()
    with flows.backend.db.write() as session:
        row = session.scalars(select(Order).where(Order.id == order["id"])).one()
        invoice = Invoice(
            invoice_no=unique("INV"),
            customer_id=row.customer_id,
            order_id=row.id,
            state="issued",
            remark="dry-run test invoice",
            prices_include_tax=True,
            amount=Decimal("1000.00"),
            tax=Decimal("130.00"),
            total=Decimal("1130.00"),
            delivery_route="branch",
            created_by="test",
        )
        session.add(invoice)
        session.flush()
        booking = Booking(
            invoice_id=invoice.id,
            reference=unique("BK"),
            booked_on=flows.today - timedelta(days=1),
            source="portal",
            recorded_by="test",
        )
        session.add(booking)
        session.flush()
        price = _open_exception(
            session, invoice, booking, kind="price_mismatch", amount_difference=Decimal("35.40")
        )
        model = _open_exception(
            session, invoice, booking, kind="model_mismatch", amount_difference=Decimal("0.00")
        )
    with flows.backend.db.read() as session:
        before = _counts(session)
    text = (DEFAULT_DIR / "invoice_exception.yaml").read_text()
    candidate = text.replace("version: 1", "version: 2").replace(
        "confirm_by: hq", "confirm_by: finance"
    )
    response = flows.finance.post("/rules/dry-run", json={"yaml": candidate})
    assert response.status_code == 200, response.text
    report = response.json()
    with flows.backend.db.read() as session:
        assert _counts(session) == before
        assert session.get(InvoiceException, price).state == "open"  # type: ignore[union-attr]
    assert report["item_kind"] == "invoice_exception"
    changed = {c["item_id"]: c for c in report["changes"]}
    assert price in changed and model not in changed
    live, cand = changed[price]["live"], changed[price]["candidate"]
    assert live["rules"] == cand["rules"] == ["r16-price-mismatch"]
    assert live["actions"][0]["params"]["confirm_by"] == "hq"
    assert cand["actions"][0]["params"]["confirm_by"] == "finance"
    assert report["counts"]["items"] >= 2


def test_o2c_rules_dry_run_and_status_on_a_sqlite_file(tmp_path: Path) -> None:
    url = tmp_sqlite_url(tmp_path)
    db = migrate(url)
    try:
        settings = settings_for(url)
        world = make_world(db, today=business_date(settings.tz))
        with Server(settings, db) as server:
            backend = Backend(
                "sqlite", db, settings, server.url, server.app.state.ctx, make_users(db)
            )
            with Flows(backend, world) as flows:
                customer = limited_customer(db, world, flows.today, credit_limit="10000")
                over = flows.create_order(customer_code=customer)
                within = flows.create_order(customer_code=customer, lines=[(0, 1)])
        with db.read() as session:
            before = _counts(session)
    finally:
        db.dispose()
    candidate = tmp_path / "credit_release_v2.yaml"
    candidate.write_text(credit_rules(version=2, allowance="6000"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("O2C_")}
    env["O2C_DATABASE_URL"] = url
    command = [sys.executable, "-m", "service", "rules"]
    run = subprocess.run(  # noqa: PLW1510 (the exit code is asserted)
        [*command, "dry-run", str(candidate)], env=env, capture_output=True, text=True, timeout=120
    )
    assert run.returncode == 0, run.stderr
    assert "credit_release: live v1 (credit_release.yaml) vs candidate v2" in run.stdout
    assert "1 would change" in run.stdout
    assert f"order {over['id']}:" in run.stdout
    assert f"order {within['id']}:" not in run.stdout
    assert "over-credit-limit -> release" in run.stdout
    assert "nothing was changed" in run.stdout
    db = Database(url)
    with db.read() as session:
        assert _counts(session) == before
    db.dispose()
    candidate.write_text(credit_rules(version=2, allowance="6000").replace("hold", "stop", 1))
    refused = subprocess.run(  # noqa: PLW1510
        [*command, "dry-run", str(candidate)], env=env, capture_output=True, text=True, timeout=120
    )
    assert refused.returncode == 1
    assert "credit_release_v2.yaml: rule 'over-credit-limit': actions[0].name" in refused.stderr
    status = subprocess.run(  # noqa: PLW1510
        [*command, "status"], env=env, capture_output=True, text=True, timeout=120
    )
    assert status.returncode == 0, status.stderr
    assert "credit_release v1 in force" in status.stdout
    assert "invoice_exception v1 in force" in status.stdout


class FakeClock:
    """Monotonic seconds that move only when the test says so."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_registry_looks_at_files_at_most_every_interval_and_never_half_loads(
    tmp_path: Path,
) -> None:
    directory = rules_copy(tmp_path)
    clock = FakeClock()
    registry = RuleRegistry(directory, reload_seconds=10, clock=clock)
    today = date(2026, 6, 1)
    assert registry.in_force("credit_release", today).version == 1
    (directory / "credit_release.yaml").write_text(credit_rules(version=2, allowance="1"))
    clock.now = 9.9
    assert registry.in_force("credit_release", today).version == 1
    clock.now = 10.0
    assert registry.in_force("credit_release", today).version == 2
    # A second file refused: neither file's new version is used, the error names the file.
    (directory / "credit_release.yaml").write_text(credit_rules(version=5, allowance="2"))
    (directory / "invoice_exception.yaml").write_text("ruleset: invoice_exception\n")
    clock.now = 20.0
    assert registry.in_force("credit_release", today).version == 2
    error = registry.status(today).last_error
    assert error is not None and error.file == "invoice_exception.yaml"
    # The refused files are not read again until they change.
    clock.now = 30.0
    registry.in_force("credit_release", today)
    assert registry.status(today).last_error == error
    shutil.copy(DEFAULT_DIR / "invoice_exception.yaml", directory)
    outcome = registry.reload()
    assert outcome.ok and outcome.loaded == ("credit_release v5",)
    assert registry.in_force("credit_release", today).version == 5
    assert registry.status(today).last_error is None


def test_r30_dry_run_of_collection_sees_the_deployments_allowed_ages(
    backend: Backend, tmp_path: Path
) -> None:
    """The dry run's open items are the conditions the job would see with this deployment's
    settings: grade B allowed 30 days here (120 by default), so an invoice received 60 days ago
    and not yet due is older than allowed."""
    from tests import collection_flows as cf

    allowed = {"A": 45, "B": 30, "C": 20}
    settings = settings_for(
        backend.settings.database_url, rules_dir=str(rules_copy(tmp_path)), rules_reload_seconds=0
    )
    settings = settings.model_copy(update={"collection_allowed_age_days": allowed})
    with Server(settings, backend.db) as server:
        live = dataclasses.replace(
            backend, settings=settings, url=server.url, runtime=server.app.state.ctx
        )
        world = make_world(live.db, today=_today(live))
        with Flows(live, world) as flows:
            cf.invoice(
                flows,
                due=flows.today + timedelta(days=10),
                received=flows.today - timedelta(days=60),
            )
            with live.db.read() as session:
                customer = session.scalars(
                    select(Customer.id).where(Customer.code == world.customer)
                ).one()
            text = (DEFAULT_DIR / "collection.yaml").read_text()
            candidate = text.replace("version: 1", "version: 2").replace(
                'reason: "older than the grade allows"',
                'reason: "older than the grade allows (v2)"',
            )
            assert candidate != text
            response = flows.finance.post("/rules/dry-run", json={"yaml": candidate})
            assert response.status_code == 200, response.text
            changed = {c["item_id"] for c in response.json()["changes"]}
            assert customer * 10 + 3 in changed
            assert customer * 10 + 1 not in changed
