"""JSON Schemas of the resource registries and requests."""

from __future__ import annotations

from typing import Any

from command.resources.models import RESERVE_TYPES, TEAM_TRANSITIONS, TEAM_TYPES, URGENCIES

TEAM_ACTION: dict[str, Any] = {
    "title": "TeamAction", "type": "object", "additionalProperties": False, "required": ["action"],
    "properties": {"action": {"enum": sorted({a for _s, a in TEAM_TRANSITIONS})},
                   "task_id": {"type": "string", "maxLength": 32, "description": "deploy: the task it goes to"}},
    "examples": [{"action": "standby"}],
}
STOCK_IN: dict[str, Any] = {
    "title": "StockIn", "type": "object", "additionalProperties": False,
    "required": ["facility_id", "item", "measure", "quantity"],
    "properties": {"facility_id": {"type": "string", "maxLength": 32}, "item": {"type": "string", "minLength": 1,
                                                                               "maxLength": 120},
                   "measure": {"type": "string", "minLength": 1, "maxLength": 20},
                   "quantity": {"type": "integer", "minimum": 1, "maximum": 10_000_000},
                   "reserve_type": {"enum": list(RESERVE_TYPES), "default": "physical"}},
    "examples": [{"facility_id": "WAREHOUSE_ID", "item": "救生衣", "measure": "件", "quantity": 200}],
}
OCCUPANCY: dict[str, Any] = {
    "title": "ShelterOccupancy", "type": "object", "additionalProperties": False, "required": ["occupancy"],
    "properties": {"occupancy": {"type": "integer", "minimum": 0, "maximum": 1_000_000}},
    "examples": [{"occupancy": 126}],
}
EXPERT: dict[str, Any] = {
    "title": "ExpertCreate", "type": "object", "additionalProperties": False, "required": ["name", "field"],
    "properties": {"name": {"type": "string", "minLength": 1, "maxLength": 80},
                   "field": {"type": "string", "minLength": 1, "maxLength": 120},
                   "organisation": {"type": "string", "maxLength": 200}, "phone": {"type": "string", "maxLength": 40}},
    "examples": [{"name": "钟文斌", "field": "地质灾害防治", "organisation": "区自然资源局", "phone": "13907975566"}],
}
REQUEST_CREATE: dict[str, Any] = {
    "title": "ResourceRequestCreate", "type": "object", "additionalProperties": False,
    "required": ["urgency", "reason"],
    "properties": {
        "urgency": {"enum": list(URGENCIES)}, "reason": {"type": "string", "minLength": 1, "maxLength": 4000},
        "incident_id": {"type": "string", "maxLength": 32},
        "lines": {"type": "array", "maxItems": 50, "default": [], "items": {
            "type": "object", "additionalProperties": False, "required": ["item", "measure", "quantity"],
            "properties": {"item": {"type": "string", "minLength": 1, "maxLength": 120},
                           "measure": {"type": "string", "minLength": 1, "maxLength": 20},
                           "quantity": {"type": "integer", "minimum": 1, "maximum": 1_000_000}}}},
        "teams": {"type": "array", "maxItems": 20, "default": [], "items": {
            "type": "object", "additionalProperties": False, "required": ["team_type", "count"],
            "properties": {"team_type": {"enum": list(TEAM_TYPES)},
                           "count": {"type": "integer", "minimum": 1, "maximum": 50}}}},
    },
    "examples": [{"urgency": "urgent", "reason": "沙石镇转移群众 800 人，安置点帐篷和棉被不足。",
                  "lines": [{"item": "帐篷", "measure": "顶", "quantity": 50}, {"item": "棉被", "measure": "床",
                                                                           "quantity": 300}]}],
}
REQUEST_ACTION: dict[str, Any] = {
    "title": "ResourceRequestAction", "type": "object", "additionalProperties": False, "required": ["action"],
    "properties": {
        "action": {"enum": ["submit", "withdraw", "approve", "decline", "dispatch", "receive"]},
        "note": {"type": "string", "maxLength": 2000},
        "approvals": {"type": "array", "maxItems": 50, "description": "approve: per line, how many from which stock",
                      "items": {"type": "object", "additionalProperties": False, "required": ["line", "quantity"],
                                "properties": {"line": {"type": "integer", "minimum": 0},
                                               "quantity": {"type": "integer", "minimum": 0},
                                               "stock_id": {"type": "string", "maxLength": 32}}}},
    },
    "examples": [{"action": "submit"}],
}
LIST: dict[str, Any] = {"type": "array", "items": {"type": "object"}}
TEAM_LIST: dict[str, Any] = {**LIST, "title": "RescueTeamList"}
STOCK_LIST: dict[str, Any] = {**LIST, "title": "StockList"}
SHELTER_LIST: dict[str, Any] = {**LIST, "title": "ShelterList"}
EXPERT_LIST: dict[str, Any] = {**LIST, "title": "ExpertList"}
REQUEST_LIST: dict[str, Any] = {**LIST, "title": "ResourceRequestList"}
ONE: dict[str, Any] = {"type": "object"}
REQUEST: dict[str, Any] = {"title": "ResourceRequest", "type": "object", "required": ["id", "status"]}
