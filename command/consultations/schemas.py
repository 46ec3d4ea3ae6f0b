"""JSON Schemas of consultations."""

from __future__ import annotations

from typing import Any

from command.consultations.models import KINDS, STATUS_LABELS
from command.schemas_common import DATETIME
from command.tasks.models import PRIORITIES

CONVENE: dict[str, Any] = {
    "title": "ConsultationConvene", "type": "object", "additionalProperties": False,
    "required": ["title", "kind", "starts_at"],
    "properties": {
        "title": {"type": "string", "minLength": 1, "maxLength": 200},
        "kind": {"enum": list(KINDS)}, "starts_at": DATETIME,
        "agenda": {"type": "string", "maxLength": 8000}, "place": {"type": "string", "maxLength": 200},
        "incident_id": {"type": "string", "maxLength": 32},
        "exercise": {"type": "boolean", "default": False,
                     "description": "a drill (演练); on an incident, the incident decides"},
        "units": {"type": "array", "items": {"type": "string", "maxLength": 32}, "maxItems": 60, "default": []},
        "experts": {"type": "array", "maxItems": 30, "default": [], "items": {
            "type": "object", "additionalProperties": False, "required": ["name"],
            "properties": {"name": {"type": "string", "minLength": 1, "maxLength": 120},
                           "field": {"type": "string", "maxLength": 120}}}},
    },
    "examples": [{"title": "沙石镇山洪灾害处置会商", "kind": "risk", "starts_at": "2026-06-18T02:00:00Z",
                  "agenda": "研判未来 24 小时降雨趋势和山洪风险，部署人员转移。", "place": "区应急指挥中心（视频会商）",
                  "units": ["360702-T01", "360702-T02"],
                  "experts": [{"name": "刘德明", "field": "水文气象"}]}],
}
ACTION: dict[str, Any] = {
    "title": "ConsultationAction", "type": "object", "additionalProperties": False, "required": ["action"],
    "properties": {"action": {"enum": ["open", "close", "cancel"]},
                   "minutes": {"type": "string", "maxLength": 40000, "description": "close: the minutes (会议纪要)"}},
    "examples": [{"action": "open"}],
}
ATTEND: dict[str, Any] = {
    "title": "ConsultationAttend", "type": "object", "additionalProperties": False,
    "properties": {"invitee_id": {"type": "string", "maxLength": 32, "description": "the convenor records an expert"},
                   "attendee": {"type": "string", "maxLength": 120}},
    "examples": [{"attendee": "区应急管理局 陈志强"}],
}
ENTRY: dict[str, Any] = {
    "title": "ConsultationEntry", "type": "object", "additionalProperties": False, "required": ["kind", "text"],
    "properties": {
        "kind": {"enum": ["opinion", "decision"]}, "text": {"type": "string", "minLength": 1, "maxLength": 8000},
        "speaker": {"type": "string", "maxLength": 120, "description": "the convenor records an expert's words"},
        "task": {"type": "object", "additionalProperties": False, "required": ["unit"],
                 "description": "a decision: dispatch it as a task in the same step",
                 "properties": {"unit": {"type": "string", "maxLength": 32},
                                "title": {"type": "string", "minLength": 1, "maxLength": 200},
                                "priority": {"enum": list(PRIORITIES)}, "due_at": DATETIME,
                                "ack_minutes": {"type": "integer", "minimum": 1, "maximum": 1440}}},
    },
    "examples": [{"kind": "opinion", "text": "未来 6 小时仍有强降雨，建议立即转移沿河低洼处群众。"}],
}
CONSULTATION: dict[str, Any] = {
    "title": "Consultation", "type": "object", "required": ["id", "title", "status"],
    "properties": {"id": {"type": "string"}, "title": {"type": "string"}, "status": {"enum": list(STATUS_LABELS)},
                   "invitees": {"type": "array", "items": {"type": "object"}},
                   "entries": {"type": "array", "items": {"type": "object"}}},
}
CONSULTATION_LIST: dict[str, Any] = {"title": "ConsultationList", "type": "array", "items": CONSULTATION}
