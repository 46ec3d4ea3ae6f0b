"""Plan reactions: a fact change that crosses into a higher level of a plan in force announces
itself on the commander's screen; review, filing and report-cadence timers."""

from __future__ import annotations

from datetime import datetime

from command.incidents import hooks
from command.incidents import service as incidents
from command.incidents.models import Incident
from command.warnings import hooks as warning_hooks
from command.warnings.models import EarlyWarning
from command.warnings.rules import ACTIVE as ACTIVE_WARNINGS
from core.db import UnitOfWork
from core.orm import utcnow
from core.timers.runner import DueTimer, handles
from plans_registry import activations, triggers, warning_triggers
from plans_registry import service as registry
from plans_registry.models import SuggestionMark


@hooks.on_change
async def announce_crossings(uow: UnitOfWork, incident: Incident, what: str) -> None:
    """Once per plan and level: the first time the facts reach a level higher than any suggested
    before. An announcement above a running activation's level is an escalation (升级) prompt."""
    if what not in ("created", "facts", "grade", "merged") or incident.status == "closed":
        return
    session = uow.session
    for s in await triggers.suggestions(session, incident):
        mark = await session.get(SuggestionMark, (incident.id, s["plan_id"]))
        if mark is not None and s["level"] >= mark.level:
            continue
        previous = mark.level if mark else None
        if mark is None:
            session.add(SuggestionMark(incident_id=incident.id, plan_id=s["plan_id"], level=s["level"]))
        else:
            mark.level, mark.at = s["level"], utcnow()
        running = s["active_level"]
        if running is not None and s["level"] >= running:
            continue  # already running at or above it
        await incidents.emit(uow, incident, "incident.plan_suggested", {
            "plan_id": s["plan_id"], "plan_name": s["name"], "level": s["level"], "level_name": s["level_name"],
            "previous": previous, "why": s["why"], "decided_by": s["decided_by"],
            "activation_id": s["activation_id"], "active_level": running, "escalate": s["escalate"]})


@warning_hooks.on_change
async def announce_warning_responses(uow: UnitOfWork, w: EarlyWarning, before: EarlyWarning | None,
                                     what: str) -> None:
    """预警响应: a warning that now meets a plan's warning trigger (or a higher one of it than before)
    suggests the plan's warning-stage response; one that no longer does (lowered, cancelled,
    expired) withdraws the suggestion. Compared with what the replaced version met: no marks kept."""
    if what == "forwarded":
        return
    session = uow.session
    now = {s["plan_id"]: s for s in await warning_triggers.suggestions(session, w)} if w.state in ACTIVE_WARNINGS \
        else {}
    was = {s["plan_id"]: s for s in await warning_triggers.suggestions(session, before)} if before is not None \
        else {}
    for plan_id, s in now.items():
        old = was.get(plan_id)
        if old is not None and old["level"] <= s["level"]:
            continue
        uow.emit("plan.warning_suggested", subject=("warning", w.series_id),
                 scope=sorted({s["owner_unit"], *s["units"]}), exercise=w.exercise,
                 data={**s, "previous": old["level"] if old else None})
    for plan_id, old in was.items():
        if plan_id not in now:
            uow.emit("plan.warning_suggestion_withdrawn", subject=("warning", w.series_id),
                     scope=sorted({old["owner_unit"], *old["units"]}), exercise=w.exercise,
                     data={**old, "because": what})


@handles(registry.REVIEW_TIMER)
async def review_due(uow: UnitOfWork, timer: DueTimer) -> None:
    await registry.on_review_timer(uow, payload=timer.payload)


@handles(registry.FILING_TIMER)
async def filing_due(uow: UnitOfWork, timer: DueTimer) -> None:
    await registry.on_filing_timer(uow, plan_id=timer.ref, payload=timer.payload)


@handles(activations.REPORT_TIMER)
async def report_cadence(uow: UnitOfWork, timer: DueTimer) -> datetime | None:
    result: datetime | None = await activations.on_report_timer(uow, activation_id=timer.ref)
    return result
