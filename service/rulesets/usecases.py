"""What the rule sets' routes and pages do alike: a dry run of a candidate rule file."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy.orm import Session

from service.context import Context
from service.plugins import RuleSetBinding
from service.rulesets import dryrun
from service.rulesets.schemas import DryRunIn, DryRunOut


def dry_run(
    session: Session, ctx: Context, *, body: DryRunIn, bindings: Mapping[str, RuleSetBinding]
) -> DryRunOut:
    """What the candidate would decide differently from the rule set in force, on the real
    open items (at most `body.limit` changes listed)."""
    candidate = dryrun.parse_candidate(body.yaml, file=body.file)
    report = dryrun.run(
        session,
        rules=ctx.rules,
        workflows=ctx.workflows,
        bindings=bindings,
        candidate=candidate,
        today=ctx.today,
        settings=ctx.settings,
    )
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
