"""Duty's event catalogue (docs/events.md) and how people read duty events and subjects:
(Chinese, English, the payload's schema) per event type."""

from core.journal.catalogue import OBJECT, EventSpec, labels, register

EVENTS: dict[str, EventSpec] = {
    "duty.rules.updated": ("值班规则变更", "Duty rules changed", OBJECT),
    "duty.post.created": ("新增值班岗位", "Duty post added", OBJECT),
    "duty.post.updated": ("值班岗位变更", "Duty post changed", OBJECT),
    "duty.roster.created": ("生成排班表", "Roster drafted", OBJECT),
    "duty.roster.slot_changed": ("调整排班", "Roster slot changed", OBJECT),
    "duty.roster.published": ("发布排班表", "Roster published", OBJECT),
    "duty.roster.discarded": ("作废排班草稿", "Roster draft discarded", OBJECT),
    "duty.override.created": ("临时替班", "Duty override", OBJECT),
    "duty.override.cancelled": ("取消替班", "Override cancelled", OBJECT),
    "duty.swap.requested": ("申请调班", "Swap requested", OBJECT),
    "duty.swap.approved": ("批准调班", "Swap approved", OBJECT),
    "duty.swap.rejected": ("驳回调班", "Swap rejected", OBJECT),
    "duty.swap.cancelled": ("撤回调班申请", "Swap cancelled", OBJECT),
    "duty.log.added": ("值班日志", "Duty log entry", OBJECT),
    "duty.log.corrected": ("更正值班日志", "Duty log correction", OBJECT),
    "duty.rollcall.started": ("查岗点名", "Roll-call started", OBJECT),
    "duty.rollcall.answered": ("点名应答", "Roll-call answered", OBJECT),
    "duty.rollcall.missed": ("点名未应答", "Roll-call missed", OBJECT),
    "duty.rollcall.closed": ("点名结束", "Roll-call closed", OBJECT),
    "duty.daily_report.filed": ("报送值班日报", "Daily report filed", OBJECT),
    "duty.daily_report.reminder": ("值班日报催报", "Daily report reminder", OBJECT),
    "duty.daily_report.missing": ("值班日报逾期未报", "Daily report missing", OBJECT),
    "duty.notice.sent": ("下发通知", "Notice sent", OBJECT),
    "duty.notice.signed": ("签收通知", "Notice signed for", OBJECT),
    "duty.notice.replied": ("回复通知", "Notice replied", OBJECT),
    "duty.notice.withdrawn": ("撤回通知", "Notice withdrawn", OBJECT),
    "duty.notice.overdue": ("通知逾期未签收", "Notice sign-for overdue", OBJECT),
    "duty.handover.drafted": ("起草交接班", "Handover drafted", OBJECT),
    "duty.handover.item_added": ("交接事项", "Handover item added", OBJECT),
    "duty.handover.submitted": ("交班", "Handed over", OBJECT),
    "duty.handover.item_accepted": ("接收交接事项", "Handover item accepted", OBJECT),
    "duty.handover.accepted": ("接班", "Handover accepted", OBJECT),
    "duty.handover.overdue": ("交接班未确认", "Handover not accepted", OBJECT),
    "duty.terminal.online": ("终端上线", "Terminal online", OBJECT),
    "duty.terminal.offline": ("终端离线", "Terminal offline", OBJECT),
}
register("duty", EVENTS)
EVENT_LABELS: dict[str, tuple[str, str]] = labels(EVENTS)

SUBJECT_LABELS: dict[str, tuple[str, str]] = {
    "roster": ("排班表", "Roster"),
    "duty_post": ("值班岗位", "Duty post"),
    "duty_override": ("替班", "Override"),
    "duty_swap": ("调班", "Swap"),
    "duty_log": ("值班日志", "Duty log"),
    "rollcall": ("点名", "Roll-call"),
    "daily_report": ("值班日报", "Daily report"),
    "notice": ("通知", "Notice"),
    "handover": ("交接班", "Handover"),
}
