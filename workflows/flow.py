"""A loaded lifecycle: fire a trigger on a document's stored state, with roles and guards.

This is the only module that touches `transitions`. The machine is built once per definition;
firing wraps the stored state in a throw-away subject, so no machine is built per row and the
shared machine is never mutated (auto transitions are off, so guards cannot be bypassed).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

from transitions import Machine

# A guard looks at the context the service passes in and returns None to allow the transition,
# or a sentence saying why it is refused.
Guard = Callable[[Any], str | None]


class WorkflowError(Exception):
    """A trigger was refused; the message says why and what is allowed instead."""


class TriggerNotAllowed(WorkflowError):
    def __init__(self, machine: str, state: str, trigger: str, allowed: list[str]) -> None:
        self.machine, self.state, self.trigger, self.allowed = machine, state, trigger, allowed
        names = ", ".join(allowed) if allowed else "none"
        super().__init__(
            f"{machine} in state '{state}' cannot '{trigger}'; allowed from '{state}': {names}"
        )


class RoleNotAllowed(WorkflowError):
    def __init__(self, machine: str, trigger: str, required: Collection[str]) -> None:
        self.machine, self.trigger, self.required = machine, trigger, sorted(required)
        super().__init__(
            f"'{trigger}' on {machine} needs one of the roles: {', '.join(self.required)}"
        )


class GuardRefused(WorkflowError):
    def __init__(self, machine: str, trigger: str, guard: str, reason: str) -> None:
        self.machine, self.trigger, self.guard, self.reason = machine, trigger, guard, reason
        super().__init__(reason)


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
    refusal: tuple[str, str] | None = field(default=None)

    def __getattr__(self, name: str) -> Callable[..., bool]:
        guard = self.guards.get(name)
        if guard is None:
            raise AttributeError(name)

        def check(*_args: object, **_kwargs: object) -> bool:
            reason = guard(self.context)
            if reason is not None:
                self.refusal = (name, reason)
                return False
            return True

        return check


class Flow:
    """A validated lifecycle definition with its `transitions` machine, built once."""

    def __init__(
        self,
        *,
        name: str,
        description: str,
        states: tuple[str, ...],
        initial: str,
        transitions: tuple[TransitionSpec, ...],
        guards: Mapping[str, Guard],
    ) -> None:
        self.name = name
        self.description = description
        self.states = states
        self.initial = initial
        self.transitions = transitions
        self._guards = dict(guards)
        self._by_trigger: dict[str, list[TransitionSpec]] = {}
        for spec in transitions:
            self._by_trigger.setdefault(spec.trigger, []).append(spec)
        self._machine = Machine(
            model=None,
            states=list(states),
            initial=initial,
            auto_transitions=False,
            ignore_invalid_triggers=False,
            send_event=False,
            transitions=[
                {
                    "trigger": spec.trigger,
                    "source": list(spec.sources),
                    "dest": spec.dest,
                    "conditions": list(spec.guards),
                }
                for spec in transitions
            ],
        )

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
        subject = _Subject(state=state, context=context, guards=self._guards)
        if not self._machine.events[trigger].trigger(subject):
            guard, reason = subject.refusal or ("", "a guard refused the transition")
            raise GuardRefused(self.name, trigger, guard, reason)
        return Firing(machine=self.name, trigger=trigger, source=state, dest=subject.state)

    def mermaid(self) -> str:
        """The machine as a Mermaid state diagram, drawn from the same definition."""
        lines = ["stateDiagram-v2", f"    [*] --> {self.initial}"]
        for spec in self.transitions:
            for source in spec.sources:
                lines.append(f"    {source} --> {spec.dest}: {spec.trigger}")
        return "\n".join(lines)
