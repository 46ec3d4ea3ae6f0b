"""Command pages: the intake form and queue, the incident list and workspace, the superior's
report inbox, and a printable report. Page scripts load over the API and stay live over /ws."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from command.categories import grading
from command.categories.tree import CATEGORIES, FACTS, GRADES
from command.consultations.models import KINDS as CS_KINDS
from command.consultations.models import STATUS_LABELS as CS_STATUS_LABELS
from command.incidents.models import ENTRY_KINDS
from command.intake.models import SOURCES
from command.reports import service as reports
from command.tasks.models import STATUS_LABELS as TASK_STATUS_LABELS
from core.auth.principal import Principal
from core.orm import utcnow
from core.units import service as units
from core.units.models import JURISDICTION_KINDS
from plans_registry.rules import LEVELS
from web.i18n import unit_name
from web.messages_command import FACT_UNITS_EN, RULE_TEXT_EN
from web.pages import _lang, _render, _runtime, signed_in_page


async def _context(request: Request, principal: Principal) -> dict[str, Any]:
    runtime = _runtime(request)
    lang = _lang(request, principal)
    i = 0 if lang == "zh" else 1
    async with runtime.db.read() as session:
        unit = await units.get_visible(session, principal, principal.unit_code)
        tz = await units.timezone_of(session, unit.code, runtime.settings.default_tz)
        everything = await units.list_visible(session, principal)
        visible = [u.as_doc() for u in everything if u.kind in JURISDICTION_KINDS]
        # Agencies, teams and departments named in tasks and plans, by name rather than code.
        unit_names = {u.code: unit_name(u, lang) for u in everything if u.kind not in JURISDICTION_KINDS}
        parent = await session.get(units.Unit, unit.parent_code) if unit.parent_code else None
    return {"tz": tz, "unit": unit.as_doc(), "parent": parent.as_doc() if parent else None, "units": visible,
            "unit_names": unit_names,
            "categories": {k: v[i] for k, v in CATEGORIES.items()},
            "grades": {k: {"name": v[i], "roman": v[2]} for k, v in GRADES.items()},
            "facts": {k: {"name": v[i], "unit": v[2] if lang == "zh" else FACT_UNITS_EN.get(v[2], f" {v[2]}")}
                      for k, v in FACTS.items()},
            "sources": {k: v[i] for k, v in SOURCES.items()},
            "entry_kinds": {k: v[i] for k, v in ENTRY_KINDS.items()},
            "can": {p: principal.can(p) for p in ("intake.create", "intake.verify", "incident.grade",
                                                   "incident.manage", "incident.verify_entry", "report.draft",
                                                   "report.sign")},
            "rule_text": RULE_TEXT_EN if lang == "en" else {},
            "exercise": request.query_params.get("exercise") in ("1", "true")}


async def _page(request: Request, principal: Principal, template: str, **extra: Any) -> Response:
    page = await _context(request, principal)
    page.update(extra)
    return _render(request, template, principal, exercise=page["exercise"], page=page)


@signed_in_page
async def intake(request: Request, principal: Principal) -> Response:
    return await _page(request, principal, "intake.html")


@signed_in_page
async def incidents(request: Request, principal: Principal) -> Response:
    return await _page(request, principal, "incidents.html")


@signed_in_page
async def incident(request: Request, principal: Principal) -> Response:
    lang = _lang(request, principal)
    i = 0 if lang == "zh" else 1
    async with _runtime(request).db.read() as session:
        graded = sorted({r.category_prefix for r in await grading.rules_in_force(session, unit=principal.unit_code)})
    # Beside the grade picker: whether any rule grades the incident's category, and if not, why.
    reasons = {k: (RULE_TEXT_EN.get(v, v) if lang == "en" else v) for k, v in grading.NO_RULE_REASON.items()}
    return await _page(request, principal, "incident.html", incident_id=request.path_params["id"],
                       graded_prefixes=graded, no_grading_reasons=reasons,
                       plan_levels={str(k): v[i] for k, v in LEVELS.items()},
                       task_statuses={k: v[i] for k, v in TASK_STATUS_LABELS.items()},
                       can_activate=principal.can("plan.activate"))


@signed_in_page
async def consultations(request: Request, principal: Principal) -> Response:
    i = 0 if _lang(request, principal) == "zh" else 1
    return await _page(request, principal, "consultations.html", consultation_id=request.path_params.get("id"),
                       cs_kinds={k: v[i] for k, v in CS_KINDS.items()},
                       cs_statuses={k: v[i] for k, v in CS_STATUS_LABELS.items()},
                       task_statuses={k: v[i] for k, v in TASK_STATUS_LABELS.items()},
                       can_convene=principal.can("consult.convene"))


@signed_in_page
async def inbox(request: Request, principal: Principal) -> Response:
    return await _page(request, principal, "inbox.html")


@signed_in_page
async def report_print(request: Request, principal: Principal) -> Response:
    runtime = _runtime(request)
    async with runtime.db.read() as session:
        report, incident = await reports.get_visible(session, principal, request.path_params["id"])
        unit = await session.get(units.Unit, report.unit_code)
        to_unit = await session.get(units.Unit, report.to_unit) if report.to_unit else None
        tz = ZoneInfo(await units.timezone_of(session, report.unit_code, runtime.settings.default_tz))
    lang = _lang(request, principal)

    def local(value: Any) -> str:
        """"2026-11-24 03:20" in the reporting unit's zone, for a datetime or an ISO string; else as is."""
        if isinstance(value, str):
            try:
                value = datetime.fromisoformat(value.replace("Z", "+00:00"))
            except ValueError:
                return value
        if isinstance(value, datetime):
            return value.astimezone(tz).strftime("%Y-%m-%d %H:%M") if value.tzinfo else value.strftime("%Y-%m-%d %H:%M")
        return "" if value is None else str(value)

    doc = report.as_doc()
    doc["content"] = {**doc["content"], "time": local(doc["content"].get("time"))}
    return _render(request, "report_print.html", principal, report=doc, incident=incident.as_doc(),
                   unit_name=unit_name(unit, lang) if unit else report.unit_code,
                   to_name=unit_name(to_unit, lang) if to_unit else "",
                   submitted=local(report.submitted_at), signed=local(report.signed_at),
                   printed=local(utcnow()),
                   category=CATEGORIES.get(incident.category, (incident.category, ""))[0 if lang == "zh" else 1],
                   grade=GRADES[incident.grade][0 if lang == "zh" else 1] if incident.grade else "")


def routes() -> list[BaseRoute]:
    return [Route("/intake", intake), Route("/incidents", incidents), Route("/incidents/{id}", incident),
            Route("/reports/inbox", inbox), Route("/reports/{id}/print", report_print),
            Route("/consultations", consultations), Route("/consultations/{id}", consultations)]
