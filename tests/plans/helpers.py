"""What the plan tests share: the demo documents as files, plans and incidents made through the API,
the tasks a level should give (worked out from the document, not from the code under test), and the
journal and timers read from the database."""

from __future__ import annotations

import copy
import itertools
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import orjson
import yaml
from sqlalchemy import func, select, update

from core.db import Database
from core.journal.models import JournalEntry
from core.orm import utcnow
from core.timers.models import Timer
from core.timers.runner import TimerRunner
from plans_registry.demo import PLANS_DIR
from tests.command.helpers import Cmd

CITY, ZHANGGONG, NANKANG = "360700", "360702", "360703"
COMMANDER = "commander.360700"
_seq = itertools.count(1)


def demo_files() -> list[str]:
    return sorted(p.name for p in PLANS_DIR.glob("*.yaml"))


def demo_doc(name: str) -> dict[str, Any]:
    """A demo plan document as its file says (a fresh copy each time)."""
    return dict(yaml.safe_load((PLANS_DIR / name).read_text(encoding="utf-8")))


def gz_fx() -> dict[str, Any]:
    return demo_doc("gz-flood.yaml")


def level(document: dict[str, Any], n: int) -> dict[str, Any]:
    found = [lv for lv in document["levels"] if lv["level"] == n]
    assert len(found) == 1, n
    return found[0]


def today_in_ganzhou() -> date:
    return utcnow().astimezone(ZoneInfo("Asia/Shanghai")).date()


def county_plan(owner: str = ZHANGGONG, code: str | None = None, **overrides: Any) -> dict[str, Any]:
    """A small valid plan of a county: one group, two levels."""
    n = next(_seq)
    document: dict[str, Any] = {
        "code": code or f"T-{owner}-{n}", "name": f"测试预案 {n}", "kind": "special", "owner_unit": owner,
        "categories": ["natural.geological"], "issued_on": "2026-04-01",
        "command": {"name": "测试指挥部", "commander": "区政府分管副区长",
                    "groups": [{"key": "rescue", "name": "抢险救援组", "lead_unit": f"{owner}-T01"}]},
        "levels": [
            {"level": 4, "trigger": {"properties": {"deaths": {"minimum": 0}}}, "trigger_text": "发生险情",
             "decided_by": "区应急管理局局长",
             "actions": [{"key": "patrol", "title": "组织隐患点巡查", "target": {"role": "incident_unit"},
                          "due_minutes": 240}]},
            {"level": 3, "trigger": {"properties": {"deaths": {"minimum": 1}}, "required": ["deaths"]},
             "trigger_text": "造成人员死亡", "decided_by": "区政府分管副区长",
             "actions": [{"key": "rescue", "title": "抢险救援", "target": {"group": "rescue"},
                          "due_minutes": 60}]}],
    }
    document.update(overrides)
    return document


# --- the plan registry through the API -----------------------------------------------------------

async def plans(cmd: Cmd, who: str = COMMANDER, **params: Any) -> list[dict[str, Any]]:
    return list(await cmd.ok(await cmd.get(who, "/api/v1/plans", **params)))


async def plan_by_code(cmd: Cmd, code: str, owner: str = CITY, who: str = COMMANDER) -> dict[str, Any]:
    found = [p for p in await plans(cmd, who, owner=owner) if p["code"] == code]
    assert len(found) == 1, (code, owner)
    return found[0]


async def plan_full(cmd: Cmd, plan_id: str, who: str = COMMANDER) -> dict[str, Any]:
    return dict(await cmd.ok(await cmd.get(who, f"/api/v1/plans/{plan_id}")))


async def import_plan(cmd: Cmd, document: dict[str, Any], who: str = COMMANDER) -> dict[str, Any]:
    return dict(await cmd.ok(await cmd.post(who, "/api/v1/plans", document), 201))


async def set_status(cmd: Cmd, version: dict[str, Any], action: str, who: str = COMMANDER,
                     **body: Any) -> Any:
    return await cmd.post(who, f"/api/v1/plans/{version['plan_id']}/versions/{version['id']}/status",
                          {"action": action, **body})


async def approved(cmd: Cmd, document: dict[str, Any], who: str = COMMANDER) -> dict[str, Any]:
    version = await import_plan(cmd, document, who)
    return dict(await cmd.ok(await set_status(cmd, version, "approve", who)))


# --- incidents and activations ---------------------------------------------------------------------

async def flood(cmd: Cmd, facts: dict[str, float] | None = None, county: str = NANKANG,
                **overrides: Any) -> dict[str, Any]:
    """A flood incident in a county, made by its duty room (an intake, verified)."""
    body: dict[str, Any] = {"category": "natural.flood", "title": f"测试汛情 {next(_seq)}：河水漫堤",
                            "address": "南康区唐江镇" if county == NANKANG else "章贡区沙石镇",
                            "facts": facts or {}}
    body.update(overrides)
    return await cmd.incident(f"duty.{county}", **body)


async def suggestions(cmd: Cmd, incident_id: str, who: str = COMMANDER) -> list[dict[str, Any]]:
    return list(await cmd.ok(await cmd.get(who, f"/api/v1/incidents/{incident_id}/plan-suggestions")))


async def activate(cmd: Cmd, incident_id: str, plan_id: str, lvl: int, who: str = COMMANDER,
                   reason: str = "按预案启动") -> dict[str, Any]:
    res = await cmd.post(who, f"/api/v1/incidents/{incident_id}/activations",
                         {"plan_id": plan_id, "level": lvl, "reason": reason})
    return dict(await cmd.ok(res, 201))


async def change_level(cmd: Cmd, activation_id: str, lvl: int, who: str = COMMANDER) -> Any:
    return await cmd.post(who, f"/api/v1/activations/{activation_id}/level", {"level": lvl, "reason": "汛情变化"})


async def activation(cmd: Cmd, activation_id: str, who: str = COMMANDER) -> dict[str, Any]:
    return dict(await cmd.ok(await cmd.get(who, f"/api/v1/activations/{activation_id}")))


def resolve(document: dict[str, Any], lvl: int, incident_unit: str) -> set[tuple[str, str]]:
    """The (action key, unit) pairs a level gives, read from the document: a group's lead unit, a named
    unit, or the incident's county (the incident's unit, the plan's owner) for a role — for an
    incident in a county that no other unit is involved in."""
    leads = {g["key"]: g["lead_unit"] for g in document["command"]["groups"]}
    roles = {"incident_unit": incident_unit, "affected_counties": incident_unit, "incident_lead_unit": incident_unit,
             "plan_owner": document["owner_unit"]}
    out = set()
    for action in level(document, lvl)["actions"]:
        target = action["target"]
        unit = leads[target["group"]] if "group" in target else target.get("unit") or roles[target["role"]]
        out.add((action["key"], unit))
    return out


def pairs(tasks: list[dict[str, Any]]) -> set[tuple[str, str]]:
    return {(t["source_ref"]["action"], t["unit"]) for t in tasks}


def by_pair(tasks: list[dict[str, Any]]) -> dict[tuple[str, str], dict[str, Any]]:
    out: dict[tuple[str, str], dict[str, Any]] = {}
    for t in tasks:
        key = (t["source_ref"]["action"], t["unit"])
        assert key not in out, f"two tasks for {key}"
        out[key] = t
    return out


# --- the database: journal, timers ---------------------------------------------------------------------

async def journal(cmd: Cmd | Database, *, subject_id: str | None = None, type: str | None = None,
                  since: int = 0) -> list[dict[str, Any]]:
    db = cmd.db if isinstance(cmd, Cmd) else cmd
    stmt = select(JournalEntry.doc).where(JournalEntry.seq > since)
    if subject_id is not None:
        stmt = stmt.where(JournalEntry.subject_id == subject_id)
    if type is not None:
        stmt = stmt.where(JournalEntry.type == type)
    async with db.read() as session:
        return [orjson.loads(d) for d in (await session.execute(stmt.order_by(JournalEntry.seq))).scalars()]


async def head(db: Database) -> int:
    async with db.read() as session:
        return int((await session.execute(select(func.coalesce(func.max(JournalEntry.seq), 0)))).scalar_one())


async def timers(db: Database, *, kind: str | None = None, ref_prefix: str | None = None) -> list[Timer]:
    stmt = select(Timer)
    if kind is not None:
        stmt = stmt.where(Timer.kind == kind)
    if ref_prefix is not None:
        stmt = stmt.where(Timer.ref.startswith(ref_prefix))
    async with db.read() as session:
        return list((await session.execute(stmt.order_by(Timer.due_at))).scalars())


async def make_due(db: Database, *ids: str) -> None:
    async with db.write() as uow:
        await uow.session.execute(update(Timer).where(Timer.id.in_(ids))
                                  .values(due_at=utcnow() - timedelta(seconds=5)))


async def fire_due(db_url: str) -> int:
    """One pass of a timer runner of another process."""
    db = Database(db_url)
    try:
        return await TimerRunner(db).run_due()
    finally:
        await db.dispose()


def modified(document: dict[str, Any], fn: Any) -> dict[str, Any]:
    out = copy.deepcopy(document)
    fn(out)
    return out


def parse(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))
