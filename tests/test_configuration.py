"""A broken configuration stops the service at start with one line naming the file and reason,
never a traceback, and never a service that then fails on every call."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from rules import DEFAULT_DIR
from tests.test_cli_and_demo import O2C, _env
from workflows import DEFINITIONS_DIR


def o2c(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*O2C, *args], env=_env(**env), capture_output=True, text=True, timeout=60, check=False
    )


def one_line(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode != 0, result.stdout
    assert "Traceback" not in result.stderr, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


@pytest.fixture
def database(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'config.sqlite3'}"
    assert o2c("migrate", O2C_DATABASE_URL=url).returncode == 0
    return url


def test_a_mistyped_setting_variable_is_refused_with_a_suggestion(database: str) -> None:
    line = one_line(o2c("serve", O2C_DATABASE_URL=database, O2C_SHEDULER_ENABLED="false"))
    assert line == (
        "o2c: unknown setting variable(s): O2C_SHEDULER_ENABLED "
        "(did you mean O2C_SCHEDULER_ENABLED?)"
    )


def test_a_deployment_file_that_is_not_toml_is_named(database: str, tmp_path: Path) -> None:
    bad = tmp_path / "o2c.toml"
    bad.write_text("database_url = \n", encoding="utf-8")
    line = one_line(o2c("serve", O2C_DATABASE_URL=database, O2C_CONFIG_FILE=str(bad)))
    assert line.startswith(f"o2c: {bad}: not a readable TOML settings file")


def test_a_setting_out_of_its_bounds_in_a_deployment_file_stops_the_start(
    database: str, tmp_path: Path
) -> None:
    deployment = tmp_path / "o2c.toml"
    deployment.write_text("receipt_exception_overdue_working_days = 0\n", encoding="utf-8")
    line = one_line(o2c("serve", O2C_DATABASE_URL=database, O2C_CONFIG_FILE=str(deployment)))
    assert line.startswith(
        "o2c: invalid setting O2C_RECEIPT_EXCEPTION_OVERDUE_WORKING_DAYS "
        "(receipt_exception_overdue_working_days): "
    )
    assert "greater than or equal to 1" in line


def test_a_rule_file_with_an_impossible_date_is_refused_naming_file_and_line(
    database: str, tmp_path: Path
) -> None:
    rules = tmp_path / "rules"
    shutil.copytree(DEFAULT_DIR, rules)
    path = rules / "credit_release.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("effective_from: 2026-01-01", "effective_from: 2026-02-30"))
    checked = o2c("rules", "check", str(rules))
    assert checked.returncode == 1 and "Traceback" not in checked.stderr
    assert "credit_release.yaml: malformed YAML: line" in checked.stderr
    assert "not a date: '2026-02-30'" in checked.stderr
    line = one_line(o2c("serve", O2C_DATABASE_URL=database, O2C_RULES_DIR=str(rules)))
    assert line.startswith("o2c: rule file refused: credit_release.yaml: malformed YAML: line")


def _definitions(tmp_path: Path) -> Path:
    directory = tmp_path / "workflows"
    shutil.copytree(DEFINITIONS_DIR, directory)
    return directory


def test_a_workflow_file_with_a_duplicate_key_is_refused(database: str, tmp_path: Path) -> None:
    directory = _definitions(tmp_path)
    path = directory / "order.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(
        text.replace("    roles: [hq]\n", "    roles: [hq]\n    roles: [sales]\n", 1),
        encoding="utf-8",
    )
    checked = o2c("workflows", "check", str(directory))
    assert checked.returncode == 1
    assert "order.yaml:" in checked.stderr and "duplicate key 'roles'" in checked.stderr
    line = one_line(o2c("serve", O2C_DATABASE_URL=database, O2C_WORKFLOWS_DIR=str(directory)))
    assert "order.yaml:" in line and "duplicate key 'roles'" in line


def test_a_missing_definition_or_directory_stops_the_start(database: str, tmp_path: Path) -> None:
    directory = _definitions(tmp_path)
    (directory / "order.yaml").unlink()
    line = one_line(o2c("serve", O2C_DATABASE_URL=database, O2C_WORKFLOWS_DIR=str(directory)))
    assert line.endswith("order.yaml: missing; the service needs the order lifecycle")
    mistyped = str(tmp_path / "workflow")
    line = one_line(o2c("serve", O2C_DATABASE_URL=database, O2C_WORKFLOWS_DIR=mistyped))
    assert line == f"o2c: {mistyped}: no such workflow directory"


def test_a_definition_without_a_tag_the_service_needs_stops_the_start(
    database: str, tmp_path: Path
) -> None:
    directory = _definitions(tmp_path)
    path = directory / "invoice.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(re.sub(r"(tags: \[)receivable(, )?", r"\1", text))
    line = one_line(o2c("serve", O2C_DATABASE_URL=database, O2C_WORKFLOWS_DIR=str(directory)))
    assert line == "o2c: invoice.yaml: no state is tagged 'receivable' (the service needs it)"


def test_an_unreachable_database_is_one_line(tmp_path: Path) -> None:
    url = "postgresql+psycopg://nobody@127.0.0.1:1/none"
    line = one_line(o2c("serve", O2C_DATABASE_URL=url))
    assert line.startswith("o2c: database postgresql+psycopg://nobody@127.0.0.1:1/none:")


def test_a_broken_calendar_file_stops_the_start_in_one_line(database: str, tmp_path: Path) -> None:
    directory = tmp_path / "calendar"
    directory.mkdir()
    (directory / "2031.yaml").write_text(
        "year: 2031\nsource: TEST DATA\nholidays:\n  - {name: 国庆节, from: 2031-10-07, "
        "to: 2031-10-01}\n",
        encoding="utf-8",
    )
    line = one_line(o2c("serve", O2C_DATABASE_URL=database, O2C_CALENDAR_DIR=str(directory)))
    assert line == (
        f"o2c: calendar file refused: {directory}/2031.yaml: holidays[0].to: line 4: the range "
        "ends (2031-10-01) before it starts (2031-10-07)"
    )
    line = one_line(
        o2c("scheduler", "run-once", O2C_DATABASE_URL=database, O2C_CALENDAR_DIR=str(directory))
    )
    assert "2031.yaml: holidays[0].to: line 4" in line
    missing = one_line(
        o2c("serve", O2C_DATABASE_URL=database, O2C_CALENDAR_DIR=str(tmp_path / "nowhere"))
    )
    assert missing.startswith("o2c: calendar file refused: calendar_dir: no such directory")


def test_a_calendar_file_the_package_contradicts_stops_the_start(
    database: str, tmp_path: Path
) -> None:
    directory = tmp_path / "calendar"
    directory.mkdir()
    # 2026-10-09 is a working Friday in the calendar package's 2026.
    (directory / "2026.yaml").write_text(
        "year: 2026\nsource: TEST DATA\nholidays:\n  - {name: x, date: 2026-10-09}\n",
        encoding="utf-8",
    )
    line = one_line(o2c("serve", O2C_DATABASE_URL=database, O2C_CALENDAR_DIR=str(directory)))
    assert line.startswith(f"o2c: calendar file refused: {directory}/2026.yaml: The calendar ")
    assert "2026-10-09" in line


def test_r30_broken_ageing_buckets_stop_the_start_naming_file_and_reason(
    database: str, tmp_path: Path
) -> None:
    deployment = tmp_path / "o2c.toml"
    for value, reason in (
        ("[30, 60, 45]", "Value error, must ascend: 45 follows 60"),
        ('[0, "30"]', "greater than or equal to 1"),
    ):
        deployment.write_text(f"ageing_buckets = {value}\n", encoding="utf-8")
        line = one_line(o2c("serve", O2C_DATABASE_URL=database, O2C_CONFIG_FILE=str(deployment)))
        assert line.startswith("o2c: invalid setting O2C_AGEING_BUCKETS (ageing_buckets"), line
        assert reason in line and line.endswith(f"(in {deployment})"), line
    line = one_line(o2c("serve", O2C_DATABASE_URL=database, O2C_AGEING_BUCKETS="30,60"))
    assert line == (
        "o2c: invalid setting O2C_AGEING_BUCKETS (ageing_buckets): not JSON, write a list as "
        "[30, 60, 90] (in environment variable O2C_AGEING_BUCKETS)"
    )
