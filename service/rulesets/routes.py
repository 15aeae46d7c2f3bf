"""HTTP routes for the rule sets: what is in force, reload without restart, dry run."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.concurrency import run_in_threadpool

from service.http import Ctx, Read, Reader, reading
from service.rulesets import dryrun, usecases
from service.rulesets.registry import RegistryStatus
from service.rulesets.schemas import DryRunIn, DryRunOut, RulesStatusOut

router = APIRouter(prefix="/rules", tags=["rules"])


def status_out(status: RegistryStatus) -> RulesStatusOut:
    """The registry status as the API shows it."""
    return RulesStatusOut.model_validate(asdict(status))


@router.get("", summary="Rule-set versions in force, last error")
async def rules_status(ctx: Ctx, read: Reader) -> RulesStatusOut:
    await read.actor()
    return status_out(ctx.rules.status(ctx.today()))


@router.post(
    "/reload", summary="Load the rule files anew; a refused file keeps the rule sets in force (422)"
)
async def reload_rules(
    ctx: Ctx, read: Annotated[Read, Depends(reading("finance", "admin"))]
) -> RulesStatusOut:
    await read.actor()
    outcome = await run_in_threadpool(ctx.rules.reload)
    if outcome.error is not None:
        raise dryrun.refused(outcome.error, field=outcome.error.file, code="rules.reload_refused")
    return status_out(ctx.rules.status(ctx.today()))


@router.post(
    "/dry-run", summary="What a candidate rule file would decide differently on real open items"
)
async def dry_run_rules(
    body: DryRunIn, ctx: Ctx, read: Annotated[Read, Depends(reading("finance", "hq", "admin"))]
) -> DryRunOut:
    return await read.run(usecases.dry_run, body=body, bindings=ctx.rulesets)
