"""JSON Schemas of intakes."""

from __future__ import annotations

from typing import Any

from command.intake.models import SOURCES
from command.schemas_common import CATEGORY, DATETIME, FACTS_SCHEMA

INTAKE: dict[str, Any] = {
    "title": "Intake", "type": "object",
    "required": ["id", "unit", "source", "title", "category", "location_unit", "received_at", "status"],
    "properties": {
        "id": {"type": "string"}, "unit": {"type": "string"}, "source": {"enum": list(SOURCES)},
        "caller": {"type": "string"}, "callback": {"type": "string"}, "title": {"type": "string"},
        "description": {"type": "string"}, "category": {"type": "string"}, "location_unit": {"type": "string"},
        "address": {"type": "string"}, "lat": {"type": ["number", "null"]}, "lon": {"type": ["number", "null"]},
        "occurred_at": {"type": ["string", "null"]}, "received_at": {"type": "string"}, "facts": {"type": "object"},
        "status": {"enum": ["pending", "verifying", "verified", "rejected", "duplicate"]},
        "lease": {"type": ["object", "null"]}, "incident_id": {"type": ["string", "null"]},
        "exercise": {"type": "boolean"},
    },
}
INTAKE_LIST: dict[str, Any] = {"title": "IntakeList", "type": "array", "items": INTAKE}
INTAKE_CREATE: dict[str, Any] = {
    "title": "IntakeCreate", "type": "object", "additionalProperties": False,
    "required": ["source", "title", "category"],
    "properties": {
        "unit": {"type": "string", "description": "the receiving duty room; default the caller's unit"},
        "source": {"enum": list(SOURCES)},
        "caller": {"type": "string", "maxLength": 120},
        "callback": {"type": "string", "maxLength": 40, "description": "callback number"},
        "title": {"type": "string", "minLength": 2, "maxLength": 200},
        "description": {"type": "string", "maxLength": 8000},
        "category": CATEGORY,
        "location_unit": {"type": "string", "description": "GB/T 2260 code of where it happened; default unit"},
        "address": {"type": "string", "maxLength": 300},
        "lat": {"type": "number", "minimum": -90, "maximum": 90},
        "lon": {"type": "number", "minimum": -180, "maximum": 180},
        "occurred_at": {**DATETIME, "description": "事发: when it happened"},
        "received_at": {**DATETIME, "description": "接报: when the report came in; default now"},
        "facts": FACTS_SCHEMA,
        "exercise": {"type": "boolean", "default": False, "description": "a drill: never mixes with real data"},
        "external_ref": {"type": "string", "maxLength": 120, "description": "the sending system's id"},
    },
    "examples": [{
        "source": "phone", "caller": "沙石镇应急办 王建华", "callback": "13907971234",
        "title": "沙石镇埠头村山体滑坡，一民房被埋", "category": "natural.geological.landslide",
        "description": "持续强降雨引发山体滑坡，埠头村一栋两层民房被埋，疑有 2 人被困，村干部已组织周边群众撤离。",
        "location_unit": "360702", "address": "章贡区沙石镇埠头村 3 组", "lat": 25.79, "lon": 114.86,
        "occurred_at": "2026-11-23T20:40:00+08:00", "facts": {"trapped": 2, "evacuated": 35}}],
}
VERIFY: dict[str, Any] = {
    "title": "IntakeVerify", "type": "object", "additionalProperties": False,
    "properties": {"merge_into": {"type": "string", "description": "并案: the incident to merge into"},
                   "title": {"type": "string", "minLength": 2, "maxLength": 200,
                             "description": "the new incident's title, if not the intake's"}},
    "examples": [{}],
}
REJECT: dict[str, Any] = {
    "title": "IntakeReject", "type": "object", "additionalProperties": False, "required": ["reason"],
    "properties": {"reason": {"type": "string", "minLength": 2, "maxLength": 2000}},
    "examples": [{"reason": "经电话回访核实，为群众误报，现场无险情。"}],
}
DUPLICATE: dict[str, Any] = {
    "title": "IntakeDuplicate", "type": "object", "additionalProperties": False, "required": ["of"],
    "properties": {"of": {"type": "string", "description": "the intake this one repeats"}},
    "examples": [{"of": "INTAKE_ID"}],
}
SUGGESTIONS: dict[str, Any] = {"title": "DuplicateSuggestions", "type": "array", "items": {"type": "object"}}
