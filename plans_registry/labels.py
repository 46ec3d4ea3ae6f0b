"""How people read plan events and subjects (Chinese, English)."""

EVENT_LABELS: dict[str, tuple[str, str]] = {
    "plan.version_imported": ("导入预案新版本", "Plan version imported"),
    "plan.approved": ("预案印发", "Plan approved"),
    "plan.filed": ("预案备案", "Plan filed"),
    "plan.retired": ("预案废止", "Plan retired"),
    "plan.version_superseded": ("预案旧版本被替代", "Plan version superseded"),
    "plan.review_due": ("预案评估修订临近", "Plan review due"),
    "plan.review_overdue": ("预案评估修订逾期", "Plan review overdue"),
    "plan.filing_overdue": ("预案备案逾期", "Plan filing overdue"),
    "plan.drill_recorded": ("登记预案演练", "Drill recorded"),
    "plans.cycles_seeded": ("预案管理周期", "Plan cycles set"),
    "plan.activation_notice": ("启动预案通知", "Plan launch notice"),
    "incident.plan_suggested": ("建议启动/提升响应", "Plan response suggested"),
    "incident.plan_activated": ("启动应急响应", "Response launched"),
    "incident.plan_level_changed": ("调整响应级别", "Response level changed"),
    "incident.plan_terminated": ("终止应急响应", "Response ended"),
    "incident.plan_evaluated": ("总结评估", "After-action evaluation"),
    "incident.plan_report_due": ("响应期间续报提醒", "Follow-up report due (response cadence)"),
    "plan.warning_suggested": ("建议启动预警响应", "Warning-stage response suggested"),
    "plan.warning_suggestion_withdrawn": ("预警响应建议撤回", "Warning-stage response no longer suggested"),
}

SUBJECT_LABELS: dict[str, tuple[str, str]] = {
    "plan": ("预案", "Plan"),
    "activation": ("应急响应", "Response"),
}
