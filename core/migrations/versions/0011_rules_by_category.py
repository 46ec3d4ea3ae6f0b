"""rules by category: the seeded report and grading rules cite the instrument of each category

Revision ID: 0011
Revises: 0008 (re-chained after main's 0008; first written on 0007)
Create Date: 2026-12-06

A jurisdiction seeded before this revision has one 2-hour initial-report rule for every category citing
国务院令第493号 (production safety only) and grading rules for accidents only. Rows still exactly as seeded
are rewritten to the per-category defaults; rows a jurisdiction edited are left alone.
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from core.orm import JSONType, UTCDateTime, new_id

revision: str = '0011'
down_revision: str | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_493 = "[L] 《生产安全事故报告和调查处理条例》(国务院令第493号) 第十一条"
OLD_2015 = "[Q] 国务院应急办通知（2015）"
OLD_21 = "[Q] 《生产安全事故信息报告和处置办法》(原总局令第21号) 第十条"
NEW_21 = "[Q] 《生产安全事故信息报告和处置办法》(原国家安全监管总局令第21号) 第十条"
# (old name, old source) → (new name, new prefix, new grades or None to keep, new source)
RENAMES: dict[tuple[str, str], tuple[str, str, list[str] | None, str]] = {
    ("各级逐级上报不超过 2 小时", OLD_493): ("生产安全事故逐级上报不超过 2 小时", "accident", None, OLD_493),
    ("重大、特别重大突发事件 30 分钟内电话报告", OLD_2015):
        ("重大、特别重大突发事件 30 分钟内电话报告", "", None, "[Q] 国务院应急办 2015 年通知"),
    ("重大、特别重大突发事件 1 小时内书面报告", OLD_2015):
        ("重大、特别重大突发事件 1 小时内书面报告", "", None, "[Q] 国务院应急办 2015 年通知"),
    ("一般、较大事件每日至少续报一次", OLD_21): ("一般、较大事故每日至少续报一次", "accident", None, NEW_21),
    ("重大、特别重大事件每日至少续报两次", OLD_21): ("重大、特别重大事故每日至少续报两次", "accident", None, NEW_21),
    ("未定级事件每日至少续报一次", "[P] 与一般事件相同"):
        ("每日至少续报一次", "", [], "[P] 本地默认：未定级事件和生产安全事故以外的类别，参照每日续报"),
    ("处置结束后 24 小时内终报", "[P] 「处置结束时终报」，时限为产品默认"):
        ("处置结束后 24 小时内终报", "", None, "[P] 「处置结束时终报」，时限为本地默认"),
}
# the initial-report rules of the other categories, added where the 493 rule was rewritten
ADDED = [
    ("自然灾害县级 2 小时内初报", "natural", "[Q] 《自然灾害情况统计调查制度》 县级初报"),
    ("突发公共卫生事件 2 小时内报告", "public_health", "[Q] 《突发公共卫生事件应急条例》(国务院令第376号) 第十九条、第二十条"),
    ("社会安全事件 2 小时内上报", "social_security", "[P] 本地默认：未查到国家层面公开的报送时限，参照其他类别的 2 小时"),
]
PRODUCTION_SAFETY_GRADING = "[L] 《生产安全事故报告和调查处理条例》(国务院令第493号) 第三条"

report_rules = sa.table(
    "report_rules", sa.column("id", sa.String), sa.column("unit_code", sa.String), sa.column("name", sa.String),
    sa.column("kind", sa.String), sa.column("grades", JSONType), sa.column("category_prefix", sa.String),
    sa.column("clock", sa.String), sa.column("minutes", sa.Integer), sa.column("channel", sa.String),
    sa.column("source", sa.Text), sa.column("active", sa.Boolean))
grading_rules = sa.table(
    "grading_rules", sa.column("id", sa.String), sa.column("unit_code", sa.String),
    sa.column("category_prefix", sa.String), sa.column("grade", sa.String), sa.column("trigger", JSONType),
    sa.column("description", sa.Text), sa.column("source", sa.Text), sa.column("sort", sa.Integer),
    sa.column("created_at", UTCDateTime))


# The grading rules as the seeds wrote them at this revision, frozen here: a migration must not change
# meaning when command/categories/grading.py changes later (and core/ never imports a domain).
SEEDED: list[tuple[str, str, list[tuple[str, dict[str, object], str]]]] = [('accident',
  '[L] 《生产安全事故报告和调查处理条例》(国务院令第493号) 第三条',
  [('particularly_major',
    {'anyOf': [{'properties': {'deaths': {'minimum': 30}}, 'required': ['deaths']},
               {'properties': {'seriously_injured': {'minimum': 100}}, 'required': ['seriously_injured']},
               {'properties': {'economic_loss': {'minimum': 10000}}, 'required': ['economic_loss']}]},
    '死亡 ≥30 人，或重伤 ≥100 人，或直接经济损失 ≥1 亿元'),
   ('major',
    {'anyOf': [{'properties': {'deaths': {'minimum': 10}}, 'required': ['deaths']},
               {'properties': {'seriously_injured': {'minimum': 50}}, 'required': ['seriously_injured']},
               {'properties': {'economic_loss': {'minimum': 5000}}, 'required': ['economic_loss']}]},
    '死亡 10–29 人，或重伤 50–99 人，或直接经济损失 5000 万–1 亿元'),
   ('relatively_major',
    {'anyOf': [{'properties': {'deaths': {'minimum': 3}}, 'required': ['deaths']},
               {'properties': {'seriously_injured': {'minimum': 10}}, 'required': ['seriously_injured']},
               {'properties': {'economic_loss': {'minimum': 1000}}, 'required': ['economic_loss']}]},
    '死亡 3–9 人，或重伤 10–49 人，或直接经济损失 1000 万–5000 万元'),
   ('general', {}, '以上以外的生产安全事故')]),
 ('natural',
  '[Q] 《国家自然灾害救助应急预案》 应急响应启动条件（一省行政区域内一次灾害过程）',
  [('particularly_major',
    {'anyOf': [{'properties': {'deaths': {'minimum': 200}}, 'required': ['deaths']},
               {'properties': {'missing': {'minimum': 200}}, 'required': ['missing']},
               {'properties': {'evacuated': {'minimum': 2000000}}, 'required': ['evacuated']},
               {'properties': {'houses_collapsed': {'minimum': 300000}}, 'required': ['houses_collapsed']}]},
    '死亡或失踪 ≥200 人，或紧急转移安置 ≥200 万人，或倒塌房屋 ≥30 万间（国家一级响应条件）'),
   ('major',
    {'anyOf': [{'properties': {'deaths': {'minimum': 100}}, 'required': ['deaths']},
               {'properties': {'missing': {'minimum': 100}}, 'required': ['missing']},
               {'properties': {'evacuated': {'minimum': 1000000}}, 'required': ['evacuated']},
               {'properties': {'houses_collapsed': {'minimum': 200000}}, 'required': ['houses_collapsed']}]},
    '死亡或失踪 ≥100 人，或紧急转移安置 ≥100 万人，或倒塌房屋 ≥20 万间（国家二级响应条件）'),
   ('relatively_major',
    {'anyOf': [{'properties': {'deaths': {'minimum': 50}}, 'required': ['deaths']},
               {'properties': {'missing': {'minimum': 50}}, 'required': ['missing']},
               {'properties': {'evacuated': {'minimum': 500000}}, 'required': ['evacuated']},
               {'properties': {'houses_collapsed': {'minimum': 100000}}, 'required': ['houses_collapsed']}]},
    '死亡或失踪 ≥50 人，或紧急转移安置 ≥50 万人，或倒塌房屋 ≥10 万间（国家三级响应条件）'),
   ('general', {}, '以上以外的自然灾害')]),
 ('public_health.poisoning',
  '[Q] 《国家突发公共卫生事件应急预案》 突发公共卫生事件分级（食物和职业中毒）',
  [('major',
    {'anyOf': [{'properties': {'sick': {'minimum': 101}, 'deaths': {'minimum': 1}}, 'required': ['sick', 'deaths']},
               {'properties': {'deaths': {'minimum': 10}}, 'required': ['deaths']}]},
    '一次中毒人数超过 100 人并出现死亡病例，或死亡 10 人以上'),
   ('relatively_major',
    {'anyOf': [{'properties': {'sick': {'minimum': 101}}, 'required': ['sick']},
               {'properties': {'deaths': {'minimum': 1}}, 'required': ['deaths']}]},
    '一次中毒人数超过 100 人，或出现死亡病例'),
   ('general', {'properties': {'sick': {'minimum': 30}}, 'required': ['sick']}, '一次中毒人数 30–99 人，未出现死亡病例')])]


def upgrade() -> None:
    from datetime import UTC, datetime

    bind = op.get_bind()
    rows = bind.execute(sa.select(report_rules.c.id, report_rules.c.unit_code, report_rules.c.name,
                                  report_rules.c.source, report_rules.c.category_prefix)).all()
    rewritten_units: set[str] = set()
    for rid, unit, name, source, prefix in rows:
        new = RENAMES.get((name, source))
        if new is None or prefix != "":
            continue
        new_name, new_prefix, new_grades, new_source = new
        values: dict[str, object] = {"name": new_name, "category_prefix": new_prefix, "source": new_source}
        if new_grades is not None:
            values["grades"] = new_grades
        bind.execute(report_rules.update().where(report_rules.c.id == rid).values(**values))
        if name == "各级逐级上报不超过 2 小时":
            rewritten_units.add(unit)
    for unit in sorted(rewritten_units):
        for name, prefix, source in ADDED:
            bind.execute(report_rules.insert().values(
                id=new_id(), unit_code=unit, name=name, kind="initial", grades=[], category_prefix=prefix,
                clock="received", minutes=120, channel="written", source=source, active=True))

    seeded_units = set(bind.execute(sa.select(grading_rules.c.unit_code).where(
        grading_rules.c.source == PRODUCTION_SAFETY_GRADING)).scalars())
    for unit in sorted(seeded_units):
        have = set(bind.execute(sa.select(grading_rules.c.category_prefix).where(
            grading_rules.c.unit_code == unit)).scalars())
        for prefix, source, rules in SEEDED:
            if prefix in have:
                continue
            for i, (grade, trigger, text) in enumerate(rules):
                bind.execute(grading_rules.insert().values(
                    id=new_id(), unit_code=unit, category_prefix=prefix, grade=grade, trigger=trigger,
                    description=text, source=source, sort=i, created_at=datetime.now(UTC)))


def downgrade() -> None:
    # the rewritten defaults stay: they are what the seeds now write
    pass
