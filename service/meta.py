"""Routes about the service itself: who am I, the lifecycles, the refusal codes."""

from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy.orm import Session

from service import i18n
from service.auth.models import User
from service.context import Context
from service.errors import NotFound
from service.http import Reader
from service.schemas import Response

router = APIRouter(tags=["service"])


class MeOut(Response):
    username: str
    display_name: str
    roles: list[str]


class TransitionOut(Response):
    trigger: str
    source: list[str]
    dest: str
    roles: list[str]
    guards: list[str]
    description: str
    internal: bool


class StateOut(Response):
    name: str
    description: str
    tags: list[str]


class WorkflowOut(Response):
    machine: str
    description: str
    initial: str
    states: list[str]
    state_details: list[StateOut]
    transitions: list[TransitionOut]
    mermaid: str


class ProblemTypeOut(Response):
    code: str
    en: str
    zh: str


def _me(session: Session, ctx: Context) -> MeOut:
    user = session.get(User, ctx.actor.user_id)
    return MeOut(
        username=ctx.actor.username,
        display_name=user.display_name if user else "",
        roles=sorted(ctx.actor.roles),
    )


@router.get("/me", summary="Who the token belongs to")
async def me(read: Reader) -> MeOut:
    return await read.run(_me)


def _workflow(_session: Session, ctx: Context, *, machine: str) -> WorkflowOut:
    if machine not in ctx.workflows.flows:
        raise NotFound("workflow.not_found", field="machine", machine=machine)
    flow = ctx.workflows[machine]
    return WorkflowOut(
        machine=flow.name,
        description=flow.description,
        initial=flow.initial,
        states=list(flow.states),
        state_details=[
            StateOut(name=s.name, description=s.description, tags=sorted(s.tags))
            for s in flow.state_specs
        ],
        transitions=[
            TransitionOut(
                trigger=t.trigger,
                source=list(t.sources),
                dest=t.dest,
                roles=sorted(t.roles),
                guards=list(t.guards),
                description=t.description,
                internal=t.internal,
            )
            for t in flow.transitions
        ],
        mermaid=flow.mermaid(),
    )


@router.get("/workflows/{machine}", summary="A lifecycle as declared: states, tags, transitions")
async def workflow(machine: str, read: Reader) -> WorkflowOut:
    return await read.run(_workflow, machine=machine)


def _problem_types() -> list[ProblemTypeOut]:
    messages = i18n.installed()
    codes = sorted(messages.codes()) if messages else []
    return [
        ProblemTypeOut(
            code=code,
            en=messages.template(code, "en") or code if messages else code,
            zh=messages.template(code, "zh") or code if messages else code,
        )
        for code in codes
    ]


@router.get("/problems", summary="Every refusal code with its words in English and Chinese")
async def problem_types() -> list[ProblemTypeOut]:
    return _problem_types()


@router.get("/problems/{code}", summary="One refusal code (the `type` of a problem document)")
async def problem_type(code: str) -> ProblemTypeOut:
    for found in _problem_types():
        if found.code == code:
            return found
    raise NotFound("problem.unknown_code", field="code", problem_code=code)
