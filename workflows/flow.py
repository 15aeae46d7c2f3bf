"""A loaded lifecycle: fire a trigger on a document's stored state, with roles and guards.

This is the only module that touches `transitions`. The machine is built once per definition;
firing wraps the stored state in a throw-away subject, so no machine is built per row and the
shared machine is never mutated (auto transitions are off, so guards cannot be bypassed).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from transitions import Machine


@dataclass(frozen=True)
class Refusal:
    """Why something is refused: a stable code (`order.customer_inactive`) and its parameters.

    The words come from the service's message catalogs, so the same refusal reads in Chinese or
    English; the code is what programs and tests compare.
    """

    code: str
    params: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def of(cls, code: str, **params: Any) -> Refusal:
        return cls(code, params)


@dataclass(frozen=True)
class GuardContext:
    """What a guard sees: the stored document, who fires the trigger, and the business date."""

    document: Any
    actor: Any
    today: date


# A guard looks at the document and returns None to allow the transition, or the refusal.
Guard = Callable[[GuardContext], Refusal | None]


class WorkflowError(Exception):
    """A trigger was refused; the message says why and what is allowed instead."""

    code = "workflow.refused"


class TriggerNotAllowed(WorkflowError):
    code = "workflow.trigger_not_allowed"

    def __init__(self, machine: str, state: str, trigger: str, allowed: list[str]) -> None:
        self.machine, self.state, self.trigger, self.allowed = machine, state, trigger, allowed
        names = ", ".join(allowed) if allowed else "none"
        super().__init__(
            f"{machine} in state '{state}' cannot '{trigger}'; allowed from '{state}': {names}"
        )


class RoleNotAllowed(WorkflowError):
    code = "workflow.role_not_allowed"

    def __init__(self, machine: str, trigger: str, required: Collection[str]) -> None:
        self.machine, self.trigger, self.required = machine, trigger, sorted(required)
        super().__init__(
            f"'{trigger}' on {machine} needs one of the roles: {', '.join(self.required)}"
        )


class GuardRefused(WorkflowError):
    """A guard said no; `refusal` carries its own code and parameters."""

    def __init__(self, machine: str, trigger: str, guard: str, refusal: Refusal) -> None:
        self.machine, self.trigger, self.guard, self.refusal = machine, trigger, guard, refusal
        self.code = refusal.code
        super().__init__(f"{machine} '{trigger}' refused by guard {guard}: {refusal.code}")


@dataclass(frozen=True)
class TransitionSpec:
    """One declared transition: trigger, sources, destination, roles and guards.

    An `internal` transition is fired by the service as a step of another action (approval
    putting an order on credit hold, an invoice moving its order); users never fire it directly,
    so it is not among a document's allowed triggers.
    """

    trigger: str
    sources: tuple[str, ...]
    dest: str
    roles: frozenset[str]
    guards: tuple[str, ...] = ()
    description: str = ""
    internal: bool = False


@dataclass(frozen=True)
class StateSpec:
    """One declared state with its description and the groups (tags) it belongs to."""

    name: str
    description: str = ""
    tags: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Firing:
    """The outcome of a fired trigger, ready to be stored and journalled."""

    machine: str
    trigger: str
    source: str
    dest: str


@dataclass
class _Subject:
    """Stands in for a stored document while `transitions` runs one trigger."""

    state: str
    context: Any
    guards: Mapping[str, Guard]
    refusal: tuple[str, Refusal] | None = field(default=None)

    def __getattr__(self, name: str) -> Callable[..., bool]:
        guard = self.guards.get(name)
        if guard is None:
            raise AttributeError(name)

        def check(*_args: object, **_kwargs: object) -> bool:
            refusal = guard(self.context)
            if refusal is not None:
                self.refusal = (name, refusal)
                return False
            return True

        return check


class UnknownTag(LookupError):
    """Code asked for a group of states that the definition does not declare."""


class Flow:
    """A validated lifecycle definition with its `transitions` machine, built once."""

    def __init__(
        self,
        *,
        name: str,
        description: str,
        states: tuple[StateSpec, ...],
        initial: str,
        transitions: tuple[TransitionSpec, ...],
        guards: Mapping[str, Guard],
        source: str = "",
    ) -> None:
        self.name = name
        self.description = description
        self.state_specs = states
        self.states = tuple(s.name for s in states)
        self.initial = initial
        self.transitions = transitions
        self.source = source
        self._guards = dict(guards)
        self._tags: dict[str, frozenset[str]] = {}
        for spec in states:
            for tag in spec.tags:
                self._tags[tag] = self._tags.get(tag, frozenset()) | {spec.name}
        self._by_trigger: dict[str, list[TransitionSpec]] = {}
        for transition in transitions:
            self._by_trigger.setdefault(transition.trigger, []).append(transition)
        # Where an unguarded trigger leads from a state, as the machine first decided it: with
        # no guard the answer depends on nothing else, and every request fires one.
        self._unguarded: dict[tuple[str, str], str] = {}
        self._machine = Machine(
            model=None,
            states=list(self.states),
            initial=initial,
            auto_transitions=False,
            ignore_invalid_triggers=False,
            send_event=False,
            transitions=[
                {
                    "trigger": t.trigger,
                    "source": list(t.sources),
                    "dest": t.dest,
                    "conditions": list(t.guards),
                }
                for t in transitions
            ],
        )

    @property
    def tags(self) -> frozenset[str]:
        return frozenset(self._tags)

    def tagged(self, tag: str) -> tuple[str, ...]:
        """The states carrying `tag`, in declaration order; UnknownTag if none declares it."""
        if tag not in self._tags:
            raise UnknownTag(f"{self.source or self.name}: no state is tagged '{tag}'")
        return tuple(s for s in self.states if s in self._tags[tag])

    def has_tag(self, state: str, tag: str) -> bool:
        return state in self._tags.get(tag, frozenset())

    def allows(self, state: str, trigger: str) -> bool:
        """Whether `trigger` is declared from `state` (roles and guards are not looked at)."""
        return any(state in spec.sources for spec in self._by_trigger.get(trigger, []))

    def sources_of(self, trigger: str) -> tuple[str, ...]:
        """Every state `trigger` may be fired from, in declaration order."""
        sources = {s for spec in self._by_trigger.get(trigger, []) for s in spec.sources}
        return tuple(s for s in self.states if s in sources)

    def allowed_triggers(self, state: str) -> list[str]:
        """Triggers a user may fire from `state`, in declaration order (internal ones left out)."""
        return [
            t
            for t, specs in self._by_trigger.items()
            if any(state in s.sources and not s.internal for s in specs)
        ]

    def guards_for(self, state: str, trigger: str) -> tuple[str, ...]:
        """The guards `trigger` checks from `state` (empty when none or not allowed)."""
        for spec in self._by_trigger.get(trigger, []):
            if state in spec.sources:
                return spec.guards
        return ()

    def roles_for(self, trigger: str) -> frozenset[str]:
        return frozenset().union(*(s.roles for s in self._by_trigger.get(trigger, [])))

    def fire(
        self, state: str, trigger: str, *, roles: Collection[str], context: Any = None
    ) -> Firing:
        """Check state, role and guards for `trigger` from `state` and return where it leads.

        Raises TriggerNotAllowed, RoleNotAllowed or GuardRefused with the reason; never returns
        a silent failure. The caller stores `Firing.dest` and journals the firing.
        """
        if state not in self.states:
            raise TriggerNotAllowed(self.name, state, trigger, [])
        specs = [s for s in self._by_trigger.get(trigger, []) if state in s.sources]
        if not specs:
            raise TriggerNotAllowed(self.name, state, trigger, self.allowed_triggers(state))
        spec = specs[0]
        if not spec.roles.intersection(roles):
            raise RoleNotAllowed(self.name, trigger, spec.roles)
        dest = self._unguarded.get((state, trigger))
        if dest is None:
            subject = _Subject(state=state, context=context, guards=self._guards)
            if not self._machine.events[trigger].trigger(subject):
                guard, refusal = subject.refusal or ("", Refusal("workflow.guard_refused"))
                raise GuardRefused(self.name, trigger, guard, refusal)
            dest = subject.state
            if not spec.guards:
                self._unguarded[(state, trigger)] = dest
        return Firing(machine=self.name, trigger=trigger, source=state, dest=dest)

    def mermaid(self) -> str:
        """The machine as a Mermaid state diagram, drawn from the same definition."""
        lines = ["stateDiagram-v2", f"    [*] --> {self.initial}"]
        for spec in self.transitions:
            for source in spec.sources:
                lines.append(f"    {source} --> {spec.dest}: {spec.trigger}")
        return "\n".join(lines)
