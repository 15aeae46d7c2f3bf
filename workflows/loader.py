"""Read and validate workflow YAML files; errors name the file and line.

A definition looks like::

    machine: order
    description: ...
    initial: draft
    states: [draft, approved, ...]          # or {name: ..., description: ...} items
    transitions:
      - trigger: approve
        source: draft                       # a state or a list of states
        dest: approved
        roles: [hq]                         # who may fire it
        guards: [customer_active]           # names the service must provide

Validation: required keys, unknown states, duplicate (trigger, source) pairs, states that cannot
be reached from the initial state, unknown roles and guards the service does not provide.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from pathlib import Path
from typing import Any

import yaml

from workflows.flow import Flow, Guard, TransitionSpec

DEFINITIONS_DIR = Path(__file__).resolve().parent / "definitions"


class WorkflowDefinitionError(Exception):
    """A workflow file is invalid; the message starts with `file:line:`."""


class _LineDict(dict[str, Any]):
    line = 0


class _LineLoader(yaml.SafeLoader):
    """SafeLoader that remembers the line of every mapping, for error messages."""


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> _LineDict:
    mapping = _LineDict(loader.construct_mapping(node, deep=True))
    mapping.line = node.start_mark.line + 1
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _names(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return list(value)
    raise TypeError("expected a name or a list of names")


def load_flow(path: Path, *, guards: Mapping[str, Guard], roles: Collection[str]) -> Flow:
    """Load one definition file, validate it against the given guards and roles, build it."""
    where = path.name

    def fail(line: int, message: str) -> WorkflowDefinitionError:
        return WorkflowDefinitionError(f"{where}:{line}: {message}")

    try:
        doc = yaml.load(path.read_text(encoding="utf-8"), Loader=_LineLoader)  # noqa: S506
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 1
        raise fail(line, f"malformed YAML: {getattr(exc, 'problem', exc)}") from None
    except OSError as exc:
        raise WorkflowDefinitionError(f"{where}: cannot read: {exc.strerror}") from None
    if not isinstance(doc, _LineDict):
        raise fail(1, "expected a mapping with machine, initial, states and transitions")
    unknown_keys = set(doc) - {"machine", "description", "initial", "states", "transitions"}
    if unknown_keys:
        raise fail(doc.line, f"unknown key(s): {', '.join(sorted(unknown_keys))}")
    for key in ("machine", "initial", "states", "transitions"):
        if key not in doc:
            raise fail(doc.line, f"missing key '{key}'")

    states: list[str] = []
    for item in doc["states"] or []:
        name = item.get("name") if isinstance(item, dict) else item
        if not isinstance(name, str) or not name.isidentifier():
            raise fail(getattr(item, "line", doc.line), f"state {name!r} is not a valid name")
        if name in states:
            raise fail(getattr(item, "line", doc.line), f"state '{name}' declared twice")
        states.append(name)
    if doc["initial"] not in states:
        raise fail(doc.line, f"initial state '{doc['initial']}' is not a declared state")

    specs: list[TransitionSpec] = []
    seen: set[tuple[str, str]] = set()
    for item in doc["transitions"] or []:
        line = getattr(item, "line", doc.line)
        if not isinstance(item, dict):
            raise fail(line, "a transition must be a mapping")
        missing = {"trigger", "source", "dest", "roles"} - set(item)
        if missing:
            raise fail(line, f"transition is missing: {', '.join(sorted(missing))}")
        extra = set(item) - {"trigger", "source", "dest", "roles", "guards", "description"}
        if extra:
            raise fail(line, f"transition has unknown key(s): {', '.join(sorted(extra))}")
        trigger = item["trigger"]
        if not isinstance(trigger, str) or not trigger.isidentifier():
            raise fail(line, f"trigger {trigger!r} is not a valid name")
        try:
            sources = _names(item["source"])
            dest = _names(item["dest"])
            t_roles = _names(item["roles"])
            t_guards = _names(item.get("guards", []))
        except TypeError as exc:
            raise fail(line, f"transition '{trigger}': {exc}") from None
        if len(dest) != 1:
            raise fail(line, f"transition '{trigger}': dest must be one state")
        for state in [*sources, *dest]:
            if state not in states:
                raise fail(line, f"transition '{trigger}' names unknown state '{state}'")
        for role in t_roles:
            if role not in roles:
                raise fail(line, f"transition '{trigger}' names unknown role '{role}'")
        if not t_roles:
            raise fail(line, f"transition '{trigger}' allows no role")
        for guard in t_guards:
            if guard not in guards:
                known = ", ".join(sorted(guards)) or "none"
                raise fail(line, f"transition '{trigger}' names missing guard '{guard}' (known: {known})")
        for source in sources:
            if (trigger, source) in seen:
                raise fail(line, f"trigger '{trigger}' declared twice from state '{source}'")
            seen.add((trigger, source))
        specs.append(
            TransitionSpec(
                trigger=trigger,
                sources=tuple(sources),
                dest=dest[0],
                roles=frozenset(t_roles),
                guards=tuple(t_guards),
                description=str(item.get("description", "")),
            )
        )

    reachable = {doc["initial"]}
    frontier = [doc["initial"]]
    while frontier:
        state = frontier.pop()
        for spec in specs:
            if state in spec.sources and spec.dest not in reachable:
                reachable.add(spec.dest)
                frontier.append(spec.dest)
    unreachable = [s for s in states if s not in reachable]
    if unreachable:
        raise fail(doc.line, f"state(s) not reachable from '{doc['initial']}': {', '.join(unreachable)}")

    return Flow(
        name=str(doc["machine"]),
        description=str(doc.get("description", "")),
        states=tuple(states),
        initial=doc["initial"],
        transitions=tuple(specs),
        guards=guards,
    )


def load_flows(
    directory: Path,
    *,
    guards: Mapping[str, Mapping[str, Guard]],
    roles: Collection[str],
) -> dict[str, Flow]:
    """Load every `*.yaml` in `directory`; `guards` maps machine name to its guard functions."""
    flows: dict[str, Flow] = {}
    for path in sorted(directory.glob("*.yaml")):
        flow = load_flow(path, guards=guards.get(path.stem, {}), roles=roles)
        if flow.name != path.stem:
            raise WorkflowDefinitionError(
                f"{path.name}:1: machine '{flow.name}' must be declared in a file named "
                f"{flow.name}.yaml"
            )
        flows[flow.name] = flow
    return flows
