"""Demo plans: the city's overall and special plans and a county plan (demo_plans/*.yaml, written
for this demo, not copied from any real plan), approved and in force, with a few drills on record."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import yaml
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from command import permissions as _command_permissions  # noqa: F401  (task.dispatch for revision tasks)
from core.auth import service as auth
from core.auth.principal import Principal
from core.db import Database
from plans_registry import permissions as _permissions  # noqa: F401
from plans_registry import service as registry
from plans_registry.models import Plan

PLANS_DIR = Path(__file__).parent / "demo_plans"
CITY = "360700"
# (plan code, owner, kind, held on, scenario, findings)
DRILLS = [
    ("ZG-FX", "360702", "tabletop", date(2026, 5, 20), "章江上游强降雨，章贡区沿江低洼片区需紧急转移群众约 3000 人。",
     "预警信息传递到社区网格员耗时偏长；部分避难场所物资清单未及时更新。"),
    ("GZ-SLHZ", CITY, "full_scale", date(2026, 3, 12), "崇义县阳岭林区发生森林火灾，火场面积持续扩大，需跨县增援。",
     "跨县增援队伍集结时间符合要求；火场通信中继覆盖不足。"),
]


# The demo's plans: a file missing (an install that left out package data) is an error, never an
# empty demo.
DEMO_FILES = ("gz-flood.yaml", "gz-forest-fire.yaml", "gz-geological.yaml", "gz-hazchem.yaml", "gz-overall.yaml",
              "gz-relief.yaml", "zg-flood.yaml")


def documents(plans_dir: Path | None = None) -> list[dict[str, object]]:
    folder = plans_dir or PLANS_DIR
    missing = [name for name in DEMO_FILES if not (folder / name).is_file()]
    if missing:
        raise FileNotFoundError(f"demo plan files missing from {folder}: {', '.join(missing)} "
                                "(is the package installed with its data files?)")
    return [yaml.safe_load((folder / name).read_text(encoding="utf-8")) for name in DEMO_FILES]


async def load_demo(db: Database) -> dict[str, int]:
    created = {"plans": 0, "drills": 0}
    async with db.write() as uow:
        await registry.seed_cycles(uow, unit=CITY)
    for document in documents():
        async with db.write() as uow:
            have = (await uow.session.execute(select(Plan.id).where(Plan.owner_unit == document["owner_unit"],
                                                                    Plan.code == document["code"]))).first()
            if have:
                continue
            officer = await _officer(uow.session, str(document["owner_unit"]))
            version, _new = await registry.import_document(uow, by=officer, document=document, note="演示数据")
            await registry.change_status(uow, by=officer, plan_id=version.plan_id, version_id=version.id,
                                         action="approve", note="演示数据：已印发")
            if document["owner_unit"] != CITY:
                await registry.change_status(uow, by=officer, plan_id=version.plan_id, version_id=version.id,
                                             action="file", filed_with=CITY, note="报市应急管理局备案")
            created["plans"] += 1
    for code, owner, kind, held_on, scenario, findings in DRILLS if created["plans"] else []:
        async with db.write() as uow:
            plan = (await uow.session.execute(select(Plan).where(Plan.owner_unit == owner, Plan.code == code))
                    ).scalar_one_or_none()
            if plan is None:
                continue
            officer = await _officer(uow.session, owner)
            await registry.record_drill(uow, by=officer, plan_id=plan.id, kind=kind, held_on=held_on,
                                        scenario=scenario, unit=owner, findings=findings, rating="adequate")
            created["drills"] += 1
    return created


async def _officer(session: AsyncSession, unit: str) -> Principal:
    """Who the demo acts as: the unit's commander, else its duty leader."""
    for name in (f"commander.{unit}", f"lead.{unit}"):
        user = await auth.find_user(session, name)
        if user is not None:
            return await auth.principal_for(session, user)
    raise LookupError(f"no demo officer for {unit}")
