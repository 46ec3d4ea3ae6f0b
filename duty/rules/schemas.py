"""JSON Schemas of duty rules."""

from __future__ import annotations

from typing import Any

HHMM = {"type": "string", "pattern": "^([01][0-9]|2[0-3]):[0-5][0-9]$"}

SHIFT: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["key", "start", "hours"],
    "properties": {
        "key": {"type": "string", "pattern": "^[a-z][a-z0-9_]{0,15}$"},
        "start": HHMM,
        "hours": {"type": "integer", "minimum": 1, "maximum": 24},
        "name": {"type": "string", "maxLength": 40},
    },
}

RULE_VALUES: dict[str, Any] = {
    "shifts": {"type": "array", "minItems": 1, "maxItems": 4, "items": SHIFT},
    "rollcall_window_s": {"type": "integer", "minimum": 10, "maximum": 3600},
    "rollcall_phone_window_s": {"type": "integer", "minimum": 10, "maximum": 3600},
    "daily_report_deadline": HHMM,
    "daily_report_required": {"type": "boolean"},
    "handover_grace_min": {"type": "integer", "minimum": 1, "maximum": 720},
    "notice_signfor_min": {"type": "integer", "minimum": 1, "maximum": 10080},
    "hours_limit_month": {"type": "integer", "minimum": 24, "maximum": 744},
    "task_remind_before_min": {"type": "integer", "minimum": 1, "maximum": 1440},
    "task_escalate_after_min": {"type": "integer", "minimum": 1, "maximum": 1440},
    "warning_signfor_min": {"type": "object", "additionalProperties": False, "minProperties": 1,
                            "propertyNames": {"enum": ["red", "orange", "yellow", "blue"]},
                            "patternProperties": {"": {"type": "integer", "minimum": 1, "maximum": 1440}}},
    "warning_report_min": {"type": "object", "additionalProperties": False, "minProperties": 1,
                           "propertyNames": {"enum": ["red", "orange", "yellow", "blue"]},
                           "patternProperties": {"": {"type": "integer", "minimum": 1, "maximum": 10080}}},
    "warning_remind_before_min": {"type": "integer", "minimum": 1, "maximum": 1440},
    "warning_escalate_after_min": {"type": "integer", "minimum": 1, "maximum": 1440},
}

RULES_UPDATE: dict[str, Any] = {
    "title": "DutyRulesUpdate",
    "type": "object",
    "additionalProperties": False,
    "minProperties": 1,
    "properties": {k: {"anyOf": [v, {"type": "null"}]} for k, v in RULE_VALUES.items()},
    "description": "a null value removes the unit's own setting, so it inherits again",
    "examples": [{"daily_report_deadline": "16:30", "rollcall_window_s": 300}],
}

RULES: dict[str, Any] = {
    "title": "DutyRulesView",
    "type": "object",
    "required": ["unit", "rules"],
    "properties": {
        "unit": {"type": "string"},
        "rules": {"type": "array", "items": {
            "type": "object", "required": ["key", "value", "from", "source"],
            "properties": {"key": {"type": "string"}, "value": {}, "from": {"type": "string"},
                           "source": {"type": "string"}, "label": {"type": "string"},
                           "label_en": {"type": "string"}}}},
    },
}
