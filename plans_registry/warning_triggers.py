"""预警响应: a plan's `warning_triggers` name warnings (hazard type and colour) that call for its
warning-stage response; an active warning in a unit the plan covers raises that suggestion there,
with the rule that matched. Same rule language as the level triggers (a JSON Schema), evaluated
against the warning: {"hazard", "colour", "level" (1 红 … 4 蓝), "unit"}."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from command.warnings import service as warnings
from command.warnings.models import EarlyWarning
from command.warnings.rules import COLOURS, HAZARDS
from core.units.paths import ancestors_from_path
from plans_registry.models import Plan, PlanVersion
from plans_registry.rules import IN_FORCE, LEVELS
from plans_registry.triggers import _holds

WARNING_SUGGESTION_LEVEL = "预警响应"


def instance_of(w: EarlyWarning, unit: str) -> dict[str, Any]:
    return {"hazard": w.hazard, "colour": w.colour, "level": COLOURS[w.colour]["level"], "unit": unit}


def explain(w: EarlyWarning) -> str:
    return f"{HAZARDS[w.hazard]['zh']}{COLOURS[w.colour]['zh']}预警（{w.issuer_name}）"


async def suggestions(session: AsyncSession, w: EarlyWarning) -> list[dict[str, Any]]:
    """For each plan in force over a unit the warning is addressed to, the highest
    response its warning triggers reach, and where: [{plan…, "level", "why", "units": [codes]}]."""
    rows = [r for r in await warnings.addressees_of(session, w.series_id) if r.state != "withdrawn"]
    paths = {r.unit_code: r.unit_path for r in rows}
    owners = {code for p in paths.values() for code in ancestors_from_path(p)}
    plans = list((await session.execute(select(Plan).where(Plan.owner_unit.in_(owners),
                                                           Plan.current_version_id.is_not(None)))).scalars())
    versions = {v.id: v for v in (await session.execute(select(PlanVersion).where(
        PlanVersion.id.in_([p.current_version_id for p in plans])))).scalars()}
    out = []
    for plan in plans:
        version = versions.get(plan.current_version_id or "")
        if version is None or version.status not in IN_FORCE:
            continue
        rules = version.document.get("warning_triggers") or []
        best: dict[str, Any] | None = None
        where: list[str] = []
        for unit, path in sorted(paths.items()):
            if plan.owner_unit not in ancestors_from_path(path):
                continue
            matched = [r for r in rules if _holds(r["trigger"], instance_of(w, unit))]
            if not matched:
                continue
            where.append(unit)
            top = min(matched, key=lambda r: r.get("level", 4))
            if best is None or top.get("level", 4) < best.get("level", 4):
                best = top
        if best is None:
            continue
        level = int(best.get("level", 4))
        out.append({"plan_id": plan.id, "version_id": version.id, "code": plan.code, "name": plan.name,
                    "kind": plan.kind, "owner_unit": plan.owner_unit, "stage": WARNING_SUGGESTION_LEVEL,
                    "level": level, "level_name": LEVELS[level][0], "why": explain(w),
                    "trigger_text": best["trigger_text"], "decided_by": best.get("decided_by", ""),
                    "actions_text": best.get("actions_text", ""), "units": where,
                    "warning_id": w.series_id, "warning_version": w.version})
    return sorted(out, key=lambda s: (s["level"], s["kind"] == "overall", s["code"]))

