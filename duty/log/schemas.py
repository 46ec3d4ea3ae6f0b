"""JSON Schemas of duty log entries."""

from __future__ import annotations

from typing import Any

from duty.log.models import LOG_KINDS

ENTRY: dict[str, Any] = {
    "title": "DutyLogEntry", "type": "object", "required": ["id", "unit", "duty_date", "at", "kind", "summary"],
    "properties": {"id": {"type": "string"}, "unit": {"type": "string"}, "duty_date": {"type": "string"},
                   "at": {"type": "string"}, "kind": {"enum": list(LOG_KINDS)}, "counterpart": {"type": "string"},
                   "summary": {"type": "string"}, "corrects": {"type": ["string", "null"]},
                   "author": {"type": "object"}, "created_at": {"type": "string"}},
}
ENTRY_LIST: dict[str, Any] = {"title": "DutyLogEntryList", "type": "array", "items": ENTRY}
ENTRY_CREATE: dict[str, Any] = {
    "title": "DutyLogEntryCreate", "type": "object", "additionalProperties": False,
    "required": ["kind", "summary"],
    "properties": {
        "unit": {"type": "string", "description": "default: the caller's unit"},
        "kind": {"enum": list(LOG_KINDS)},
        "at": {"type": "string", "format": "date-time", "description": "when it happened; default now"},
        "counterpart": {"type": "string", "maxLength": 200},
        "summary": {"type": "string", "minLength": 1, "maxLength": 4000},
        "corrects": {"type": "string", "description": "the id of the entry this one corrects"},
    },
    "examples": [{"kind": "call_in", "counterpart": "赣州市应急管理局 刘海燕 0797-8200110",
                  "summary": "市局电话了解章贡区今日降雨及城区内涝情况，已如实报告，无险情。"}],
}
