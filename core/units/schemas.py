"""JSON Schemas of unit and facility documents."""

from __future__ import annotations

from typing import Any

from core.units.models import FACILITY_KINDS, UNIT_KINDS

CODE: dict[str, Any] = {"type": "string", "pattern": "^[0-9A-Za-z][0-9A-Za-z-]{0,31}$",
                        "description": "GB/T 2260 code for a jurisdiction; any short code for other units"}
LAT = {"type": ["number", "null"], "minimum": -90, "maximum": 90}
LON = {"type": ["number", "null"], "minimum": -180, "maximum": 180}

UNIT: dict[str, Any] = {
    "title": "Unit",
    "type": "object",
    "required": ["code", "name", "parent", "kind"],
    "properties": {
        "code": CODE, "name": {"type": "string"}, "name_en": {"type": "string"},
        "parent": {"type": ["string", "null"]}, "kind": {"enum": list(UNIT_KINDS)},
        "tz": {"type": ["string", "null"]}, "lat": LAT, "lon": LON, "phone": {"type": ["string", "null"]},
        "active": {"type": "boolean"},
    },
}

UNIT_LIST: dict[str, Any] = {"title": "UnitList", "type": "array", "items": UNIT}

UNIT_CREATE: dict[str, Any] = {
    "title": "UnitCreate",
    "type": "object",
    "additionalProperties": False,
    "required": ["code", "name", "kind", "parent"],
    "properties": {
        "code": CODE,
        "name": {"type": "string", "minLength": 1, "maxLength": 120},
        "name_en": {"type": "string", "maxLength": 160},
        "kind": {"enum": list(UNIT_KINDS)},
        "parent": CODE,
        "tz": {"type": "string", "maxLength": 64},
        "lat": LAT, "lon": LON,
        "phone": {"type": "string", "maxLength": 40},
        "sort": {"type": "integer"},
    },
    "examples": [{"code": "360702-T09", "name": "章贡区应急救援队第九分队", "name_en": "Zhanggong rescue team 9",
                  "kind": "team", "parent": "360702", "phone": "0797-8123456", "lat": 25.85, "lon": 114.93}],
}

UNIT_UPDATE: dict[str, Any] = {
    "title": "UnitUpdate",
    "type": "object",
    "additionalProperties": False,
    "minProperties": 1,
    "properties": {
        "name": {"type": "string", "minLength": 1, "maxLength": 120},
        "name_en": {"type": "string", "maxLength": 160},
        "tz": {"type": ["string", "null"], "maxLength": 64},
        "lat": LAT, "lon": LON,
        "phone": {"type": ["string", "null"], "maxLength": 40},
        "sort": {"type": "integer"},
        "active": {"type": "boolean"},
    },
    "examples": [{"phone": "0797-8123000"}],
}

FACILITY: dict[str, Any] = {
    "title": "Facility",
    "type": "object",
    "required": ["id", "unit", "kind", "name"],
    "properties": {
        "id": {"type": "string"}, "unit": {"type": "string"}, "kind": {"enum": list(FACILITY_KINDS)},
        "name": {"type": "string"}, "address": {"type": "string"}, "phone": {"type": ["string", "null"]},
        "lat": LAT, "lon": LON, "capacity": {"type": ["integer", "null"]}, "attributes": {"type": "object"},
    },
}
FACILITY_LIST: dict[str, Any] = {"title": "FacilityList", "type": "array", "items": FACILITY}
