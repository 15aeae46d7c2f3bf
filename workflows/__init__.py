"""Declarative document lifecycles: YAML state machines built once into `transitions` machines.

Pure: no database, no HTTP. The service supplies guard functions by name and fires triggers.
"""

from workflows.flow import (
    Firing,
    Flow,
    Guard,
    GuardContext,
    GuardRefused,
    Refusal,
    RoleNotAllowed,
    StateSpec,
    TransitionSpec,
    TriggerNotAllowed,
    UnknownTag,
    WorkflowError,
)
from workflows.loader import DEFINITIONS_DIR, WorkflowDefinitionError, load_flow, load_flows

__all__ = [
    "DEFINITIONS_DIR",
    "Firing",
    "Flow",
    "Guard",
    "GuardContext",
    "GuardRefused",
    "Refusal",
    "RoleNotAllowed",
    "StateSpec",
    "TransitionSpec",
    "TriggerNotAllowed",
    "UnknownTag",
    "WorkflowDefinitionError",
    "WorkflowError",
    "load_flow",
    "load_flows",
]
