"""JSON Schemas of daily and zero reports."""

from __future__ import annotations

from typing import Any

CONTENT: dict[str, Any] = {
    "type": "object", "additionalProperties": False,
    "properties": {
        "summary": {"type": "string", "maxLength": 4000, "description": "今日值班总体情况"},
        "calls_received": {"type": "integer", "minimum": 0},
        "incidents": {"type": "integer", "minimum": 0, "description": "接报突发事件起数"},
        "notable": {"type": "string", "maxLength": 4000, "description": "重要情况及处置"},
        "instructions": {"type": "string", "maxLength": 4000, "description": "上级指示批示落实情况"},
        "leader_on_duty": {"type": "string", "maxLength": 80},
        "officers_on_duty": {"type": "string", "maxLength": 200},
    },
}
REPORT: dict[str, Any] = {
    "title": "DailyReport", "type": "object", "required": ["id", "unit", "date", "kind", "filed_at", "late"],
    "properties": {"id": {"type": "string"}, "unit": {"type": "string"}, "date": {"type": "string"},
                   "kind": {"enum": ["daily", "zero"]}, "content": CONTENT, "filed_by_name": {"type": "string"},
                   "filed_at": {"type": "string"}, "deadline": {"type": "string"}, "late": {"type": "boolean"}},
}
REPORT_CREATE: dict[str, Any] = {
    "title": "DailyReportCreate", "type": "object", "additionalProperties": False, "required": ["kind"],
    "properties": {
        "unit": {"type": "string", "description": "default: the caller's unit"},
        "date": {"type": "string", "format": "date", "description": "default: today in the unit's zone"},
        "kind": {"enum": ["daily", "zero"], "description": "zero: nothing to report (零报告)"},
        "content": CONTENT,
    },
    "examples": [{"kind": "daily", "content": {
        "summary": "值班秩序正常，带班领导和值班人员均在岗在位。", "calls_received": 6, "incidents": 1,
        "notable": "10:20 接报沙石镇一处民房局部垮塌，无人员伤亡，已转移 3 户 9 人。",
        "instructions": "市局关于强降雨防范的通知已传达至各乡镇。"}}],
}
STATUS: dict[str, Any] = {
    "title": "DailyReportStatus", "type": "array", "items": {
        "type": "object", "required": ["unit", "state", "deadline"],
        "properties": {"unit": {"type": "string"}, "name": {"type": "string"},
                       "state": {"enum": ["filed", "overdue", "pending"]}, "deadline": {"type": "string"},
                       "report": {"anyOf": [REPORT, {"type": "null"}]}}}}
TODAY: dict[str, Any] = {
    "title": "DailyReportToday", "type": "object", "required": ["unit", "date", "deadline", "required", "report"],
    "properties": {"unit": {"type": "string"}, "date": {"type": "string"}, "deadline": {"type": "string"},
                   "required": {"type": "boolean"}, "report": {"anyOf": [REPORT, {"type": "null"}]}},
}
