"""Schemathesis against the real app on SQLite and PostgreSQL, with every check on, as a user of
every role and as each role alone: no input gives a server error, an undocumented status or
content type, or an answer its declared model does not describe.

Deterministic and bounded (`schemathesis.toml`, `--max-examples`). The user of every role runs
every phase: the examples, the coverage phase (each parameter's boundaries and each kind of
wrong input, some 10,000 requests) and the fuzzing. Each role alone runs the examples and the
fuzzing only: as one role, most operations answer 403 before any input is read, so the coverage
phase would repeat the first run's requests for the rest (it took two thirds of the test's
time). A database's run takes about 2 minutes on an idle 2-core machine, the two side by side
under `make test`, still the suite's longest tests. What it once found is kept as ordinary
regression tests (tests/test_bounds.py and below).
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest

from service import bootstrap
from service.auth import tokens
from service.auth.tokens import ROLES
from service.demo import load as load_demo
from tests.support import BACKENDS, Server, fresh_database, migrate, settings_for

ROOT = Path(__file__).resolve().parent.parent
SCHEMATHESIS = [sys.executable, "-m", "schemathesis.cli"]


@pytest.fixture(params=BACKENDS)
def demo_server(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[tuple[str, dict[str, str]]]:
    """A server of its own on demo data, and tokens: one of every role at once, one per role."""
    with ExitStack() as stack:
        url = stack.enter_context(fresh_database(request.param, tmp_path))
        db = migrate(url)
        stack.callback(db.dispose)
        settings = settings_for(url)
        load_demo(bootstrap.runtime(settings, db))
        made = {}
        with db.write() as session:
            for name, roles in [("everyone", list(ROLES)), *[(r, [r]) for r in ROLES]]:
                tokens.create_user(session, username=f"fuzz-{name}", roles=roles)
                made[name] = tokens.issue_token(session, username=f"fuzz-{name}")
        server = stack.enter_context(Server(settings, db))
        yield server.url, made


# Every phase for the user of every role; each role alone skips the coverage phase.
EVERY_PHASE = "examples,coverage,fuzzing"
ROLE_PHASES = "examples,fuzzing"


def _fuzz(url: str, token: str, examples: int, phases: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            *SCHEMATHESIS,
            "--config-file",
            str(ROOT / "schemathesis.toml"),
            "run",
            f"{url}/openapi.json",
            "--checks",
            "all",
            "--max-examples",
            str(examples),
            "--phases",
            phases,
            "--workers",
            "1",
            "--no-color",
            "--header",
            f"Authorization: Bearer {token}",
        ],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
        cwd=ROOT,
    )


def test_fuzzing_every_operation_finds_nothing(demo_server: tuple[str, dict[str, str]]) -> None:
    url, made = demo_server
    runs = [("everyone", 12, EVERY_PHASE)] + [(role, 4, ROLE_PHASES) for role in ROLES]
    for name, examples, phases in runs:
        done = _fuzz(url, made[name], examples, phases)
        assert done.returncode == 0, f"as {name}:\n{done.stdout[-6000:]}{done.stderr[-2000:]}"
