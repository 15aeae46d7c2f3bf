"""Who may call what: every operation of the OpenAPI document, called with no token, a bad token
and each role, answers as its `x-roles` say; and the README's table says the same.

The roles of lifecycle triggers come from the workflow YAML, so a change there changes the
document, the answers and (through this test) the README together.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest

from service.auth.tokens import ROLES
from tests.support import Backend

README = Path(__file__).resolve().parent.parent / "README.md"
MISSING = 999_999  # an id that names nothing: allowed callers get past the role check to 404


def _schema(backend: Backend) -> dict[str, Any]:
    # Built on the first call: on a busy machine that takes more than httpx's 5 seconds.
    schema: dict[str, Any] = httpx.get(f"{backend.url}/openapi.json", timeout=60).json()
    return schema


def _operations(schema: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method.upper(), path, operation)
        for path, operations in schema["paths"].items()
        for method, operation in operations.items()
    ]


def _instance(spec: dict[str, Any], schema: dict[str, Any]) -> Any:
    """A small valid value of a JSON schema: enough to get past validation to the role check."""
    if "$ref" in spec:
        return _instance(schema["components"]["schemas"][spec["$ref"].rsplit("/", 1)[1]], schema)
    for choice in spec.get("anyOf", []):
        if choice.get("type") != "null":
            return _instance(choice, schema)
    if "enum" in spec:
        return spec["enum"][0]
    if "const" in spec:
        return spec["const"]
    if spec.get("examples"):  # a value the schema itself gives (a tax number's pattern)
        return spec["examples"][0]
    kind = spec.get("type")
    if kind == "object":  # every field, so that the rules between fields hold too
        return {k: _instance(v, schema) for k, v in spec.get("properties", {}).items()}
    if kind == "array":
        return [_instance(spec["items"], schema)] * max(spec.get("minItems", 0), 1)
    if kind in {"integer", "number"}:
        low = max(spec.get("minimum", 0), spec.get("exclusiveMinimum", -1) + 1, 0)
        return min(low or 1, spec.get("maximum", 1), spec.get("exclusiveMaximum", 2) - 1)
    if kind == "boolean":
        return True
    if spec.get("format") == "date":
        return str(date(2026, 11, 20))
    if spec.get("format") == "date-time":
        return "2026-11-20T09:00:00+08:00"
    if spec.get("pattern", "").startswith("^\\d"):
        return "1" * 10
    return "X" * max(spec.get("minLength", 1), 10)


def _request(
    client: httpx.Client, method: str, path: str, operation: dict[str, Any], schema: dict[str, Any]
) -> httpx.Response:
    url = re.sub(r"\{[a-z_]+_id\}", str(MISSING), path)
    url = url.replace("{code}", "NOBODY").replace("{machine}", "order").replace("{trigger}", "take")
    url = url.replace("{number}", "1")
    body = operation.get("requestBody", {}).get("content", {})
    if "multipart/form-data" in body:
        files = {"file": ("scan.png", b"\x89PNG\r\n\x1a\nx", "image/png")}
        return client.request(method, url, files=files)
    if "application/json" in body:
        json = _instance(body["application/json"]["schema"], schema)
        return client.request(method, url, json=json)
    return client.request(method, url)


@pytest.fixture(scope="module")
def matrix(backend: Backend) -> list[tuple[str, str, str, int, dict[str, Any]]]:
    """(method, path, caller, status, problem) for every operation and caller."""
    schema = _schema(backend)
    callers = {"no token": backend.client(), "bad token": backend.client(token="o2c_not-a-token")}
    callers |= {role: backend.client(role) for role in ROLES}
    found = []
    try:
        for method, path, operation in _operations(schema):
            if "x-roles" not in operation:
                continue
            for caller, client in callers.items():
                response = _request(client, method, path, operation, schema)
                problem = response.json() if response.status_code >= 400 else {}
                found.append((method, path, caller, response.status_code, problem))
    finally:
        for client in callers.values():
            client.close()
    return found


def test_every_operation_refuses_a_missing_or_bad_token(
    matrix: list[tuple[str, str, str, int, dict[str, Any]]],
) -> None:
    for method, path, caller, status, problem in matrix:
        if caller in {"no token", "bad token"}:
            assert status == 401, (method, path, caller, status, problem)
            assert problem["code"] in {"auth.token_missing", "auth.token_unknown"}


def test_every_operation_lets_exactly_its_roles_through(
    backend: Backend, matrix: list[tuple[str, str, str, int, dict[str, Any]]]
) -> None:
    schema = _schema(backend)
    roles = {(m, p): op["x-roles"] for m, p, op in _operations(schema) if "x-roles" in op}
    assert len(roles) > 45
    for method, path, caller, status, problem in matrix:
        if caller in {"no token", "bad token"}:
            continue
        allowed = roles[(method, path)] == ["any"] or caller in roles[(method, path)]
        if allowed:
            assert status not in {401, 403}, (method, path, caller, status, problem)
            assert status < 500, (method, path, caller, status, problem)
        else:
            assert status == 403, (method, path, caller, status, problem)
            assert problem["code"] == "auth.role_required", problem
            assert problem["required_roles"]


def test_the_readme_table_is_the_openapi_document(backend: Backend) -> None:
    text = README.read_text(encoding="utf-8")
    section = text[text.index("### Who may call what") :]
    rows = re.findall(r"^\| `([A-Z]+) ([^`]+)` \| ([^|]+) \|$", section, flags=re.MULTILINE)
    readme = {(m, p): shown.strip() for m, p, shown in rows}
    documented = {}
    for method, path, operation in _operations(_schema(backend)):
        roles = operation.get("x-roles")
        documented[(method, path)] = (
            "no token"
            if roles is None
            else "any role"
            if roles == ["any"]
            else ", ".join(sorted(roles))
        )
    assert readme == documented
