"""The workflow YAML format: validation names the file and line; firing explains refusals."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from textwrap import dedent

import pytest

from service import bootstrap
from workflows import (
    DEFINITIONS_DIR,
    GuardContext,
    GuardRefused,
    Refusal,
    RoleNotAllowed,
    TriggerNotAllowed,
    WorkflowDefinitionError,
    load_flow,
    load_flows,
)

ROLES = ("clerk", "boss")
GOOD = """\
machine: doc
initial: new
states: [new, done, dropped]
transitions:
  - trigger: finish
    source: new
    dest: done
    roles: [clerk]
    guards: [complete]
  - trigger: drop
    source: [new, done]
    dest: dropped
    roles: [boss]
"""


def _write(tmp_path: Path, text: str, name: str = "doc.yaml") -> Path:
    path = tmp_path / name
    path.write_text(dedent(text))
    return path


def _complete(ctx: GuardContext) -> Refusal | None:
    return None if ctx.document.get("complete") else Refusal.of("doc.incomplete", missing="sign")


def _ctx(**document: bool) -> GuardContext:
    return GuardContext(document=document, actor=None, today=date(2026, 12, 1))


def test_a_good_definition_fires_and_reports_where_it_leads(tmp_path: Path) -> None:
    flow = load_flow(_write(tmp_path, GOOD), guards={"complete": _complete}, roles=ROLES)
    firing = flow.fire("new", "finish", roles={"clerk"}, context=_ctx(complete=True))
    assert (firing.source, firing.dest, firing.trigger) == ("new", "done", "finish")
    assert flow.allowed_triggers("new") == ["finish", "drop"]
    assert flow.allowed_triggers("dropped") == []


def test_a_failed_guard_raises_with_its_reason(tmp_path: Path) -> None:
    flow = load_flow(_write(tmp_path, GOOD), guards={"complete": _complete}, roles=ROLES)
    with pytest.raises(GuardRefused) as refused:
        flow.fire("new", "finish", roles={"clerk"}, context=_ctx())
    assert refused.value.guard == "complete"
    assert refused.value.refusal == Refusal.of("doc.incomplete", missing="sign")


def test_a_trigger_not_allowed_names_the_allowed_ones(tmp_path: Path) -> None:
    flow = load_flow(_write(tmp_path, GOOD), guards={"complete": _complete}, roles=ROLES)
    with pytest.raises(TriggerNotAllowed) as refused:
        flow.fire("done", "finish", roles={"clerk"})
    assert refused.value.allowed == ["drop"]
    assert "allowed from 'done': drop" in str(refused.value)


def test_a_role_not_allowed_is_refused(tmp_path: Path) -> None:
    flow = load_flow(_write(tmp_path, GOOD), guards={"complete": _complete}, roles=ROLES)
    with pytest.raises(RoleNotAllowed) as refused:
        flow.fire("new", "drop", roles={"clerk"})
    assert refused.value.required == ["boss"]


def test_firing_builds_no_machine_and_offers_no_shortcuts(tmp_path: Path) -> None:
    flow = load_flow(_write(tmp_path, GOOD), guards={"complete": _complete}, roles=ROLES)
    machine = flow._machine
    for _ in range(3):
        flow.fire("new", "drop", roles={"boss"})
    assert flow._machine is machine
    assert machine.models == []
    assert not [name for name in machine.events if name.startswith("to_")]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            ("dest: done", "dest: finished"),
            "doc.yaml:5: transition 'finish' names unknown state 'finished'",
        ),
        (
            ("guards: [complete]", "guards: [complete, signed]"),
            "doc.yaml:5: transition 'finish' names missing guard 'signed'",
        ),
        (
            ("roles: [boss]", "roles: [janitor]"),
            "doc.yaml:10: transition 'drop' names unknown role 'janitor'",
        ),
        (("initial: new", "initial: old"), "doc.yaml:1: initial state 'old'"),
        (
            ("states: [new, done, dropped]", "states: [new, done, dropped, limbo]"),
            "doc.yaml:1: state(s) not reachable from 'new': limbo",
        ),
        (
            ("    dest: dropped\n", "    dest: dropped\n    colour: red\n"),
            "doc.yaml:10: transition has unknown key(s): colour",
        ),
        (("    roles: [clerk]\n", ""), "doc.yaml:5: transition is missing: roles"),
        (
            ("    roles: [boss]\n", "    roles: [boss]\n    internal: sometimes\n"),
            "doc.yaml:10: transition 'drop': internal must be true or false",
        ),
        (("source: new", "source: [new"), "doc.yaml:"),
    ],
)
def test_a_bad_definition_is_refused_naming_file_and_line(
    tmp_path: Path, change: tuple[str, str], message: str
) -> None:
    path = _write(tmp_path, GOOD.replace(*change))
    with pytest.raises(WorkflowDefinitionError) as refused:
        load_flow(path, guards={"complete": _complete}, roles=ROLES)
    assert str(refused.value).startswith(message), str(refused.value)


def test_an_internal_transition_fires_but_is_not_offered_to_users(tmp_path: Path) -> None:
    text = GOOD.replace("    roles: [boss]\n", "    roles: [boss]\n    internal: true\n")
    flow = load_flow(_write(tmp_path, text), guards={"complete": _complete}, roles=ROLES)
    assert flow.allowed_triggers("new") == ["finish"]
    assert flow.fire("done", "drop", roles={"boss"}).dest == "dropped"
    with pytest.raises(TriggerNotAllowed) as refused:
        flow.fire("dropped", "finish", roles={"clerk"})
    assert refused.value.allowed == []


def test_a_machine_must_live_in_a_file_named_after_it(tmp_path: Path) -> None:
    _write(tmp_path, GOOD, name="other.yaml")
    with pytest.raises(WorkflowDefinitionError, match=r"other\.yaml:1: machine 'doc'"):
        load_flows(tmp_path, guards={"doc": {"complete": _complete}}, roles=ROLES)


def test_the_packaged_definitions_load_with_the_service_guards() -> None:
    flows = bootstrap.workflows().flows
    assert set(flows) == {p.stem for p in DEFINITIONS_DIR.glob("*.yaml")}
    order = flows["order"]
    assert order.initial == "draft"
    assert order.roles_for("post_receipt") == {"logistics"}
    assert "approved --> shipped: ship" in order.mermaid()


def test_a_deployment_directory_with_a_bad_file_stops_the_service(tmp_path: Path) -> None:
    text = (
        (DEFINITIONS_DIR / "order.yaml")
        .read_text()
        .replace(
            "guards: [customer_active, contract_in_force]", "guards: [customer_active, paid_up]"
        )
    )
    (tmp_path / "order.yaml").write_text(text)
    with pytest.raises(WorkflowDefinitionError, match=r"order.yaml:\d+: .*missing guard 'paid_up'"):
        bootstrap.workflows(tmp_path)
