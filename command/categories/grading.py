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
NATURAL_SOURCE = "[Q] 《国家自然灾害救助应急预案》 应急响应启动条件（一省行政区域内一次灾害过程）"
PUBLIC_HEALTH_SOURCE = "[Q] 《国家突发公共卫生事件应急预案》 突发公共卫生事件分级（食物和职业中毒）"


def _any_of(**minimums: float) -> dict[str, Any]:
    return {"anyOf": [{"properties": {k: {"minimum": v}}, "required": [k]} for k, v in minimums.items()]}


def _all_of(**minimums: float) -> dict[str, Any]:
    return {"properties": {k: {"minimum": v} for k, v in minimums.items()}, "required": list(minimums)}


# (category prefix, source, [(grade, trigger, description)]), most severe grade first (RULES.md).
Rules = list[tuple[str, dict[str, Any], str]]

# Production-safety accident grades: dead / seriously injured / direct loss in 万元.
PRODUCTION_SAFETY_RULES: Rules = [
    ("particularly_major", _any_of(deaths=30, seriously_injured=100, economic_loss=10000),
     "死亡 ≥30 人，或重伤 ≥100 人，或直接经济损失 ≥1 亿元"),
    ("major", _any_of(deaths=10, seriously_injured=50, economic_loss=5000),
     "死亡 10–29 人，或重伤 50–99 人，或直接经济损失 5000 万–1 亿元"),
    ("relatively_major", _any_of(deaths=3, seriously_injured=10, economic_loss=1000),
     "死亡 3–9 人，或重伤 10–49 人，或直接经济损失 1000 万–5000 万元"),
    ("general", {}, "以上以外的生产安全事故"),
]

# Natural disasters: the national relief plan's thresholds for its 一级/二级/三级 responses stand for
# 特别重大/重大/较大; the plan counts dead and missing together, a sum a JSON Schema cannot take, so
# either figure alone meeting the threshold triggers (the lead still grades by the sum).
NATURAL_RULES: Rules = [
    ("particularly_major", _any_of(deaths=200, missing=200, evacuated=2000000, houses_collapsed=300000),
     "死亡或失踪 ≥200 人，或紧急转移安置 ≥200 万人，或倒塌房屋 ≥30 万间（国家一级响应条件）"),
    ("major", _any_of(deaths=100, missing=100, evacuated=1000000, houses_collapsed=200000),
     "死亡或失踪 ≥100 人，或紧急转移安置 ≥100 万人，或倒塌房屋 ≥20 万间（国家二级响应条件）"),
    ("relatively_major", _any_of(deaths=50, missing=50, evacuated=500000, houses_collapsed=100000),
     "死亡或失踪 ≥50 人，或紧急转移安置 ≥50 万人，或倒塌房屋 ≥10 万间（国家三级响应条件）"),
    ("general", {}, "以上以外的自然灾害"),
]

# Public health: only mass poisoning has figures in the national plan; outbreaks are graded by the
# health department's judgement (disease, place, spread), so no rule pretends to grade them.
PUBLIC_HEALTH_RULES: Rules = [
    ("major", {"anyOf": [_all_of(sick=101, deaths=1), _all_of(deaths=10)]},
     "一次中毒人数超过 100 人并出现死亡病例，或死亡 10 人以上"),
    ("relatively_major", {"anyOf": [_all_of(sick=101), _all_of(deaths=1)]},
     "一次中毒人数超过 100 人，或出现死亡病例"),
    ("general", _all_of(sick=30), "一次中毒人数 30–99 人，未出现死亡病例"),
]

SEEDED: list[tuple[str, str, Rules]] = [
    ("accident", PRODUCTION_SAFETY_SOURCE, PRODUCTION_SAFETY_RULES),
    ("natural", NATURAL_SOURCE, NATURAL_RULES),
    ("public_health.poisoning", PUBLIC_HEALTH_SOURCE, PUBLIC_HEALTH_RULES),
]

# Why a category has no grading rule (shown beside the grade picker); the key is a category prefix.
NO_RULE_REASON: dict[str, str] = {
    "social_security": "社会安全事件的分级标准由本地规定，系统未预置，请人工定级",
    "public_health": "传染病疫情等公共卫生事件由卫生健康部门研判定级，系统不按数字分级",
    "": "本类别没有分级规则，请人工定级",
}


def no_rule_reason(category: str) -> str:
    best = max((p for p in NO_RULE_REASON if in_prefix(category, p)), key=len)
    return NO_RULE_REASON[best]


async def seed_rules(uow: UnitOfWork, *, unit: str) -> int:
    """Give a root jurisdiction the seeded grading rules of each category it has none for."""
    have = set((await uow.session.execute(
        select(GradingRule.category_prefix).where(GradingRule.unit_code == unit))).scalars())
    added = 0
    for prefix, source, rules in SEEDED:
        if prefix in have:
            continue
        for i, (grade, trigger, text) in enumerate(rules):
            uow.session.add(GradingRule(id=new_id(), unit_code=unit, category_prefix=prefix, grade=grade,
                                        trigger=trigger, description=text, source=source, sort=i))
        await uow.session.flush()
        uow.emit("grading.rules_seeded", subject=("unit", unit), scope=[unit],
                 data={"unit": unit, "category_prefix": prefix, "rules": len(rules)})
        added += len(rules)
    return added


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
