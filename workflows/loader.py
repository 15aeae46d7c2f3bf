"""Read and validate workflow YAML files; errors name the file and line.

A definition looks like::

    machine: order
    description: ...
    initial: draft
    states: [draft, approved, ...]          # or {name, description, tags} items
    transitions:
      - trigger: approve
        source: draft                       # a state or a list of states
        dest: approved
        roles: [hq]                         # who may fire it
        guards: [customer_active]           # names the service must provide
        internal: true                      # optional: only the service fires it, as a step
                                            # of another action; not offered to users

A state may carry `tags: [open, receivable]`: the groups of states the service's queries and
rules ask for by name ("which invoices are open"), so that no state list is written in code.

Validation: required keys, duplicate keys, unknown states, duplicate (trigger, source) pairs,
states that cannot be reached from the initial state, unknown roles and guards the service does
not provide, tags that are not names.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from pathlib import Path
from typing import Any

import yaml

from workflows.flow import Flow, Guard, StateSpec, TransitionSpec

DEFINITIONS_DIR = Path(__file__).resolve().parent / "definitions"


class WorkflowDefinitionError(Exception):
    """A workflow file is invalid; the message starts with `file:line:`."""


class _LineDict(dict[str, Any]):
    line = 0


class _LineLoader(yaml.SafeLoader):
    """SafeLoader that remembers the line of every mapping, for error messages."""


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> _LineDict:
    seen: set[object] = set()
    for key_node, _value in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in seen:
            # PyYAML would keep the last one silently; a definition saying two things is refused.
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark
            )
        seen.add(key)
    mapping = _LineDict({str(k): v for k, v in loader.construct_mapping(node, deep=True).items()})
    mapping.line = node.start_mark.line + 1
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _names(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return list(value)
    raise TypeError("expected a name or a list of names")


class _Validator:
    """Checks one parsed definition; every error names the file and the line."""

    def __init__(self, where: str, guards: Mapping[str, Guard], roles: Collection[str]) -> None:
        self.where, self.guards, self.roles = where, guards, roles

    def fail(self, line: int, message: str) -> WorkflowDefinitionError:
        return WorkflowDefinitionError(f"{self.where}:{line}: {message}")

    def document(self, doc: Any, expected_name: str | None) -> _LineDict:
        if not isinstance(doc, _LineDict):
            raise self.fail(1, "expected a mapping with machine, initial, states and transitions")
        unknown = set(doc) - {"machine", "description", "initial", "states", "transitions"}
        if unknown:
            raise self.fail(doc.line, f"unknown key(s): {', '.join(sorted(unknown))}")
        for key in ("machine", "initial", "states", "transitions"):
            if key not in doc:
                raise self.fail(doc.line, f"missing key '{key}'")
        name = doc["machine"]
        if expected_name is not None and name != expected_name:
            raise self.fail(
                doc.line, f"machine '{name}' must be declared in a file named {name}.yaml"
            )
        return doc

    def state(self, item: Any, line: int) -> StateSpec:
        if not isinstance(item, dict):
            return StateSpec(name=item) if isinstance(item, str) else StateSpec(name=repr(item))
        unknown = set(item) - {"name", "description", "tags"}
        if unknown:
            raise self.fail(line, f"state has unknown key(s): {', '.join(sorted(unknown))}")
        try:
            tags = _names(item.get("tags", []))
        except TypeError as exc:
            raise self.fail(line, f"state {item.get('name')!r}: tags: {exc}") from None
        for tag in tags:
            if not tag.isidentifier():
                raise self.fail(line, f"tag {tag!r} is not a valid name")
        name = item.get("name")
        return StateSpec(
            name=name if isinstance(name, str) else repr(name),
            description=str(item.get("description", "")),
            tags=frozenset(tags),
        )

    def states(self, doc: _LineDict) -> list[StateSpec]:
        states: list[StateSpec] = []
        for item in doc["states"] or []:
            line = getattr(item, "line", doc.line)
            spec = self.state(item, line)
            if not spec.name.isidentifier():
                raise self.fail(line, f"state {spec.name!r} is not a valid name")
            if spec.name in [s.name for s in states]:
                raise self.fail(line, f"state '{spec.name}' declared twice")
            states.append(spec)
        if doc["initial"] not in [s.name for s in states]:
            raise self.fail(doc.line, f"initial state '{doc['initial']}' is not a declared state")
        return states

    def transition(self, item: Any, line: int, states: list[str]) -> TransitionSpec:
        if not isinstance(item, dict):
            raise self.fail(line, "a transition must be a mapping")
        missing = {"trigger", "source", "dest", "roles"} - set(item)
        if missing:
            raise self.fail(line, f"transition is missing: {', '.join(sorted(missing))}")
        known_keys = {"trigger", "source", "dest", "roles", "guards", "description", "internal"}
        extra = set(item) - known_keys
        if extra:
            raise self.fail(line, f"transition has unknown key(s): {', '.join(sorted(extra))}")
        trigger = item["trigger"]
        if not isinstance(trigger, str) or not trigger.isidentifier():
            raise self.fail(line, f"trigger {trigger!r} is not a valid name")
        try:
            sources, dest = _names(item["source"]), _names(item["dest"])
            roles, guards = _names(item["roles"]), _names(item.get("guards", []))
        except TypeError as exc:
            raise self.fail(line, f"transition '{trigger}': {exc}") from None
        if len(dest) != 1:
            raise self.fail(line, f"transition '{trigger}': dest must be one state")
        for state in [*sources, *dest]:
            if state not in states:
                raise self.fail(line, f"transition '{trigger}' names unknown state '{state}'")
        if not roles:
            raise self.fail(line, f"transition '{trigger}' allows no role")
        internal = item.get("internal", False)
        if not isinstance(internal, bool):
            raise self.fail(line, f"transition '{trigger}': internal must be true or false")
        for role in roles:
            if role not in self.roles:
                raise self.fail(line, f"transition '{trigger}' names unknown role '{role}'")
        for guard in guards:
            if guard not in self.guards:
                known = ", ".join(sorted(self.guards)) or "none"
                raise self.fail(
                    line, f"transition '{trigger}' names missing guard '{guard}' (known: {known})"
                )
        return TransitionSpec(
            trigger=trigger,
            sources=tuple(sources),
            dest=dest[0],
            roles=frozenset(roles),
            guards=tuple(guards),
            description=str(item.get("description", "")),
            internal=internal,
        )

    def transitions(self, doc: _LineDict, states: list[str]) -> list[TransitionSpec]:
        specs: list[TransitionSpec] = []
        seen: set[tuple[str, str]] = set()
        for item in doc["transitions"] or []:
            line = getattr(item, "line", doc.line)
            spec = self.transition(item, line, states)
            for source in spec.sources:
                if (spec.trigger, source) in seen:
                    raise self.fail(
                        line, f"trigger '{spec.trigger}' declared twice from state '{source}'"
                    )
                seen.add((spec.trigger, source))
            specs.append(spec)
        return specs

    def reachability(self, doc: _LineDict, states: list[str], specs: list[TransitionSpec]) -> None:
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
            raise self.fail(
                doc.line,
                f"state(s) not reachable from '{doc['initial']}': {', '.join(unreachable)}",
            )


def load_flow(
    path: Path,
    *,
    guards: Mapping[str, Guard],
    roles: Collection[str],
    expected_name: str | None = None,
) -> Flow:
    """Load one definition file, validate it against the given guards and roles, build it."""
    check = _Validator(path.name, guards, roles)
    try:
        parsed = yaml.load(path.read_text(encoding="utf-8"), Loader=_LineLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 1
        raise check.fail(line, f"malformed YAML: {getattr(exc, 'problem', exc)}") from None
    except (ValueError, TypeError) as exc:
        raise check.fail(1, f"malformed YAML: {exc}") from None
    except OSError as exc:
        raise WorkflowDefinitionError(f"{path.name}: cannot read: {exc.strerror}") from None
    doc = check.document(parsed, expected_name)
    states = check.states(doc)
    names = [s.name for s in states]
    specs = check.transitions(doc, names)
    check.reachability(doc, names, specs)
    return Flow(
        name=str(doc["machine"]),
        description=str(doc.get("description", "")),
        states=tuple(states),
        initial=doc["initial"],
        transitions=tuple(specs),
        guards=guards,
        source=path.name,
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
        flow = load_flow(
            path, guards=guards.get(path.stem, {}), roles=roles, expected_name=path.stem
        )
        flows[flow.name] = flow
    return flows
