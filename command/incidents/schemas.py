"""JSON Schemas of incidents."""

from __future__ import annotations

from typing import Any

from command.incidents.models import ENTRY_KINDS, INCIDENT_TRANSITIONS, UNIT_ROLES
from command.schemas_common import CATEGORY, DATETIME, FACTS_SCHEMA, GRADE

INCIDENT: dict[str, Any] = {
    "title": "Incident", "type": "object",
    "required": ["id", "number", "title", "category", "unit", "status", "grade", "facts", "received_at"],
    "properties": {
        "id": {"type": "string"}, "number": {"type": "string"}, "title": {"type": "string"},
        "category": {"type": "string"}, "unit": {"type": "string"}, "status": {"type": "string"},
        "grade": {"anyOf": [GRADE, {"type": "null"}]}, "grade_suggested": {"anyOf": [GRADE, {"type": "null"}]},
        "facts": {"type": "object"}, "occurred_at": {"type": ["string", "null"]}, "received_at": {"type": "string"},
        "reported_at": {"type": ["string", "null"]}, "exercise": {"type": "boolean"},
        "units": {"type": "array"}, "next_report": {"type": ["object", "null"]}, "intakes": {"type": "array"},
    },
}
INCIDENT_LIST: dict[str, Any] = {"title": "IncidentList", "type": "array", "items": INCIDENT}
FACTS_UPDATE: dict[str, Any] = {
    "title": "IncidentFactsUpdate", "type": "object", "additionalProperties": False, "required": ["facts"],
    "properties": {"facts": FACTS_SCHEMA, "note": {"type": "string", "maxLength": 2000}},
    "examples": [{"facts": {"deaths": 1, "injured": 3, "trapped": 0}, "note": "22:10 现场指挥部通报"}],
}
GRADE_SET: dict[str, Any] = {
    "title": "IncidentGrade", "type": "object", "additionalProperties": False, "required": ["grade"],
    "properties": {"grade": {"anyOf": [GRADE, {"type": "null"}]},
                   "reason": {"type": "string", "maxLength": 2000,
                              "description": "required when the grade differs from the suggested one"}},
    "examples": [{"grade": "general", "reason": "按死亡人数初步定为一般事件"}],
}
STATUS_CHANGE: dict[str, Any] = {
    "title": "IncidentStatusChange", "type": "object", "additionalProperties": False, "required": ["action"],
    "properties": {"action": {"enum": sorted({a for _s, a in INCIDENT_TRANSITIONS})},
                   "reason": {"type": "string", "maxLength": 2000}},
    "examples": [{"action": "respond"}],
}
LEAD_SET: dict[str, Any] = {
    "title": "IncidentLead", "type": "object", "additionalProperties": False, "minProperties": 1,
    "properties": {"lead_leader": {"type": "string", "maxLength": 80}, "lead_unit": {"type": "string"},
                   "task_force": {"type": "array", "items": {"type": "string", "maxLength": 80}, "maxItems": 50}},
    "examples": [{"lead_leader": "区政府副区长 刘建华", "lead_unit": "360702",
                  "task_force": ["区应急管理局", "区自然资源局", "沙石镇政府"]}],
}
UNIT_ADD: dict[str, Any] = {
    "title": "IncidentUnitAdd", "type": "object", "additionalProperties": False, "required": ["unit", "role"],
    "properties": {"unit": {"type": "string"}, "role": {"enum": list(UNIT_ROLES)}},
    "examples": [{"unit": "360704", "role": "shared"}],
}
ENTRY_CREATE: dict[str, Any] = {
    "title": "TimelineEntryCreate", "type": "object", "additionalProperties": False, "required": ["kind", "text"],
    "properties": {"kind": {"enum": list(ENTRY_KINDS)}, "text": {"type": "string", "minLength": 1, "maxLength": 4000},
                   "at": DATETIME, "significant": {"type": "boolean"}},
    "examples": [{"kind": "situation", "text": "22:30 被困 2 人均已救出，送区人民医院救治，生命体征平稳。",
                  "significant": True}],
}
TIMELINE: dict[str, Any] = {"title": "IncidentTimeline", "type": "array", "items": {"type": "object"}}
ENTRY: dict[str, Any] = {"title": "TimelineEntry", "type": "object"}
CATEGORY_TREE: dict[str, Any] = {"title": "CategoryTree", "type": "array", "items": {
    "type": "object", "required": ["key", "name", "parent"],
    "properties": {"key": {"type": "string"}, "name": {"type": "string"}, "name_en": {"type": "string"},
                   "parent": {"type": ["string", "null"]}}}}

__all__ = ["CATEGORY"]
