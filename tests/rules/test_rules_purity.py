"""rules/ is pure: no service, database, web, scheduler or template code, and one business_rules
wrapper."""

import ast
import json
import subprocess
import sys
from pathlib import Path

import rules

PACKAGE = Path(rules.__file__).parent
FORBIDDEN = ("service", "sqlalchemy", "fastapi", "apscheduler", "jinja2", "pydantic", "starlette")
ALLOWED_BEYOND_YAML = {"rules", "business_rules", "six"}


def modules_after(code: str) -> set[str]:
    """Top-level modules loaded by a fresh interpreter running `code`."""
    result = subprocess.run(
        [sys.executable, "-c", f"{code}\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))"],
        capture_output=True,
        text=True,
        check=True,
        cwd=PACKAGE.parent,
    )
    return {name.split(".")[0] for name in json.loads(result.stdout)}


def test_importing_rules_loads_no_service_database_web_scheduler_or_templates() -> None:
    loaded = modules_after(
        "import importlib, pkgutil, rules\n"
        "for m in pkgutil.walk_packages(rules.__path__, 'rules.'):\n"
        "    importlib.import_module(m.name)\n"
        "rules.load_default()"
    )
    with_yaml_only = modules_after("import yaml")

    assert not loaded & set(FORBIDDEN)
    assert loaded - with_yaml_only - set(sys.stdlib_module_names) == ALLOWED_BEYOND_YAML


def test_only_the_engine_module_imports_business_rules() -> None:
    importers = set()
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            if any(name.split(".")[0] == "business_rules" for name in names):
                importers.add(path.relative_to(PACKAGE).as_posix())

    assert importers == {"engine.py"}
