"""JSON Schemas of information reports."""

from __future__ import annotations

from typing import Any

from command.reports.models import KINDS

CONTENT: dict[str, Any] = {
    "type": "object", "additionalProperties": False,
    "description": "what a first report must say (493号令 第十二条) and what duty rooms add",
    "properties": {
        "unit": {"type": "string", "maxLength": 200, "description": "事发单位"},
        "time": {"type": "string", "maxLength": 60, "description": "事发时间"},
        "place": {"type": "string", "maxLength": 300, "description": "事发地点"},
        "scene": {"type": "string", "maxLength": 4000, "description": "现场情况"},
        "course": {"type": "string", "maxLength": 8000, "description": "简要经过"},
        "deaths": {"type": "number", "minimum": 0}, "injured": {"type": "number", "minimum": 0},
        "missing": {"type": "number", "minimum": 0},
        "economic_loss": {"type": "number", "minimum": 0, "description": "初步估计直接经济损失（万元）"},
        "measures": {"type": "string", "maxLength": 8000, "description": "已采取的措施"},
        "category": {"type": "string", "maxLength": 64}, "cause": {"type": "string", "maxLength": 4000},
        "trend": {"type": "string", "maxLength": 4000}, "leaders_on_site": {"type": "string", "maxLength": 1000},
        "requests": {"type": "string", "maxLength": 4000}, "contact": {"type": "string", "maxLength": 200},
        "other": {"type": "string", "maxLength": 4000},
    },
}
REPORT: dict[str, Any] = {
    "title": "InfoReport", "type": "object", "required": ["id", "incident_id", "kind", "number", "status"],
    "properties": {"id": {"type": "string"}, "incident_id": {"type": "string"}, "kind": {"enum": list(KINDS)},
                   "number": {"type": "integer"}, "status": {"enum": ["draft", "signed", "submitted", "discarded"]},
                   "content": {"type": "object"}, "changes": {"type": "string"},
                   "deadline": {"type": ["string", "null"]}, "on_time": {"type": ["boolean", "null"]},
                   "to_unit": {"type": ["string", "null"]}},
}
REPORT_LIST: dict[str, Any] = {"title": "InfoReportList", "type": "array", "items": REPORT}
REPORT_CREATE: dict[str, Any] = {
    "title": "InfoReportCreate", "type": "object", "additionalProperties": False, "required": ["kind"],
    "properties": {"kind": {"enum": list(KINDS)}, "content": CONTENT,
                   "changes": {"type": "string", "maxLength": 4000, "description": "续报: what changed"}},
    "examples": [{"kind": "initial", "content": {
        "scene": "滑坡体约 3000 立方米，掩埋民房一栋。", "measures": "区应急管理局、消防救援大队已赶赴现场搜救，"
        "周边 12 户 35 人已转移安置。", "trend": "降雨仍在持续，存在二次滑坡风险。",
        "contact": "区应急值班室 0797-8300110"}}],
}
REPORT_EDIT: dict[str, Any] = {
    "title": "InfoReportEdit", "type": "object", "additionalProperties": False, "minProperties": 1,
    "properties": {"content": CONTENT, "changes": {"type": "string", "maxLength": 4000}},
    "examples": [{"content": {"measures": "被困 2 人已救出送医。"}}],
}
TIMELINESS: dict[str, Any] = {"title": "ReportTimeliness", "type": "array", "items": {"type": "object"}}
RULES: dict[str, Any] = {"title": "ReportRules", "type": "array", "items": {"type": "object"}}
OWED: dict[str, Any] = {"title": "ReportsOwed", "type": "array", "items": {
    "type": "object", "required": ["incident", "kind", "number", "deadline"],
    "properties": {"incident": {"type": "object"}, "kind": {"enum": list(KINDS)}, "number": {"type": "integer"},
                   "deadline": {"type": "string"}, "rule": {"type": ["string", "null"]},
                   "source": {"type": ["string", "null"]}, "clock": {"type": ["string", "null"]}}}}
