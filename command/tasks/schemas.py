"""JSON Schemas of tasks and their feedback."""

from __future__ import annotations

from typing import Any

from command.schemas_common import DATETIME, FACTS_SCHEMA
from command.tasks.models import PRIORITIES, STATUS_LABELS

ATTACHMENT_IDS: dict[str, Any] = {"type": "array", "items": {"type": "string", "maxLength": 32}, "maxItems": 10,
                                  "description": "ids from POST /api/v1/attachments"}
TASK_CREATE: dict[str, Any] = {
    "title": "TaskCreate", "type": "object", "additionalProperties": False, "required": ["unit", "title"],
    "properties": {
        "unit": {"type": "string", "minLength": 1, "maxLength": 32, "description": "the unit it is addressed to"},
        "title": {"type": "string", "minLength": 1, "maxLength": 200},
        "instructions": {"type": "string", "maxLength": 8000},
        "priority": {"enum": list(PRIORITIES), "default": "high"},
        "incident_id": {"type": "string", "maxLength": 32},
        "exercise": {"type": "boolean", "default": False,
                     "description": "a drill task (演练); with an incident, the incident decides"},
        "ack_minutes": {"type": "integer", "minimum": 1, "maximum": 1440, "default": 30},
        "due_at": DATETIME, "address": {"type": "string", "maxLength": 300},
        "lat": {"type": "number", "minimum": -90, "maximum": 90},
        "lon": {"type": "number", "minimum": -180, "maximum": 180},
        "attachments": ATTACHMENT_IDS,
        "confirm_duplicate": {"type": "boolean", "default": False,
                              "description": "send even though the same task went to the same unit moments ago "
                                             "(otherwise 409 /problems/duplicate-dispatch)"},
    },
    "examples": [{"unit": "360702", "title": "核查沙河镇低洼村庄人员转移情况",
                  "instructions": "逐户核查转移到位情况，重点关注独居老人，2 小时内反馈。", "priority": "urgent",
                  "ack_minutes": 15}],
}
FEEDBACK: dict[str, Any] = {
    "title": "TaskFeedback", "type": "object", "additionalProperties": False, "required": ["text"],
    "properties": {"text": {"type": "string", "minLength": 1, "maxLength": 8000},
                   "progress": {"type": "integer", "minimum": 0, "maximum": 100},
                   "facts": FACTS_SCHEMA, "lat": {"type": "number", "minimum": -90, "maximum": 90},
                   "lon": {"type": "number", "minimum": -180, "maximum": 180}, "attachments": ATTACHMENT_IDS},
    "examples": [{"text": "已转移低洼地带群众 126 人，安置在区第一中学避难场所。", "progress": 60,
                  "facts": {"evacuated": 126}}],
}
COMPLETE: dict[str, Any] = {**FEEDBACK, "title": "TaskComplete",
                            "examples": [{"text": "转移工作全部完成，共转移 312 人，无人员伤亡。"}]}
REASON: dict[str, Any] = {
    "title": "TaskReason", "type": "object", "additionalProperties": False, "required": ["reason"],
    "properties": {"reason": {"type": "string", "minLength": 1, "maxLength": 2000}},
    "examples": [{"reason": "反馈未说明独居老人核查情况，请补充。"}],
}
FACTS_DECISION: dict[str, Any] = {
    "title": "TaskFactsDecision", "type": "object", "additionalProperties": False, "required": ["accept"],
    "properties": {"accept": {"type": "boolean"}}, "examples": [{"accept": True}],
}
TASK: dict[str, Any] = {
    "title": "Task", "type": "object", "required": ["id", "unit", "title", "status"],
    "properties": {"id": {"type": "string"}, "unit": {"type": "string"}, "title": {"type": "string"},
                   "status": {"enum": list(STATUS_LABELS)}, "priority": {"enum": list(PRIORITIES)},
                   "incident_id": {"type": ["string", "null"]}, "due_at": {"type": ["string", "null"]},
                   "ack_due_at": {"type": ["string", "null"]},
                   "feedback": {"type": "array", "items": {"type": "object"}}},
}
TASK_LIST: dict[str, Any] = {"title": "TaskList", "type": "array", "items": TASK}
FEEDBACK_DOC: dict[str, Any] = {"title": "TaskFeedbackEntry", "type": "object", "required": ["id", "task_id"]}
REDISPATCH: dict[str, Any] = {
    "title": "TaskRedispatch", "type": "object", "additionalProperties": False, "required": ["unit"],
    "properties": {"unit": {"type": "string", "minLength": 1, "maxLength": 32,
                            "description": "one of my own units or teams"},
                   "title": {"type": "string", "minLength": 1, "maxLength": 200},
                   "instructions": {"type": "string", "maxLength": 8000},
                   "ack_minutes": {"type": "integer", "minimum": 1, "maximum": 1440, "default": 30},
                   "due_at": DATETIME},
    "examples": [{"unit": "360702-T01", "instructions": "由综合应急救援大队负责沙石镇埠头村片区，逐户核查。",
                  "ack_minutes": 10}],
}
STATS: dict[str, Any] = {"title": "TaskStats", "type": "array", "items": {"type": "object", "required": ["unit"]}}
