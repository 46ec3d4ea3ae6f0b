"""Command's event catalogue (CONTRACT.md: docs/events.md) and how people read its subjects:
(Chinese, English, the payload's schema) per event type."""

from core.journal.catalogue import OBJECT, EventSpec, labels, payload, register

# The payloads, by the helper that emits them (each domain's `emit`/`_emit`).
TASK = payload("task", task=payload("id", "status", "unit", "from_unit"))
INTAKE = payload("title", "category", "status")
INCIDENT = payload("number", "title")
CONSULTATION = payload("consultation")
REQUEST = payload("request")
EVENTS: dict[str, EventSpec] = {
    "intake.created": ("接报", "Report taken", INTAKE),
    "intake.taken": ("核实中", "Being verified", INTAKE),
    "intake.released": ("放回待核实", "Released", INTAKE),
    "intake.verified": ("核实属实", "Verified", INTAKE),
    "intake.rejected": ("核实不属实", "Rejected", INTAKE),
    "intake.duplicate": ("重复接报", "Duplicate", INTAKE),
    "incident.created": ("新建事件", "Incident created", INCIDENT),
    "incident.merged": ("并案", "Report merged", INCIDENT),
    "incident.facts_updated": ("更新事件信息", "Facts updated", INCIDENT),
    "incident.graded": ("事件定级", "Graded", INCIDENT),
    "incident.responding": ("进入处置", "Responding", INCIDENT),
    "incident.stabilised": ("事态控制", "Stabilised", INCIDENT),
    "incident.closed": ("事件结束", "Closed", INCIDENT),
    "incident.reopened": ("重新打开", "Reopened", INCIDENT),
    "incident.lead_set": ("明确牵头", "Lead set", INCIDENT),
    "incident.unit_added": ("共享/参与单位", "Unit involved", INCIDENT),
    "incident.entry_added": ("处置记录", "Timeline entry", INCIDENT),
    "incident.entry_verified": ("核实重要事件", "Significant event verified", INCIDENT),
    "report.drafted": ("起草信息报告", "Report drafted", OBJECT),
    "report.edited": ("修改信息报告", "Report edited", OBJECT),
    "report.signed": ("签发", "Signed off", OBJECT),
    "report.submitted": ("报出信息", "Report submitted", OBJECT),
    "report.received": ("上级已阅", "Report read", OBJECT),
    "report.returned": ("退回修改", "Report returned", OBJECT),
    "report.discarded": ("作废报告", "Report discarded", OBJECT),
    "report.due_soon": ("报告即将到期", "Report due soon", OBJECT),
    "report.overdue": ("报告逾期", "Report overdue", OBJECT),
    "report.rules_seeded": ("报送时限规则", "Report rules set", OBJECT),
    "grading.rules_seeded": ("分级标准", "Grading rules set", OBJECT),
    "task.dispatched": ("下达任务", "Task dispatched", TASK),
    "task.acknowledged": ("签收任务", "Task signed for", TASK),
    "task.feedback": ("任务反馈", "Task feedback", TASK),
    "task.completed": ("完成反馈", "Task reported done", TASK),
    "task.verified": ("任务核验通过", "Task verified", TASK),
    "task.returned": ("任务退回", "Task returned", TASK),
    "task.cancelled": ("撤销任务", "Task cancelled", TASK),
    "task.obsolete": ("任务不再适用", "Task no longer applies", TASK),
    "task.ack_overdue": ("任务超时未签收", "Task not signed for in time", TASK),
    "task.overdue": ("任务逾期", "Task overdue", TASK),
    "task.due_soon": ("任务即将到期", "Task due soon", TASK),
    "task.escalated": ("任务督办上报", "Task escalated", TASK),
    "task.redispatched": ("任务转派", "Task re-dispatched", TASK),
    "task.rolled_up": ("分解任务进度汇总", "Sub-task progress rolled up", TASK),
    "resource.team_deployed": ("救援队伍出动", "Team deployed", OBJECT),
    "resource.team_standby": ("救援队伍备勤", "Team on standby", OBJECT),
    "resource.team_available": ("救援队伍待命", "Team available", OBJECT),
    "resource.team_resting": ("救援队伍休整", "Team resting", OBJECT),
    "resource.stock_in": ("物资入库", "Stock in", OBJECT),
    "resource.shelter_occupancy": ("避难场所安置人数", "Shelter occupancy", OBJECT),
    "resource.expert_added": ("新增专家", "Expert added", payload("expert")),
    "resource.request_drafted": ("起草物资申请", "Request drafted", REQUEST),
    "resource.request_submitted": ("提交物资申请", "Request submitted", REQUEST),
    "resource.request_withdrawn": ("撤回物资申请", "Request withdrawn", REQUEST),
    "resource.request_approved": ("批准物资申请", "Request approved", REQUEST),
    "resource.request_partly_approved": ("部分批准物资申请", "Request partly approved", REQUEST),
    "resource.request_declined": ("未批准物资申请", "Request declined", REQUEST),
    "resource.request_dispatched": ("物资已调拨", "Resources dispatched", REQUEST),
    "resource.request_received": ("物资已接收", "Resources received", REQUEST),
    "consultation.convened": ("召集会商", "Consultation convened", CONSULTATION),
    "consultation.in_session": ("会商开始", "Consultation opened", CONSULTATION),
    "consultation.closed": ("会商结束", "Consultation closed", CONSULTATION),
    "consultation.cancelled": ("会商取消", "Consultation cancelled", CONSULTATION),
    "consultation.attended": ("会商签到", "Checked in", CONSULTATION),
    "consultation.opinion": ("会商意见", "Opinion", CONSULTATION),
    "consultation.decision": ("会商决定", "Decision", CONSULTATION),
    "task.deadline_moved": ("任务时限调整", "Task deadline moved", TASK),
    "task.facts_accepted": ("采纳反馈数据", "Feedback figures accepted", TASK),
    "task.facts_declined": ("未采纳反馈数据", "Feedback figures declined", TASK),
}
register("command", EVENTS)
EVENT_LABELS: dict[str, tuple[str, str]] = labels(EVENTS)

SUBJECT_LABELS: dict[str, tuple[str, str]] = {
    "intake": ("接报", "Intake"),
    "incident": ("事件", "Incident"),
    "task": ("任务", "Task"),
    "consultation": ("会商", "Consultation"),
    "team": ("救援队伍", "Rescue team"), "stock": ("物资", "Stock"), "shelter": ("避难场所", "Shelter"),
    "expert": ("专家", "Expert"), "resource_request": ("物资申请", "Resource request"),
}
