"""The README walkthrough works as pasted, on any day, twice in a row, against the demo."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from service import bootstrap
from service.demo import load as load_demo
from tests.support import Server, migrate, settings_for, tmp_sqlite_url

README = Path(__file__).resolve().parent.parent / "README.md"


def walkthrough() -> str:
    text = README.read_text(encoding="utf-8")
    section = text[text.index("## Walkthrough") :]
    found = re.search(r"```sh\n(.*?)```", section, re.DOTALL)
    assert found is not None, "the README has no walkthrough block"
    return found.group(1)


@pytest.fixture
def demo_url(tmp_path: Path) -> Iterator[str]:
    for tool in ("bash", "curl", "jq"):
        if shutil.which(tool) is None:
            if os.environ.get("CI"):
                pytest.fail(f"{tool} is needed to paste the README walkthrough")
            pytest.skip(f"no {tool} on this machine")
    url = tmp_sqlite_url(tmp_path)
    db = migrate(url)
    settings = settings_for(url, demo=True)
    load_demo(bootstrap.runtime(settings, db))
    with Server(settings, db) as server:
        yield server.url
    db.dispose()


def test_the_readme_walkthrough_runs_as_pasted_any_day(demo_url: str, tmp_path: Path) -> None:
    script = walkthrough().replace("API=http://127.0.0.1:8000", f"API={demo_url}")
    outputs = []
    for _ in range(2):  # pasted twice: the second run makes its own PO, receipt and fapiao
        done = subprocess.run(
            ["bash", "-euo", "pipefail", "-c", script],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, done.stdout + done.stderr
        outputs.append(done.stdout)
        time.sleep(1.1)  # the walkthrough numbers its documents by the second
    for out in outputs:
        assert '"state": "approved"' in out
        assert '"exceptions": [\n    "substitution"' in out
        assert "post_receipt: shipped -> receipted" in out
        assert '"state": "issued"' in out
        assert '"code": "workflow.trigger_not_allowed"' in out
        assert "不能执行" in out
