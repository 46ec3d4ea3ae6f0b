"""JSON Schemas of warnings, precaution reports and the requests on them."""

from __future__ import annotations

from typing import Any

from command.schemas_common import DATETIME
from command.warnings.rules import ADDRESSEE_LABELS, COLOURS, HAZARDS, STATUS_LABELS

UNIT_CODE: dict[str, Any] = {"type": "string", "minLength": 1, "maxLength": 32}
POINT: dict[str, Any] = {"type": "array", "prefixItems": [{"type": "number", "minimum": -90, "maximum": 90},
                                                           {"type": "number", "minimum": -180, "maximum": 180}],
                         "minItems": 2, "maxItems": 2, "description": "[lat, lon], WGS-84 (CAP order)"}
AREAS: dict[str, Any] = {
    "type": "object", "additionalProperties": False, "minProperties": 1,
    "properties": {
        "units": {"type": "array", "items": UNIT_CODE, "maxItems": 500,
                  "description": "GB/T 2260 codes (or local codes) of units; their subordinate jurisdictions too"},
        "polygons": {"type": "array", "maxItems": 50,
                     "items": {"type": "array", "items": POINT, "minItems": 4, "maxItems": 5000,
                               "description": "a closed ring, first point = last (CAP polygon)"}},
        "circles": {"type": "array", "maxItems": 50, "items": {
            "type": "object", "additionalProperties": False, "required": ["lat", "lon", "radius_km"],
            "properties": {"lat": {"type": "number", "minimum": -90, "maximum": 90},
                           "lon": {"type": "number", "minimum": -180, "maximum": 180},
                           "radius_km": {"type": "number", "minimum": 0, "maximum": 5000}}}},
        "geocodes": {"type": "array", "maxItems": 500, "items": {
            "type": "object", "required": ["name", "value"],
            "properties": {"name": {"type": "string"}, "value": {"type": "string"}}}},
        "descriptions": {"type": "array", "items": {"type": "string", "maxLength": 1000}, "maxItems": 50},
    },
}
WARNING_ISSUE: dict[str, Any] = {
    "title": "WarningIssue", "type": "object", "additionalProperties": False,
    "required": ["hazard", "colour", "areas"],
    "properties": {
        "hazard": {"enum": list(HAZARDS)}, "colour": {"enum": list(COLOURS)},
        "headline": {"type": "string", "maxLength": 400}, "description": {"type": "string", "maxLength": 8000},
        "instructions": {"type": "string", "maxLength": 8000, "description": "防御指南"},
        "issuer_name": {"type": "string", "maxLength": 200, "description": "the issuing body, e.g. 赣州市气象台"},
        "areas": AREAS, "effective_at": DATETIME, "onset_at": DATETIME, "expires_at": DATETIME,
        "exercise": {"type": "boolean", "default": False, "description": "a drill warning (演练)"},
    },
    "examples": [{"hazard": "rainstorm", "colour": "red", "issuer_name": "赣州市气象台",
                  "description": "预计未来 3 小时内章贡区、南康区降雨量将达 100 毫米以上。",
                  "instructions": "1. 政府及相关部门按照职责做好防暴雨应急和抢险工作；2. 停止集会、停课、停业；"
                                  "3. 做好山洪、滑坡、泥石流等灾害的防御和抢险工作。",
                  "areas": {"units": ["360702"]}, "expires_at": "2030-06-01T12:00:00Z"}],
}
WARNING_UPDATE: dict[str, Any] = {
    "title": "WarningUpdate", "type": "object", "additionalProperties": False, "minProperties": 1,
    "properties": {k: v for k, v in WARNING_ISSUE["properties"].items() if k != "exercise"}
    | {"reason": {"type": "string", "maxLength": 2000}},
    "examples": [{"colour": "red", "reason": "雨势加强，升级为红色预警"}],
}
CANCEL: dict[str, Any] = {
    "title": "WarningCancel", "type": "object", "additionalProperties": False,
    "properties": {"reason": {"type": "string", "maxLength": 2000}},
    "examples": [{"reason": "降雨已明显减弱，解除暴雨预警"}],
}
PRECAUTIONS: dict[str, Any] = {
    "title": "WarningPrecautions", "type": "object", "additionalProperties": False, "minProperties": 1,
    "description": "防范落实: what the unit did; figures are the unit's totals so far",
    "properties": {
        "measures": {"type": "array", "maxItems": 30, "items": {"type": "string", "minLength": 1, "maxLength": 500}},
        "people_warned": {"type": "integer", "minimum": 0, "maximum": 100000000},
        "people_moved": {"type": "integer", "minimum": 0, "maximum": 100000000},
        "places_notified": {"type": "integer", "minimum": 0, "maximum": 100000,
                            "description": "villages and communities notified (乡镇、村、社区)"},
        "places": {"type": "array", "maxItems": 500, "items": {"type": "string", "maxLength": 100}},
        "note": {"type": "string", "maxLength": 4000},
    },
    "examples": [{"measures": ["启动防汛四级应急响应", "转移低洼地带群众", "关闭景区"], "people_warned": 52000,
                  "people_moved": 340, "places_notified": 48, "note": "巡查责任人全部到岗"}],
}
SIGN: dict[str, Any] = {"title": "WarningSign", "type": "object", "additionalProperties": False,
                        "properties": {"unit": {**UNIT_CODE, "description": "an agency recorded by its duty room"}},
                        "examples": [{}]}
FORWARD: dict[str, Any] = {
    "title": "WarningForward", "type": "object", "additionalProperties": False, "required": ["units"],
    "properties": {"units": {"type": "array", "items": UNIT_CODE, "minItems": 1, "maxItems": 500},
                   "additions": {"type": "string", "maxLength": 4000}},
    "examples": [{"units": ["360702001"], "additions": "请各乡镇立即组织危险区域人员转移。"}],
}
WARNING: dict[str, Any] = {
    "title": "Warning", "type": "object", "required": ["id", "series_id", "hazard", "colour", "state"],
    "properties": {"id": {"type": "string"}, "series_id": {"type": "string"}, "version": {"type": "integer"},
                   "replaces_id": {"type": ["string", "null"]}, "hazard": {"enum": list(HAZARDS)},
                   "colour": {"enum": list(COLOURS)}, "state": {"enum": list(STATUS_LABELS)},
                   "exercise": {"type": "boolean"}},
}
WARNING_LIST: dict[str, Any] = {"title": "WarningList", "type": "array", "items": WARNING}
ADDRESSEE: dict[str, Any] = {"title": "WarningAddressee", "type": "object", "required": ["unit", "state"],
                             "properties": {"unit": {"type": "string"}, "state": {"enum": list(ADDRESSEE_LABELS)}}}
PRECAUTION_REPORT: dict[str, Any] = {
    "title": "WarningPrecautionReport", "type": "object", "required": ["id", "unit", "version_id"],
    "properties": {"id": {"type": "string"}, "unit": {"type": "string"}, "version_id": {"type": "string"},
                   **PRECAUTIONS["properties"], "author_name": {"type": "string"}},
}
FORWARDED: dict[str, Any] = {"title": "WarningForwarded", "type": "object", "required": ["addressees"],
                             "properties": {"addressees": {"type": "array", "items": ADDRESSEE}}}
COVERAGE: dict[str, Any] = {
    "title": "WarningCoverage", "type": "object",
    "required": ["warning", "addressed", "signed", "reported", "units"],
    "properties": {"warning": WARNING, "addressed": {"type": "integer"}, "signed": {"type": "integer"},
                   "reported": {"type": "integer"}, "late": {"type": "integer"},
                   "population_at_risk": {"type": "integer"}, "people_warned": {"type": "integer"},
                   "reached_pct": {"type": ["number", "null"]}, "units": {"type": "array", "items": ADDRESSEE}},
}
OWED: dict[str, Any] = {"title": "WarningsOwed", "type": "array", "items": {"type": "object",
                                                                          "required": ["kind", "due_at"]}}
