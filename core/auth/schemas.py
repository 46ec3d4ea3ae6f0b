"""JSON Schemas of user and token documents."""

from __future__ import annotations

from typing import Any

from core.auth.permissions import ROLES
from core.auth.scopes import SCOPES

SCOPE_LIST = {"type": "array", "items": {"enum": list(SCOPES)}, "uniqueItems": True, "minItems": 1}

USERNAME = {"type": "string", "pattern": "^[a-zA-Z0-9][a-zA-Z0-9._-]{1,63}$"}
ROLE_LIST = {"type": "array", "items": {"enum": list(ROLES)}, "uniqueItems": True}

USER: dict[str, Any] = {
    "title": "User",
    "type": "object",
    "required": ["id", "username", "name", "unit", "roles", "active"],
    "properties": {
        "id": {"type": "string"}, "username": USERNAME, "name": {"type": "string"}, "unit": {"type": "string"},
        "roles": ROLE_LIST, "phone": {"type": ["string", "null"]}, "lang": {"enum": ["zh", "en"]},
        "active": {"type": "boolean"}, "created_at": {"type": "string", "format": "date-time"},
    },
}
USER_LIST: dict[str, Any] = {"title": "UserList", "type": "array", "items": USER}

USER_CREATE: dict[str, Any] = {
    "title": "UserCreate",
    "type": "object",
    "additionalProperties": False,
    "required": ["username", "name", "unit", "roles", "password"],
    "properties": {
        "username": USERNAME,
        "name": {"type": "string", "minLength": 1, "maxLength": 80},
        "unit": {"type": "string"},
        "roles": ROLE_LIST,
        "password": {"type": "string", "minLength": 8, "maxLength": 200},
        "phone": {"type": "string", "maxLength": 40},
        "lang": {"enum": ["zh", "en"]},
    },
    "examples": [{"username": "liuxy.360702", "name": "刘晓燕", "unit": "360702", "roles": ["duty_officer"],
                  "password": "Zhiban-2026!", "phone": "13907970001"}],
}

USER_UPDATE: dict[str, Any] = {
    "title": "UserUpdate",
    "type": "object",
    "additionalProperties": False,
    "minProperties": 1,
    "properties": {
        "name": {"type": "string", "minLength": 1, "maxLength": 80},
        "unit": {"type": "string"},
        "roles": ROLE_LIST,
        "phone": {"type": ["string", "null"], "maxLength": 40},
        "lang": {"enum": ["zh", "en"]},
        "active": {"type": "boolean"},
    },
    "examples": [{"phone": "13907970002"}],
}

PASSWORD_CHANGE: dict[str, Any] = {
    "title": "PasswordChange",
    "type": "object",
    "additionalProperties": False,
    "required": ["password"],
    "properties": {
        "password": {"type": "string", "minLength": 8, "maxLength": 200},
        "current_password": {"type": "string", "maxLength": 200},
    },
    "examples": [{"current_password": "demo-2026", "password": "Zhiban-2026!"}],
}

TOKEN: dict[str, Any] = {
    "title": "ApiToken",
    "type": "object",
    "required": ["id", "label", "created_at"],
    "properties": {
        "id": {"type": "string"}, "user_id": {"type": "string"}, "label": {"type": "string"},
        "kind": {"enum": ["api", "display"]}, "scopes": {"type": "array", "items": {"enum": list(SCOPES)}},
        "created_at": {"type": "string"}, "expires_at": {"type": ["string", "null"]},
        "last_used_at": {"type": ["string", "null"]}, "revoked_at": {"type": ["string", "null"]},
        "token": {"type": ["string", "null"],
                  "description": "the bearer token; shown once, at creation (null on an Idempotency-Key replay)"},
        "unit": {"type": "string", "description": "displays: the hall (unit) shown"},
        "exchanged": {"type": "boolean", "description": "displays: the one-time key has been traded for a cookie"},
        "key": {"type": ["string", "null"],
                "description": "displays: the one-time key, shown once; open /hall/connect#KEY on the wall"},
    },
}
TOKEN_LIST: dict[str, Any] = {"title": "ApiTokenList", "type": "array", "items": TOKEN}

TOKEN_CREATE: dict[str, Any] = {
    "title": "TokenCreate",
    "type": "object",
    "additionalProperties": False,
    "required": ["label"],
    "properties": {"label": {"type": "string", "minLength": 1, "maxLength": 120},
                   "scopes": {**SCOPE_LIST, "description": "default: every scope within reach"},
                   "expires_in_days": {"type": "integer", "minimum": 1, "maximum": 366, "default": 90}},
    "examples": [{"label": "县级终端 平板 01"}, {"label": "防汛监测 只读", "scopes": ["read"], "expires_in_days": 30}],
}

DISPLAY_CREATE: dict[str, Any] = {
    "title": "DisplayCreate",
    "type": "object",
    "additionalProperties": False,
    "required": ["unit", "label"],
    "properties": {"unit": {"type": "string", "minLength": 1, "maxLength": 32},
                   "label": {"type": "string", "minLength": 1, "maxLength": 120}},
    "examples": [{"unit": "360702", "label": "章贡区指挥大厅 主屏"}],
}

DISPLAY_EXCHANGE: dict[str, Any] = {
    "title": "DisplayExchange",
    "type": "object",
    "additionalProperties": False,
    "required": ["key"],
    "properties": {"key": {"type": "string", "minLength": 1, "maxLength": 200}},
}

SESSION: dict[str, Any] = {
    "title": "Session",
    "type": "object",
    "required": ["id", "user_id", "created_at", "last_seen_at", "current"],
    "properties": {
        "id": {"type": "string"}, "user_id": {"type": "string"},
        "device": {"type": "string", "description": "the browser's User-Agent at sign-in"},
        "ip": {"type": "string", "description": "the client address at sign-in"},
        "created_at": {"type": "string", "format": "date-time"},
        "last_seen_at": {"type": "string", "format": "date-time"},
        "expires_at": {"type": "string", "format": "date-time"},
        "revoked_at": {"type": ["string", "null"]}, "revoked_reason": {"type": ["string", "null"]},
        "current": {"type": "boolean", "description": "the session making this request"},
    },
}
SESSION_LIST: dict[str, Any] = {"title": "SessionList", "type": "array", "items": SESSION}
SESSIONS_ENDED: dict[str, Any] = {
    "title": "SessionsEnded",
    "type": "object",
    "required": ["ended"],
    "properties": {"ended": {"type": "array", "items": {"type": "string"}}},
}

ME: dict[str, Any] = {
    "title": "Me",
    "type": "object",
    "required": ["id", "username", "unit", "roles"],
    "properties": {"id": {"type": "string"}, "username": {"type": "string"}, "name": {"type": "string"},
                   "unit": {"type": "string"}, "roles": ROLE_LIST, "lang": {"type": "string"},
                   "unit_name": {"type": "string"}, "tz": {"type": "string"}},
}
