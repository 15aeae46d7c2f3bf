"""The example deployment (deploy/): a compose file that runs PostgreSQL, the migration, two API
containers, two schedulers and a reverse proxy checking /ready, and the image built from this
repository with the locked dependencies. Checked as files (no container is started here)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from service.settings import Settings

DEPLOY = Path(__file__).resolve().parent.parent / "deploy"
# Images from the official library only (no other registry, no other publisher).
OFFICIAL = re.compile(r"^(postgres|caddy|nginx):[\w.-]+$")


def _compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    return loaded


def _command(service: dict[str, Any]) -> list[str]:
    return list(service["command"])


def test_the_compose_file_runs_the_database_migration_api_schedulers_and_proxy() -> None:
    services = _compose()["services"]
    assert set(services) == {
        "db",
        "migrate",
        "api-1",
        "api-2",
        "scheduler-1",
        "scheduler-2",
        "proxy",
    }
    assert services["db"]["image"].startswith("postgres:")
    assert "healthcheck" in services["db"]
    assert _command(services["migrate"]) == ["o2c", "migrate"]
    assert services["migrate"]["depends_on"]["db"]["condition"] == "service_healthy"
    for name in ("api-1", "api-2"):
        assert _command(services[name])[:2] == ["o2c", "serve"]
        assert "/ready" in " ".join(services[name]["healthcheck"]["test"])
    for name in ("scheduler-1", "scheduler-2"):
        assert _command(services[name]) == ["o2c", "scheduler"]
    for name in ("api-1", "api-2", "scheduler-1", "scheduler-2"):
        waits = services[name]["depends_on"]["migrate"]["condition"]
        assert waits == "service_completed_successfully", name
    assert services["proxy"]["depends_on"] == ["api-1", "api-2"]


def test_the_service_containers_are_built_here_and_set_only_known_settings() -> None:
    services = _compose()["services"]
    for name, service in services.items():
        if "build" in service:
            assert service["build"] == {"context": "..", "dockerfile": "deploy/Dockerfile"}
            env = service["environment"]
            assert env["O2C_DATABASE_URL"].startswith("postgresql+psycopg://")
            assert "@db:5432/" in env["O2C_DATABASE_URL"]
            # The schedulers run in their own containers: the API's stay out of it.
            assert env["O2C_SCHEDULER_ENABLED"] == "false"
            unknown = {
                k for k in env if k.removeprefix("O2C_").lower() not in Settings.model_fields
            }
            assert unknown == set(), name
        else:
            assert OFFICIAL.match(service["image"]), service["image"]


def test_the_proxy_balances_the_api_containers_by_their_readiness() -> None:
    caddy = (DEPLOY / "Caddyfile").read_text()
    assert "reverse_proxy api-1:8000 api-2:8000" in caddy
    assert re.search(r"^\s*health_uri /ready$", caddy, re.MULTILINE)
    assert re.search(r"^\s*respond @internal 404$", caddy, re.MULTILINE)  # no /metrics outside
    assert "./Caddyfile:/etc/caddy/Caddyfile:ro" in _compose()["services"]["proxy"]["volumes"]


def test_the_image_installs_the_locked_dependencies_as_make_install_does() -> None:
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    makefile = (DEPLOY.parent / "Makefile").read_text()
    locked_for = re.search(r"--python-version (3\.\d+)", makefile)
    assert locked_for is not None
    assert re.search(rf"^FROM python:{re.escape(locked_for[1])}-slim$", dockerfile, re.MULTILINE)
    assert "pip install --require-hashes -r requirements.lock" in dockerfile
    assert "pip install --no-deps -e ." in dockerfile
    assert "USER o2c" in dockerfile
