"""The event document (CONTRACT.md) and the events listing."""

from __future__ import annotations

from typing import Any

EVENT: dict[str, Any] = {
    "title": "Event",
    "type": "object",
    "required": ["seq", "type", "ts", "subject", "actor", "units", "exercise", "data"],
    "properties": {
        "seq": {"type": "integer", "minimum": 1},
        "type": {"type": "string", "examples": ["incident.created"]},
        "ts": {"type": "string", "format": "date-time"},
        "subject": {"type": "object", "required": ["kind", "id"],
                    "properties": {"kind": {"type": "string"}, "id": {"type": "string"}}},
        "actor": {"type": ["object", "null"]},
        "units": {"type": "array", "items": {"type": "string"},
                  "description": "codes of the units that may see it: its scope and their ancestors"},
        "exercise": {"type": "boolean"},
        "data": {"type": "object"},
    },
}

EVENT_PAGE: dict[str, Any] = {
    "title": "EventPage",
    "type": "object",
    "required": ["events", "head"],
    "properties": {"events": {"type": "array", "items": EVENT}, "head": {"type": "integer", "minimum": 0}},
}
