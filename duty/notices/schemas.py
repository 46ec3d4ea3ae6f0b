"""JSON Schemas of notices."""

from __future__ import annotations

from typing import Any

from duty.notices.models import URGENCY

RECIPIENT: dict[str, Any] = {
    "type": "object", "required": ["unit", "status"],
    "properties": {"unit": {"type": "string"}, "status": {"enum": ["pending", "signed", "replied", "withdrawn"]},
                   "signed_at": {"type": ["string", "null"]}, "signed_by_name": {"type": ["string", "null"]},
                   "reply": {"type": ["string", "null"]}, "replied_at": {"type": ["string", "null"]}},
}
NOTICE: dict[str, Any] = {
    "title": "Notice", "type": "object", "required": ["id", "from_unit", "title", "urgency", "signfor_deadline"],
    "properties": {"id": {"type": "string"}, "from_unit": {"type": "string"}, "title": {"type": "string"},
                   "body": {"type": "string"}, "urgency": {"enum": list(URGENCY)},
                   "reply_required": {"type": "boolean"}, "signfor_deadline": {"type": "string"},
                   "attachments": {"type": "array", "items": {"type": "object"}},
                   "created_by_name": {"type": "string"}, "created_at": {"type": "string"},
                   "recipients": {"type": "array", "items": RECIPIENT}, "mine": RECIPIENT},
}
NOTICE_LIST: dict[str, Any] = {"title": "NoticeList", "type": "array", "items": NOTICE}
NOTICE_CREATE: dict[str, Any] = {
    "title": "NoticeCreate", "type": "object", "additionalProperties": False, "required": ["title", "body"],
    "properties": {
        "title": {"type": "string", "minLength": 1, "maxLength": 200},
        "body": {"type": "string", "minLength": 1, "maxLength": 20000},
        "urgency": {"enum": list(URGENCY), "default": "normal"},
        "units": {"type": "array", "items": {"type": "string"}, "minItems": 1, "uniqueItems": True,
                  "description": "units addressed; omit for every subordinate duty room"},
        "reply_required": {"type": "boolean", "default": False},
        "signfor_minutes": {"type": "integer", "minimum": 1, "maximum": 10080},
        "attachments": {"type": "array", "items": {"type": "string"}, "maxItems": 20, "uniqueItems": True,
                        "description": "ids of files uploaded with POST /api/v1/attachments"},
    },
    "examples": [{"title": "关于做好今明两天强降雨防范应对工作的通知", "urgency": "urgent",
                  "body": "据气象部门预报，今明两天我区将出现强降雨过程。请各单位加强值班值守，落实带班领导在岗，"
                          "发现险情第一时间报告。", "reply_required": True, "signfor_minutes": 30,
                  "units": ["360702-T01"]}],
}
REPLY: dict[str, Any] = {
    "title": "NoticeReply", "type": "object", "additionalProperties": False, "required": ["text"],
    "properties": {"text": {"type": "string", "minLength": 1, "maxLength": 4000}},
    "examples": [{"text": "已收悉，已传达至各乡镇并落实 24 小时值班。"}],
}
RECIPIENT_DOC: dict[str, Any] = {"title": "NoticeRecipient", **RECIPIENT}
