"""JSON Schemas of roll-calls."""

from __future__ import annotations

from typing import Any

from duty.rollcall.models import MODES

TARGET: dict[str, Any] = {
    "type": "object", "required": ["unit", "status"],
    "properties": {"unit": {"type": "string"}, "status": {"enum": ["pending", "answered", "missed", "cancelled"]},
                   "answered_at": {"type": ["string", "null"]}, "latency_ms": {"type": ["integer", "null"]},
                   "answered_by_name": {"type": ["string", "null"]}, "on_duty_post": {"type": ["string", "null"]}},
}
ROLLCALL: dict[str, Any] = {
    "title": "RollCall", "type": "object", "required": ["id", "caller_unit", "status", "deadline"],
    "properties": {"id": {"type": "string"}, "caller_unit": {"type": "string"}, "mode": {"enum": list(MODES)},
                   "message": {"type": "string"}, "window_s": {"type": "integer"}, "started_at": {"type": "string"},
                   "deadline": {"type": "string"}, "status": {"enum": ["open", "closed", "cancelled"]},
                   "targets": {"type": "array", "items": TARGET}},
}
ROLLCALL_LIST: dict[str, Any] = {"title": "RollCallList", "type": "array", "items": ROLLCALL}
ROLLCALL_CREATE: dict[str, Any] = {
    "title": "RollCallCreate", "type": "object", "additionalProperties": False,
    "properties": {
        "units": {"type": "array", "items": {"type": "string"}, "minItems": 1, "uniqueItems": True,
                  "description": "subordinate duty rooms to call; omit for all of them"},
        "mode": {"enum": list(MODES), "default": "platform"},
        "window_s": {"type": "integer", "minimum": 10, "maximum": 3600,
                     "description": "answer window; default from the unit's duty rules"},
        "message": {"type": "string", "maxLength": 500},
    },
    "examples": [{"mode": "platform", "message": "夜间查岗，请在岗值班人员点击应答。"}],
}
TARGET_DOC: dict[str, Any] = {"title": "RollCallAnswer", **TARGET}
STATS: dict[str, Any] = {
    "title": "RollCallStatistics", "type": "array", "items": {
        "type": "object", "required": ["unit", "calls", "answered", "missed"],
        "properties": {"unit": {"type": "string"}, "name": {"type": "string"}, "calls": {"type": "integer"},
                       "answered": {"type": "integer"}, "missed": {"type": "integer"},
                       "answer_rate": {"type": ["number", "null"]},
                       "mean_latency_ms": {"type": ["integer", "null"]},
                       "max_latency_ms": {"type": ["integer", "null"]}}}}
