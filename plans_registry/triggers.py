"""Trigger evaluation: which plans in force over an incident's place cover its category, which of
their response levels the incident satisfies, and why. One rule language (JSON Schema), no eval."""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from command.categories.tree import FACTS, GRADES
from command.incidents.models import Incident
from core.validation import satisfies
from plans_registry import service as registry
from plans_registry.models import Activation
from plans_registry.rules import LEVELS

log = logging.getLogger("yingji.plans")
_OPS = {"minimum": "≥", "exclusiveMinimum": ">", "maximum": "≤", "exclusiveMaximum": "<", "const": "="}


def instance_of(incident: Incident) -> dict[str, Any]:
    """What a trigger is evaluated against: the facts at the top, with the category and grade."""
    return {**incident.facts, "category": incident.category, "grade": incident.grade}


def _label(name: str) -> str:
    if name in FACTS:
        return FACTS[name][0]
    return {"category": "类别", "grade": "级别"}.get(name, name)


def _number(value: float) -> str:
    """1234567 → "1234567", 0.5 → "0.5": figures in full, never in exponent form."""
    if float(value).is_integer():
        return str(int(value))
    return f"{value:.6f}".rstrip("0").rstrip(".")


def _value(name: str, value: Any) -> str:
    if name == "grade" and value in GRADES:
        return GRADES[value][0]
    if name in FACTS:
        return f"{_number(value)}{FACTS[name][2]}" if isinstance(value, (int, float)) else str(value)
    return str(value)


def _holds(trigger: dict[str, Any], instance: dict[str, Any]) -> bool:
    """Import refuses triggers that cannot be evaluated; one that still fails (written into the
    database by hand) counts as not met rather than stopping every incident change."""
    try:
        return satisfies(trigger, instance)
    except Exception:  # a broken rule must not stop incident changes
        log.exception("a plan trigger could not be evaluated: %s", trigger)
        return False


def _describe_branch(branch: dict[str, Any], instance: dict[str, Any]) -> str:
    """`受灾人口 6000人 ≥ 5000` for each constrained property of one matched branch."""
    parts = []
    for name, rule in (branch.get("properties") or {}).items():
        if not isinstance(rule, dict) or name not in instance:
            continue
        for op, sym in _OPS.items():
            if op in rule:
                parts.append(f"{_label(name)} {_value(name, instance[name])} {sym} {_value(name, rule[op])}")
        if "enum" in rule:
            parts.append(f"{_label(name)} {_value(name, instance[name])}")
    return "，".join(parts)


def explain(trigger: dict[str, Any], instance: dict[str, Any]) -> str:
    """Which rule matched: the branches of an anyOf that hold, else the trigger's own properties."""
    branches = trigger.get("anyOf") or trigger.get("oneOf")
    if isinstance(branches, list):
        held = [_describe_branch(b, instance) for b in branches if isinstance(b, dict) and _holds(b, instance)]
        return "；或 ".join(h for h in held if h)
    return _describe_branch(trigger, instance)


def check_levels(document: dict[str, Any], instance: dict[str, Any]) -> list[dict[str, Any]]:
    """Every level of the document, highest (一级) first, with whether it matched and why."""
    out = []
    for level in sorted(document["levels"], key=lambda lv: lv["level"]):
        matched = _holds(level["trigger"], instance)
        why = explain(level["trigger"], instance) if matched else ""
        out.append({"level": level["level"], "level_name": LEVELS[level["level"]][0], "matched": matched,
                    "why": why or (level["trigger_text"] if matched else ""), "trigger_text": level["trigger_text"],
                    "decided_by": level["decided_by"]})
    return out


async def active_activations(session: AsyncSession, incident_id: str) -> list[Activation]:
    return list((await session.execute(select(Activation).where(Activation.incident_id == incident_id,
                                                                Activation.status == "active"))).scalars())


async def suggestions(session: AsyncSession, incident: Incident) -> list[dict[str, Any]]:
    """The plans whose triggers the incident satisfies, each at its highest matching level;
    the highest level first. A running activation of the plan below that level means: escalate."""
    instance = instance_of(incident)
    active = {a.plan_id: a for a in await active_activations(session, incident.id)}
    out = []
    for plan, version in await registry.in_force_for(session, unit_path=incident.unit_path,
                                                     category=incident.category):
        checks = check_levels(version.document, instance)
        matched = [c for c in checks if c["matched"]]
        if not matched:
            continue
        top = matched[0]
        running = active.get(plan.id)
        out.append({"plan_id": plan.id, "version_id": version.id, "code": plan.code, "name": plan.name,
                    "kind": plan.kind, "owner_unit": plan.owner_unit, "level": top["level"],
                    "level_name": top["level_name"], "why": top["why"], "trigger_text": top["trigger_text"],
                    "decided_by": top["decided_by"], "checks": checks,
                    "activation_id": running.id if running else None,
                    "active_level": running.level if running else None,
                    "escalate": bool(running and top["level"] < running.level)})
    # Highest level first; among equals the most specific plan (a special plan before the overall one).
    return sorted(out, key=lambda s: (s["level"], s["kind"] == "overall", s["code"]))
