"""JSON Schemas of posts, rosters, overrides and swaps."""

from __future__ import annotations

from datetime import date
from typing import Any


def _next_month_day(day: int) -> date:
    today = date.today()
    return date(today.year + (today.month == 12), today.month % 12 + 1, day)


# Examples fall on the 5th of next month, a day the demo roster always covers: on that day the
# demo rotation puts duty.360702 on the officer post (rotations start on the 1st).
_EX = _next_month_day(5)
_EX_MONTH = _EX.strftime("%Y-%m")
_EX_START = f"{_EX.isoformat()}T00:30:00Z"  # 08:30 in Asia/Shanghai: the start of the demo's 24 h shift
_EX_END = f"{_next_month_day(6).isoformat()}T00:30:00Z"
USERNAME = {"type": "string", "pattern": "^[a-zA-Z0-9][a-zA-Z0-9._-]{1,63}$"}

# Years 1000-2999: year 0 (and 9999-12, whose next month is year 10000) have no calendar.
MONTH = {"type": "string", "pattern": "^[12][0-9]{3}-(0[1-9]|1[0-2])$"}
DATE = {"type": "string", "format": "date"}
DATETIME = {"type": "string", "format": "date-time"}
POST_KEY = {"type": "string", "pattern": "^[a-z][a-z0-9_]{0,15}$"}
ID = {"type": "string", "minLength": 1, "maxLength": 32}

POST: dict[str, Any] = {
    "title": "DutyPost", "type": "object", "required": ["id", "unit", "key", "name"],
    "properties": {"id": ID, "unit": {"type": "string"}, "key": POST_KEY, "name": {"type": "string"},
                   "name_en": {"type": "string"}, "sort": {"type": "integer"}, "active": {"type": "boolean"}},
}
POST_LIST: dict[str, Any] = {"title": "DutyPostList", "type": "array", "items": POST}
POST_CREATE: dict[str, Any] = {
    "title": "DutyPostCreate", "type": "object", "additionalProperties": False,
    "required": ["unit", "key", "name"],
    "properties": {"unit": {"type": "string"}, "key": POST_KEY, "name": {"type": "string", "minLength": 1,
                                                                         "maxLength": 40},
                   "name_en": {"type": "string", "maxLength": 80}, "sort": {"type": "integer"}},
    "examples": [{"unit": "360702", "key": "media", "name": "舆情监测", "name_en": "Media monitoring", "sort": 9}],
}
POST_UPDATE: dict[str, Any] = {
    "title": "DutyPostUpdate", "type": "object", "additionalProperties": False, "minProperties": 1,
    "properties": {"name": {"type": "string", "minLength": 1, "maxLength": 40}, "name_en": {"type": "string"},
                   "sort": {"type": "integer"}, "active": {"type": "boolean"}},
    "examples": [{"name": "值班员（一）"}],
}

ROSTER: dict[str, Any] = {
    "title": "Roster", "type": "object", "required": ["id", "unit", "month", "status", "version"],
    "properties": {"id": ID, "unit": {"type": "string"}, "month": MONTH,
                   "status": {"enum": ["draft", "published", "superseded", "discarded"]},
                   "version": {"type": "integer"}, "tz": {"type": "string"}, "shifts": {"type": "array"},
                   "slots": {"type": "array"}, "check": {"type": "object"}},
}
ROSTER_LIST: dict[str, Any] = {"title": "RosterList", "type": "array", "items": ROSTER}
ROSTER_CREATE: dict[str, Any] = {
    "title": "RosterCreate", "type": "object", "additionalProperties": False,
    "required": ["unit", "month", "rotation"],
    "properties": {
        "unit": {"type": "string"}, "month": MONTH,
        "rotation": {"type": "object", "description": "post key → usernames taking its shifts in turn",
                     "additionalProperties": {"type": "array", "items": USERNAME, "minItems": 1, "maxItems": 60}},
        "start": {"type": "object", "additionalProperties": {"type": "integer", "minimum": 0},
                  "description": "post key → index in its rotation of the person taking the first shift"},
    },
    "examples": [{"unit": "360702", "month": _EX_MONTH, "rotation": {
        "leader": ["lead.360702", "lead2.360702", "lead3.360702", "lead4.360702"],
        "chief": ["chief.360702", "chief2.360702", "chief3.360702", "chief4.360702"],
        "officer": ["duty.360702", "duty3.360702", "duty5.360702", "duty7.360702"],
        "officer2": ["duty2.360702", "duty4.360702", "duty6.360702", "duty8.360702"]}}],
}
SLOT_UPDATE: dict[str, Any] = {
    "title": "RosterSlotUpdate", "type": "object", "additionalProperties": False,
    "required": ["post", "date", "shift", "user"],
    "properties": {"post": POST_KEY, "date": DATE, "shift": POST_KEY,
                   "user": {"anyOf": [USERNAME, {"type": "null"}], "description": "username; null leaves a gap"}},
    "examples": [{"post": "officer", "date": _EX.isoformat(), "shift": "day", "user": "duty3.360702"}],
}
PUBLISH: dict[str, Any] = {
    "title": "RosterPublish", "type": "object", "additionalProperties": False,
    "properties": {"accept_warnings": {"type": "boolean", "default": False,
                                       "description": "publish even with people over the hours limit"}},
    "examples": [{"accept_warnings": False}],
}

OVERRIDE: dict[str, Any] = {
    "title": "DutyOverride", "type": "object", "required": ["id", "unit", "post", "starts_at", "ends_at", "user_id"],
    "properties": {"id": ID, "unit": {"type": "string"}, "post": POST_KEY, "starts_at": DATETIME, "ends_at": DATETIME,
                   "user_id": ID, "reason": {"type": "string"}, "cancelled_at": {"type": ["string", "null"]}},
}
OVERRIDE_LIST: dict[str, Any] = {"title": "DutyOverrideList", "type": "array", "items": OVERRIDE}
OVERRIDE_CREATE: dict[str, Any] = {
    "title": "DutyOverrideCreate", "type": "object", "additionalProperties": False,
    "required": ["unit", "post", "starts_at", "ends_at", "user"],
    "properties": {"unit": {"type": "string"}, "post": POST_KEY, "starts_at": DATETIME, "ends_at": DATETIME,
                   "user": USERNAME, "reason": {"type": "string", "maxLength": 500}},
    "examples": [{"unit": "360702", "post": "officer", "starts_at": _EX_START,
                  "ends_at": f"{_EX.isoformat()}T06:00:00Z", "user": "duty3.360702",
                  "reason": "原值班员就医，临时替班"}],
}

SWAP: dict[str, Any] = {
    "title": "DutySwap", "type": "object", "required": ["id", "unit", "post", "status", "kind"],
    "properties": {"id": ID, "unit": {"type": "string"}, "post": POST_KEY, "starts_at": DATETIME,
                   "ends_at": DATETIME, "from_user_id": ID, "to_user_id": ID, "kind": {"enum": ["swap", "take"]},
                   "status": {"enum": ["requested", "approved", "rejected", "cancelled"]},
                   "reason": {"type": "string"}},
}
SWAP_LIST: dict[str, Any] = {"title": "DutySwapList", "type": "array", "items": SWAP}
SWAP_CREATE: dict[str, Any] = {
    "title": "DutySwapCreate", "type": "object", "additionalProperties": False,
    "required": ["unit", "post", "starts_at", "ends_at", "kind", "other_user"],
    "properties": {"unit": {"type": "string"}, "post": POST_KEY, "starts_at": DATETIME, "ends_at": DATETIME,
                   "kind": {"enum": ["swap", "take"], "description": "swap: ask other to take my shift; "
                                                                        "take: offer to take other's shift"},
                   "other_user": USERNAME, "reason": {"type": "string", "maxLength": 500}},
    "examples": [{"unit": "360702", "post": "officer", "starts_at": _EX_START, "ends_at": _EX_END,
                  "kind": "swap", "other_user": "duty3.360702", "reason": "家中有事，申请调班"}],
}
SWAP_DECIDE: dict[str, Any] = {
    "title": "DutySwapDecision", "type": "object", "additionalProperties": False, "required": ["action"],
    "properties": {"action": {"enum": ["approve", "reject", "cancel"]}},
    "examples": [{"action": "approve"}],
}

HOLDER: dict[str, Any] = {
    "type": "object", "required": ["post", "name", "holder", "source"],
    "properties": {"post": POST_KEY, "name": {"type": "string"}, "name_en": {"type": "string"},
                   "source": {"enum": ["roster", "override", "none"]}, "since": {"type": ["string", "null"]},
                   "until": {"type": ["string", "null"]},
                   "holder": {"type": ["object", "null"],
                              "properties": {"id": ID, "name": {"type": "string"}, "username": {"type": "string"},
                                             "phone": {"type": ["string", "null"]}}}},
}
DUTY_NOW: dict[str, Any] = {
    "title": "DutyNow", "type": "object", "required": ["at", "units"],
    "properties": {"at": DATETIME, "units": {"type": "array", "items": {
        "type": "object", "required": ["unit", "name", "posts"],
        "properties": {"unit": {"type": "string"}, "name": {"type": "string"}, "posts": {"type": "array",
                                                                                        "items": HOLDER}}}}},
}
