"""HTTP routes for the rule sets: what is in force, reload without restart, dry run."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, Depends

from service.auth.tokens import Actor
from service.http import Ctx, CurrentActor, require
from service.rulesets import dryrun
from service.rulesets.registry import RegistryStatus
from service.rulesets.schemas import DryRunIn, DryRunOut, RulesStatusOut

router = APIRouter(prefix="/rules", tags=["rules"])


def status_out(status: RegistryStatus) -> RulesStatusOut:
    """The registry status as the API shows it."""
    return RulesStatusOut.model_validate(asdict(status))


@router.get("", response_model=RulesStatusOut, summary="Rule-set versions in force, last error")
def rules_status(ctx: Ctx, _actor: CurrentActor) -> RulesStatusOut:
    return status_out(ctx.rules.status(ctx.today()))


@router.post(
    "/reload",
    response_model=RulesStatusOut,
    summary="Load the rule files anew; a refused file keeps the rule sets in force (422)",
)
def reload_rules(
    ctx: Ctx, _actor: Annotated[Actor, Depends(require("finance", "admin"))]
) -> RulesStatusOut:
    outcome = ctx.rules.reload()
    if outcome.error is not None:
        raise dryrun.refused(
            outcome.error,
            field=outcome.error.file,
            detail="rule file refused, the rule sets in force stay",
        )
    return status_out(ctx.rules.status(ctx.today()))


@router.post(
    "/dry-run",
    response_model=DryRunOut,
    summary="What a candidate rule file would decide differently on real open items",
)
def dry_run_rules(
    body: DryRunIn,
    ctx: Ctx,
    _actor: Annotated[Actor, Depends(require("finance", "hq", "admin"))],
) -> DryRunOut:
    candidate = dryrun.parse_candidate(body.yaml, file=body.file)
    with ctx.db.read() as session:
        report = dryrun.run(session, rules=ctx.rules, candidate=candidate, today=ctx.today())
    return DryRunOut.model_validate(
        {
            "ruleset": report.ruleset,
            "item_kind": report.item_kind,
            "day": report.day,
            "live_version": report.live.version,
            "live_checksum": report.live.checksum,
            "candidate_version": report.candidate.version,
            "candidate_checksum": report.candidate.checksum,
            "counts": report.counts(),
            "changes": [change.to_dict() for change in report.changes[: body.limit]],
            "truncated": len(report.changes) > body.limit,
            "undecided": [{"item_id": i, "reason": why} for i, why in report.undecided],
        }
    )
