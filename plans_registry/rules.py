"""What a plan is and the cycles that bind it, with their sources (../shared/RULES.md): kinds,
statuses and their machine, drill kinds, response levels, and the default review, drill and filing
cycles per kind that a jurisdiction may override."""

from __future__ import annotations

PLAN_KINDS: dict[str, tuple[str, str]] = {
    "overall": ("总体应急预案", "Overall plan"),
    "special": ("专项应急预案", "Special plan"),
    "departmental": ("部门应急预案", "Departmental plan"),
    "local": ("地方应急预案", "Local (sub-jurisdiction) plan"),
    "enterprise": ("单位应急预案", "Enterprise / unit plan"),
    "major_event": ("重大活动应急预案", "Major event plan"),
}

# A version's life. Versions are immutable; only their status moves.
PLAN_STATUSES: dict[str, tuple[str, str]] = {
    "draft": ("草案", "Draft"),
    "approved": ("已印发", "Approved"),
    "filed": ("已备案", "Filed"),
    "superseded": ("已废止（被替代）", "Superseded"),
    "retired": ("已废止", "Retired"),
}
VERSION_TRANSITIONS: dict[tuple[str, str], str] = {
    ("draft", "approve"): "approved",
    ("approved", "file"): "filed",
    ("draft", "retire"): "retired",
    ("approved", "retire"): "retired",
    ("filed", "retire"): "retired",
    ("approved", "supersede"): "superseded",
    ("filed", "supersede"): "superseded",
}
IN_FORCE = ("approved", "filed")

DRILL_KINDS: dict[str, tuple[str, str]] = {
    "tabletop": ("桌面推演", "Tabletop"),
    "functional": ("功能演练", "Functional"),
    "full_scale": ("实战演练", "Full-scale"),
    "comprehensive": ("综合演练", "Comprehensive"),
    "activation": ("预案启动演练（演练事件）", "Activation in an exercise incident"),
}

LEVELS: dict[int, tuple[str, str]] = {1: ("一级", "Level I"), 2: ("二级", "Level II"), 3: ("三级", "Level III"),
                                      4: ("四级", "Level IV")}

ACTIVATION_TRANSITIONS: dict[tuple[str, str], str] = {
    ("active", "change_level"): "active",
    ("active", "terminate"): "terminated",
}

# Default cycles per kind, in months: (review, drill, source). A jurisdiction's row in
# plan_cycle_rules overrides them; a plan's own review_months / drill_months override both.
DEFAULT_CYCLES: dict[str, tuple[int, int, str]] = {
    "overall": (60, 36, "[Q] 国办发〔2024〕5号：总体预案原则上每 5 年评估修订；演练 [P] 至少每 3 年"),
    "special": (36, 36, "[P] 县级以上政府预案原则上每 3 年评估；[Q] 专项预案至少每 3 年演练一次"),
    "departmental": (36, 36, "[Q] 部门预案每 3 年评估修订、至少每 3 年演练一次（2013 办法第二十二条，2024 年沿用）"),
    "local": (36, 36, "[P] 县级以上政府预案原则上每 3 年评估；演练至少每 3 年"),
    "enterprise": (36, 12, "[Q] 应急管理部令第2号第三十三条：综合或专项预案每年至少演练一次"),
    "major_event": (12, 12, "[P] 重大活动预案随活动修订；活动前至少演练一次"),
}
# Production-safety plans of a government drill at least every two years (708号令 art. 8).
PRODUCTION_SAFETY_DRILL_MONTHS = 24
PRODUCTION_SAFETY_SOURCE = "[L] 《生产安全事故应急条例》(国务院令第708号) 第八条"
FILING_WORKING_DAYS = 20
FILING_SOURCE = "[Q] 国办发〔2024〕5号 第二十六条：印发后 20 个工作日内报上一级备案"
# The bureau's own expectation that every unit drills at least once a year (the seeds ask it).
UNIT_DRILL_MONTHS = 12
REVIEW_REMINDER_DAYS = (90, 30, 7)  # reminders before a plan's review date
