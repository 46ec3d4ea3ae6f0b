"""How people read command events and subjects (Chinese, English)."""

EVENT_LABELS: dict[str, tuple[str, str]] = {
    "intake.created": ("接报", "Report taken"),
    "intake.taken": ("核实中", "Being verified"),
    "intake.released": ("放回待核实", "Released"),
    "intake.verified": ("核实属实", "Verified"),
    "intake.rejected": ("核实不属实", "Rejected"),
    "intake.duplicate": ("重复接报", "Duplicate"),
    "incident.created": ("新建事件", "Incident created"),
    "incident.merged": ("并案", "Report merged"),
    "incident.facts_updated": ("更新事件信息", "Facts updated"),
    "incident.graded": ("事件定级", "Graded"),
    "incident.responding": ("进入处置", "Responding"),
    "incident.stabilised": ("事态控制", "Stabilised"),
    "incident.closed": ("事件结束", "Closed"),
    "incident.reopened": ("重新打开", "Reopened"),
    "incident.lead_set": ("明确牵头", "Lead set"),
    "incident.unit_added": ("共享/参与单位", "Unit involved"),
    "incident.entry_added": ("处置记录", "Timeline entry"),
    "incident.entry_verified": ("核实重要事件", "Significant event verified"),
    "report.drafted": ("起草信息报告", "Report drafted"),
    "report.edited": ("修改信息报告", "Report edited"),
    "report.signed": ("签发", "Signed off"),
    "report.submitted": ("报出信息", "Report submitted"),
    "report.received": ("上级已阅", "Report read"),
    "report.returned": ("退回修改", "Report returned"),
    "report.discarded": ("作废报告", "Report discarded"),
    "report.due_soon": ("报告即将到期", "Report due soon"),
    "report.overdue": ("报告逾期", "Report overdue"),
    "report.rules_seeded": ("报送时限规则", "Report rules set"),
    "grading.rules_seeded": ("分级标准", "Grading rules set"),
}

SUBJECT_LABELS: dict[str, tuple[str, str]] = {
    "intake": ("接报", "Intake"),
    "incident": ("事件", "Incident"),
}
