"""The defaults a new jurisdiction starts with, seeded from RULES.md, each with its source mark:
[L] read in the law, [Q] quoted by a government or local-rule page, [P] a product default where
no rule was found. Every value is configuration per unit; nothing below is used except as a seed."""

from __future__ import annotations

from typing import Any

DUTY_RULE_DEFAULTS: dict[str, dict[str, Any]] = {
    "shifts": {
        "value": [{"key": "day", "start": "08:30", "hours": 24}],
        "label": ("班次", "Shifts"),
        "source": "[Q] city and county duty rules: 24 h from 08:30, one duty leader plus 1–2 officers",
    },
    "rollcall_window_s": {
        "value": 300,
        "label": ("平台点名应答时限（秒）", "Platform roll-call answer window (s)"),
        "source": "[P] 5 min for a platform roll-call",
    },
    "rollcall_phone_window_s": {
        "value": 60,
        "label": ("电话/视频点名应答时限（秒）", "Phone or video roll-call answer window (s)"),
        "source": "[P] 60 s for a phone or video check",
    },
    "daily_report_deadline": {
        "value": "16:00",
        "label": ("值班日报报送时限", "Daily duty report deadline"),
        "source": "[P] product default; set by the superior unit",
    },
    "daily_report_required": {
        "value": True,
        "label": ("每日报送值班日报", "Daily duty report required"),
        "source": "[Q] a provincial rule: daily duty report in special periods (holidays, major events)",
    },
    "handover_grace_min": {
        "value": 30,
        "label": ("交接班确认宽限（分钟）", "Handover acceptance grace (min)"),
        "source": "[P]",
    },
    "notice_signfor_min": {
        "value": 30,
        "label": ("通知签收时限（分钟）", "Notice sign-for window (min)"),
        "source": "[P]",
    },
    "task_remind_before_min": {
        "value": 15,
        "label": ("任务到期前提醒承办单位（分钟）", "Remind the assignee before a task's deadline (min)"),
        "source": "[P] escalation ladder, step 1",
    },
    "task_escalate_after_min": {
        "value": 30,
        "label": ("任务超时报带班领导后再报下达单位值班长（分钟）",
                  "After the assignee's duty leader, escalate to the dispatcher's duty chief (min)"),
        "source": "[P] escalation ladder, steps 2–3",
    },
    # Warnings (预警): windows per colour, from addressing. No national rule fixes them ([P] 本地默认),
    # tighter the higher the level; command/warnings/rules.py keeps the same seed beside the colours.
    "warning_signfor_min": {
        "value": {"red": 10, "orange": 15, "yellow": 30, "blue": 60},
        "label": ("预警签收时限（分钟，按颜色）", "Warning sign-for window by colour (min)"),
        "source": "[P] local default: no national rule found",
    },
    "warning_report_min": {
        "value": {"red": 60, "orange": 120, "yellow": 240, "blue": 480},
        "label": ("预警防范落实反馈时限（分钟，按颜色）", "Warning precaution report window by colour (min)"),
        "source": "[P] local default: no national rule found",
    },
    "warning_remind_before_min": {
        "value": 5,
        "label": ("防范落实反馈到期前提醒（分钟）", "Remind before the precaution report is due (min)"),
        "source": "[P] escalation ladder, step 1",
    },
    "warning_escalate_after_min": {
        "value": 15,
        "label": ("预警超时报带班领导后再报发布单位值班长（分钟）",
                  "After the unit's duty leader, escalate to the issuer's duty chief (min)"),
        "source": "[P] escalation ladder, steps 2–3",
    },
    "hours_limit_month": {
        "value": 216,
        "label": ("每人每月值班时长上限（小时）", "Duty hours per person per month, at most"),
        "source": "[P] nine 24-hour shifts",
    },
}

# Posts a unit starts with. City: 值班长, 协调调度, 综合信息, 技术保障 besides the duty leader;
# county: three besides the leader ([Q] DB3713/T 309-2023, Linyi local standard).
CITY_POSTS: list[tuple[str, str, str]] = [
    ("leader", "带班领导", "Duty leader"),
    ("chief", "值班长", "Duty chief"),
    ("coordination", "协调调度", "Coordination and dispatch"),
    ("information", "综合信息", "Information"),
    ("technical", "技术保障", "Technical support"),
]
COUNTY_POSTS: list[tuple[str, str, str]] = [
    ("leader", "带班领导", "Duty leader"),
    ("chief", "值班长", "Duty chief"),
    ("officer", "值班员", "Duty officer"),
    ("officer2", "值班员（二）", "Duty officer 2"),
]
POSTS_SOURCE = "[Q] DB3713/T 309-2023: city 4 besides the duty leader, county 3"
