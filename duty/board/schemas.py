"""JSON Schema of the duty board."""

from __future__ import annotations

from typing import Any

BOARD: dict[str, Any] = {
    "title": "DutyBoard", "type": "array", "items": {
        "type": "object", "required": ["unit", "name", "duty", "daily_report", "online"],
        "properties": {"unit": {"type": "string"}, "name": {"type": "string"}, "phone": {"type": ["string", "null"]},
                       "duty": {"type": "array"}, "last_rollcall": {"type": ["object", "null"]},
                       "daily_report": {"type": "object"}, "online": {"type": "boolean"}}}}
