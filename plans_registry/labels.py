"""The plans' event catalogue (docs/events.md) and how people read plan events and subjects:
(Chinese, English, the payload's schema) per event type."""

from core.journal.catalogue import OBJECT, EventSpec, labels, register

EVENTS: dict[str, EventSpec] = {
    "plan.version_imported": ("导入预案新版本", "Plan version imported", OBJECT),
    "plan.approved": ("预案印发", "Plan approved", OBJECT),
    "plan.filed": ("预案备案", "Plan filed", OBJECT),
    "plan.retired": ("预案废止", "Plan retired", OBJECT),
    "plan.version_superseded": ("预案旧版本被替代", "Plan version superseded", OBJECT),
    "plan.review_due": ("预案评估修订临近", "Plan review due", OBJECT),
    "plan.review_overdue": ("预案评估修订逾期", "Plan review overdue", OBJECT),
    "plan.filing_overdue": ("预案备案逾期", "Plan filing overdue", OBJECT),
    "plan.drill_recorded": ("登记预案演练", "Drill recorded", OBJECT),
    "plans.cycles_seeded": ("预案管理周期", "Plan cycles set", OBJECT),
    "plan.activation_notice": ("启动预案通知", "Plan launch notice", OBJECT),
    "incident.plan_suggested": ("建议启动/提升响应", "Plan response suggested", OBJECT),
    "incident.plan_activated": ("启动应急响应", "Response launched", OBJECT),
    "incident.plan_level_changed": ("调整响应级别", "Response level changed", OBJECT),
    "incident.plan_terminated": ("终止应急响应", "Response ended", OBJECT),
    "incident.plan_evaluated": ("总结评估", "After-action evaluation", OBJECT),
    "incident.plan_report_due": ("响应期间续报提醒", "Follow-up report due (response cadence)", OBJECT),
    "plan.warning_suggested": ("建议启动预警响应", "Warning-stage response suggested", OBJECT),
    "plan.warning_suggestion_withdrawn": ("预警响应建议撤回", "Warning-stage response no longer suggested", OBJECT),
}
register("plans", EVENTS)
EVENT_LABELS: dict[str, tuple[str, str]] = labels(EVENTS)

SUBJECT_LABELS: dict[str, tuple[str, str]] = {
    "plan": ("预案", "Plan"),
    "activation": ("应急响应", "Response"),
}
