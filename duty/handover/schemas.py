"""JSON Schemas of handovers."""

from __future__ import annotations

from typing import Any

ITEM: dict[str, Any] = {
    "title": "HandoverItem", "type": "object", "required": ["id", "source", "title", "accepted"],
    "properties": {"id": {"type": "string"}, "source": {"type": "string"}, "ref": {"type": ["string", "null"]},
                   "title": {"type": "string"}, "detail": {"type": "string"}, "due_at": {"type": ["string", "null"]},
                   "accepted": {"type": "boolean"}, "accepted_at": {"type": ["string", "null"]},
                   "remark": {"type": "string"}},
}
HANDOVER: dict[str, Any] = {
    "title": "Handover", "type": "object", "required": ["id", "unit", "post", "status"],
    "properties": {"id": {"type": "string"}, "unit": {"type": "string"}, "post": {"type": "string"},
                   "status": {"enum": ["draft", "submitted", "accepted"]}, "notes": {"type": "string"},
                   "from_user": {"type": "object"}, "to_user": {"type": ["object", "null"]},
                   "shift_ends_at": {"type": ["string", "null"]}, "items": {"type": "array", "items": ITEM}},
}
HANDOVER_LIST: dict[str, Any] = {"title": "HandoverList", "type": "array", "items": HANDOVER}
HANDOVER_CREATE: dict[str, Any] = {
    "title": "HandoverCreate", "type": "object", "additionalProperties": False,
    "properties": {
        "unit": {"type": "string", "description": "default: the caller's unit"},
        "post": {"type": "string", "description": "default: the post the caller holds now"},
        "notes": {"type": "string", "maxLength": 4000},
        "items": {"type": "array", "items": {"type": "string", "minLength": 1, "maxLength": 300}, "maxItems": 50},
    },
    "examples": [{"post": "officer", "notes": "夜间降雨持续，各乡镇值班电话已逐一核实。",
                  "items": ["沙石镇垮塌民房转移群众安置情况待跟进", "市局通知要求 17:00 前报送防汛物资清单"]}],
}
ITEM_CREATE: dict[str, Any] = {
    "title": "HandoverItemCreate", "type": "object", "additionalProperties": False, "required": ["title"],
    "properties": {"title": {"type": "string", "minLength": 1, "maxLength": 300},
                   "detail": {"type": "string", "maxLength": 4000}},
    "examples": [{"title": "水南镇山塘水位需每两小时查询一次", "detail": "联系人：镇值班室 0797-8311001"}],
}
SUBMIT: dict[str, Any] = {
    "title": "HandoverSubmit", "type": "object", "additionalProperties": False,
    "properties": {"notes": {"type": "string", "maxLength": 4000}},
    "examples": [{"notes": "交班时各项工作正常。"}],
}
ACCEPT: dict[str, Any] = {
    "title": "HandoverAccept", "type": "object", "additionalProperties": False,
    "properties": {"remark": {"type": "string", "maxLength": 1000}},
    "examples": [{"remark": "已接收"}],
}
