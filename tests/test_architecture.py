"""The layering, checked on every import of the code (the import contract of the README).

- `workflows/` and `rules/` are pure (tests/test_pure_core.py).
- Shared plumbing (every module of `service/` outside a feature and outside the composition root)
  imports no feature.
- A feature imports another feature's `models` and `queries` only, never its use cases or routes.
- Only the composition root (`service.bootstrap`, and what is assembled from it: the app, the
  command line, the demo loader, the table list for migrations) names every feature.

Features are the packages that `service.bootstrap.FEATURES` plugs in.
"""

from __future__ import annotations

import ast
import sys
from functools import cache
from pathlib import Path

from service import bootstrap

ROOT = Path(__file__).resolve().parent.parent
SERVICE = ROOT / "service"
PUBLIC = ("models", "queries")
COMPOSITION = (
    "service.bootstrap",
    "service.app",
    "service.cli",
    "service.demo",
    "service.models",
    "service.migrations",
    "service.__main__",
)


def _module(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_module(name: str) -> bool:
    path = ROOT.joinpath(*name.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def _imports(path: Path) -> set[str]:
    """Every service module `path` imports (`from a import b` counts a.b when b is a module)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(
                f"{node.module}.{alias.name}"
                for alias in node.names
                if _is_module(f"{node.module}.{alias.name}")
            )
    return {name for name in found if name.split(".")[0] == "service"}


@cache
def _sources() -> dict[str, set[str]]:
    return {_module(path): _imports(path) for path in SERVICE.rglob("*.py")}


@cache
def _features() -> frozenset[str]:
    """The packages whose `plugin.FEATURE` the composition root lists."""
    plugins = {
        id(getattr(module, "FEATURE", None)): name
        for name, module in list(sys.modules.items())
        if name.startswith("service.") and name.endswith(".plugin")
    }
    return frozenset(plugins[id(f)].rsplit(".", 1)[0] for f in bootstrap.FEATURES)


def _feature_of(module: str, features: frozenset[str]) -> str | None:
    return next((f for f in features if module == f or module.startswith(f + ".")), None)


def _composition(module: str) -> bool:
    return any(module == c or module.startswith(c + ".") for c in COMPOSITION)


def test_every_feature_of_the_composition_root_has_its_own_folder() -> None:
    features = _features()
    assert len(features) == len(bootstrap.FEATURES)
    for package in features:
        assert (ROOT.joinpath(*package.split(".")) / "plugin.py").is_file()


def test_shared_plumbing_imports_no_feature() -> None:
    features = _features()
    offences = [
        f"{module} imports {target}"
        for module, targets in _sources().items()
        if _feature_of(module, features) is None and not _composition(module)
        for target in targets
        if _feature_of(target, features) is not None
    ]
    assert offences == []


def test_a_feature_reads_other_features_through_their_models_and_queries_only() -> None:
    features = _features()
    offences = []
    for module, targets in _sources().items():
        own = _feature_of(module, features)
        if own is None:
            continue
        for target in targets:
            other = _feature_of(target, features)
            if other is None or other == own:
                continue
            if target != other and target.removeprefix(other + ".").split(".")[0] not in PUBLIC:
                offences.append(f"{module} imports {target}")
    assert offences == []


def test_the_check_sees_a_forbidden_import(tmp_path: Path) -> None:
    probe = tmp_path / "probe.py"
    probe.write_text("from service.orders import usecases\nfrom service import journal\n")
    assert _imports(probe) == {
        "service",
        "service.journal",
        "service.orders",
        "service.orders.usecases",
    }
