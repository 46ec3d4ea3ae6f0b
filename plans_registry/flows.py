"""Plan reactions: a fact change that crosses into a higher level of a plan in force announces
itself on the commander's screen; review, filing and report-cadence timers."""

from __future__ import annotations

from datetime import datetime

from command.incidents import hooks
from command.incidents import service as incidents
from command.incidents.models import Incident
from core.db import UnitOfWork
from core.orm import utcnow
from core.timers.runner import DueTimer, handles
from plans_registry import activations, triggers
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
