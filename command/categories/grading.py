"""Suggesting a grade from the facts: the nearest jurisdiction's rules for the most specific
matching category; the most severe grade whose trigger the facts satisfy."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from command.categories.models import GradingRule
from command.categories.tree import GRADE_ORDER, in_prefix
from core.db import UnitOfWork
from core.orm import new_id
from core.units.paths import ancestors_from_path, path_of
from core.validation import satisfies

PRODUCTION_SAFETY_SOURCE = "[L] 《生产安全事故报告和调查处理条例》(国务院令第493号) 第三条"


def _any_of(**minimums: float) -> dict[str, Any]:
    return {"anyOf": [{"properties": {k: {"minimum": v}}, "required": [k]} for k, v in minimums.items()]}


# Production-safety accident grades (RULES.md): dead / seriously injured / direct loss in 万元.
PRODUCTION_SAFETY_RULES: list[tuple[str, dict[str, Any], str]] = [
    ("particularly_major", _any_of(deaths=30, seriously_injured=100, economic_loss=10000),
     "死亡 ≥30 人，或重伤 ≥100 人，或直接经济损失 ≥1 亿元"),
    ("major", _any_of(deaths=10, seriously_injured=50, economic_loss=5000),
     "死亡 10–29 人，或重伤 50–99 人，或直接经济损失 5000 万–1 亿元"),
    ("relatively_major", _any_of(deaths=3, seriously_injured=10, economic_loss=1000),
     "死亡 3–9 人，或重伤 10–49 人，或直接经济损失 1000 万–5000 万元"),
    ("general", {}, "以上以外的生产安全事故"),
]


async def seed_rules(uow: UnitOfWork, *, unit: str) -> int:
    """Give a root jurisdiction the production-safety grading rules unless it has some already."""
    existing = (await uow.session.execute(select(GradingRule.id).where(GradingRule.unit_code == unit))).first()
    if existing:
        return 0
    for i, (grade, trigger, text) in enumerate(PRODUCTION_SAFETY_RULES):
        uow.session.add(GradingRule(id=new_id(), unit_code=unit, category_prefix="accident", grade=grade,
                                    trigger=trigger, description=text, source=PRODUCTION_SAFETY_SOURCE, sort=i))
    await uow.session.flush()
    uow.emit("grading.rules_seeded", subject=("unit", unit), scope=[unit],
             data={"unit": unit, "category_prefix": "accident", "rules": len(PRODUCTION_SAFETY_RULES)})
    return len(PRODUCTION_SAFETY_RULES)


async def applicable_rules(session: AsyncSession, *, unit: str, category: str) -> list[GradingRule]:
    chain = ancestors_from_path(await path_of(session, unit))
    rows = list((await session.execute(select(GradingRule).where(GradingRule.unit_code.in_(chain)))).scalars())
    matching = [r for r in rows if in_prefix(category, r.category_prefix)]
    if not matching:
        return []
    depth = {code: i for i, code in enumerate(chain)}
    nearest = max(depth[r.unit_code] for r in matching)
    mine = [r for r in matching if depth[r.unit_code] == nearest]
    longest = max(len(r.category_prefix) for r in mine)
    chosen = [r for r in mine if len(r.category_prefix) == longest]
    return sorted(chosen, key=lambda r: GRADE_ORDER.index(r.grade) if r.grade in GRADE_ORDER else 99)


async def suggest(session: AsyncSession, *, unit: str, category: str,
                  facts: dict[str, Any]) -> tuple[str | None, GradingRule | None]:
    """(grade, the rule that gave it), or (None, None) when no rule applies: left ungraded."""
    for rule in await applicable_rules(session, unit=unit, category=category):
        if satisfies(rule.trigger, facts):
            return rule.grade, rule
    return None, None


async def rules_in_force(session: AsyncSession, *, unit: str) -> list[GradingRule]:
    """Every grading rule the unit's chain defines, nearest unit first (for the settings screen)."""
    chain = ancestors_from_path(await path_of(session, unit))
    rows = list((await session.execute(select(GradingRule).where(GradingRule.unit_code.in_(chain)))).scalars())
    depth = {code: i for i, code in enumerate(chain)}
    return sorted(rows, key=lambda r: (-depth[r.unit_code], r.category_prefix, r.sort))
