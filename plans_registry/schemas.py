"""JSON Schemas: the plan document (what a plan officer imports and edits), and the registry's
requests and answers.

A level's trigger is itself a JSON Schema, evaluated against the incident as
`{"category": key, "grade": key | null, <fact>: number, ...}` — the facts at the top, so the rule
"deaths ≥ 3" reads `{"properties": {"deaths": {"minimum": 3}}, "required": ["deaths"]}`.
"""

from __future__ import annotations

from typing import Any

import yaml

from command.schemas_common import CATEGORY, DATETIME
from plans_registry.rules import DRILL_KINDS, PLAN_KINDS, PLAN_STATUSES

KEY: dict[str, Any] = {"type": "string", "pattern": "^[a-z][a-z0-9_]{0,39}$"}
UNIT_CODE: dict[str, Any] = {"type": "string", "minLength": 1, "maxLength": 32}
TEXT: dict[str, Any] = {"type": "string", "maxLength": 4000}
SHORT: dict[str, Any] = {"type": "string", "minLength": 1, "maxLength": 200}
DATE: dict[str, Any] = {"type": "string", "format": "date"}

# Who a task goes to: a working group (its lead unit), a named unit, or a unit by its relation to
# the incident, resolved at activation.
TARGET_ROLES = {
    "incident_unit": ("事发地单位", "The incident's jurisdiction"),
    "affected_counties": ("受影响县（市、区）", "The affected counties"),
    "plan_owner": ("预案编制单位", "The plan's owner"),
    "incident_lead_unit": ("事件牵头单位", "The incident's lead unit"),
}
TARGET: dict[str, Any] = {
    "type": "object", "additionalProperties": False, "minProperties": 1, "maxProperties": 1,
    "description": "exactly one of: group (a working group key), unit (a unit code), role (relative to the incident)",
    "properties": {"group": KEY, "unit": UNIT_CODE, "role": {"enum": list(TARGET_ROLES)}},
}
ACTION: dict[str, Any] = {
    "type": "object", "additionalProperties": False, "required": ["key", "title", "target", "due_minutes"],
    "properties": {
        "key": KEY, "title": SHORT, "instructions": TEXT, "target": TARGET,
        "priority": {"enum": ["urgent", "high", "normal"], "default": "high"},
        "due_minutes": {"type": "integer", "minimum": 1, "maximum": 43200,
                        "description": "completion deadline after activation"},
        "ack_minutes": {"type": "integer", "minimum": 1, "maximum": 1440, "default": 30,
                        "description": "acknowledgement (签收) window"},
    },
}
GROUP: dict[str, Any] = {
    "type": "object", "additionalProperties": False, "required": ["key", "name", "lead_unit"],
    "properties": {"key": KEY, "name": SHORT, "lead_unit": UNIT_CODE,
                   "members": {"type": "array", "items": UNIT_CODE, "maxItems": 60, "uniqueItems": True},
                   "duties": TEXT},
}
COMMAND: dict[str, Any] = {
    "type": "object", "additionalProperties": False, "required": ["name", "commander", "groups"],
    "properties": {
        "name": SHORT, "commander": SHORT,
        "deputies": {"type": "array", "items": SHORT, "maxItems": 12},
        "office": {"type": "object", "additionalProperties": False, "required": ["unit"],
                   "properties": {"unit": UNIT_CODE, "name": SHORT, "duties": TEXT}},
        "members": {"type": "array", "items": UNIT_CODE, "maxItems": 100, "uniqueItems": True},
        "groups": {"type": "array", "items": GROUP, "minItems": 1, "maxItems": 20},
    },
}
LEVEL: dict[str, Any] = {
    "type": "object", "additionalProperties": False,
    "required": ["level", "trigger", "trigger_text", "decided_by", "actions"],
    "properties": {
        "level": {"type": "integer", "minimum": 1, "maximum": 4, "description": "1 一级 (highest) … 4 四级"},
        "trigger": {"type": "object", "description": "a JSON Schema over the incident's facts, category and grade"},
        "trigger_text": SHORT,
        "decided_by": {"type": "string", "minLength": 1, "maxLength": 200, "description": "who decides to launch"},
        "command_by": {"type": "string", "maxLength": 200, "description": "who leads the response at this level"},
        "actions": {"type": "array", "items": ACTION, "maxItems": 80},
        "notify": {"type": "array", "items": UNIT_CODE, "maxItems": 100, "uniqueItems": True},
        "report_every_minutes": {"type": "integer", "minimum": 30, "maximum": 1440,
                                 "description": "follow-up report (续报) cadence while this level runs"},
    },
}
WARNING_TRIGGER: dict[str, Any] = {
    "type": "object", "additionalProperties": False, "required": ["trigger", "trigger_text"],
    "properties": {
        "trigger": {"type": "object", "description": "a JSON Schema over the warning: hazard (a type code), "
                                                     "colour, level (1 红 … 4 蓝), unit (where it is addressed)"},
        "trigger_text": SHORT,
        "level": {"type": "integer", "minimum": 1, "maximum": 4, "default": 4,
                  "description": "the response level the warning calls for (预警响应)"},
        "decided_by": {"type": "string", "maxLength": 200},
        "actions_text": TEXT,
    },
}
PLAN_DOCUMENT: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "PlanDocument", "type": "object", "additionalProperties": False,
    "required": ["code", "name", "kind", "owner_unit", "categories", "issued_on", "command", "levels"],
    "properties": {
        "code": {"type": "string", "pattern": "^[A-Za-z0-9][A-Za-z0-9_.-]{1,39}$",
                 "description": "stable identity of the plan across versions, unique per owner unit"},
        "name": SHORT,
        "kind": {"enum": list(PLAN_KINDS)},
        "owner_unit": UNIT_CODE,
        "version_label": {"type": "string", "maxLength": 40, "description": "e.g. 2026年修订版"},
        "categories": {"type": "array", "items": CATEGORY, "minItems": 1, "maxItems": 20, "uniqueItems": True},
        "issued_on": DATE, "effective_on": DATE,
        "review_months": {"type": "integer", "minimum": 1, "maximum": 120,
                          "description": "overrides the kind's review cycle"},
        "drill_months": {"type": "integer", "minimum": 1, "maximum": 120,
                         "description": "overrides the kind's drill cycle"},
        "purpose": TEXT, "scope": TEXT, "principles": TEXT,
        "command": COMMAND,
        "levels": {"type": "array", "items": LEVEL, "minItems": 1, "maxItems": 4},
        "warning_triggers": {"type": "array", "items": WARNING_TRIGGER, "maxItems": 20,
                             "description": "预警响应: warnings (hazard, colour) that call for the plan's "
                                            "warning-stage response where it is in force"},
        "aftercare": TEXT,
    },
}

_EXAMPLE_PLAN: dict[str, Any] = {
    "code": "ZG-DZZH", "name": "章贡区地质灾害应急预案", "kind": "special", "owner_unit": "360702",
    "version_label": "2026年版", "categories": ["natural.geological"], "issued_on": "2026-04-01",
    "purpose": "规范地质灾害应急处置，最大限度减少人员伤亡。",
    "command": {"name": "章贡区地质灾害应急指挥部", "commander": "区政府分管副区长",
                "groups": [{"key": "rescue", "name": "抢险救援组", "lead_unit": "360702-T01",
                            "duties": "搜救被困人员，排除险情。"}]},
    "levels": [{"level": 4, "trigger_text": "发生地质灾害，未造成人员伤亡",
                "trigger": {"properties": {"category": {"const": "natural.geological"}}},
                "decided_by": "区应急管理局局长",
                "actions": [{"key": "patrol", "title": "组织隐患点巡查", "target": {"role": "incident_unit"},
                             "due_minutes": 240, "ack_minutes": 30}]}],
}
PLAN_IMPORT: dict[str, Any] = {**PLAN_DOCUMENT, "title": "PlanImport", "examples": [_EXAMPLE_PLAN]}

PLAN_SUMMARY: dict[str, Any] = {
    "title": "Plan", "type": "object", "required": ["id", "code", "name", "kind", "owner_unit", "status"],
    "properties": {"id": {"type": "string"}, "code": {"type": "string"}, "name": {"type": "string"},
                   "kind": {"enum": list(PLAN_KINDS)}, "owner_unit": {"type": "string"},
                   "categories": {"type": "array", "items": {"type": "string"}},
                   "status": {"enum": [*PLAN_STATUSES, "none"]}, "version": {"type": ["integer", "null"]},
                   "next_review_on": {"type": ["string", "null"]}, "next_drill_on": {"type": ["string", "null"]},
                   "filing_due_on": {"type": ["string", "null"]}, "review_overdue": {"type": "boolean"}},
}
PLAN_LIST: dict[str, Any] = {"title": "PlanList", "type": "array", "items": PLAN_SUMMARY}
VERSION: dict[str, Any] = {
    "title": "PlanVersion", "type": "object", "required": ["id", "plan_id", "number", "status", "document"],
    "properties": {"id": {"type": "string"}, "plan_id": {"type": "string"}, "number": {"type": "integer"},
                   "status": {"enum": list(PLAN_STATUSES)}, "document": {"type": "object"},
                   "diff": {"type": "array", "items": {"type": "object"}}},
}
PLAN_FULL: dict[str, Any] = {
    "title": "PlanFull", "type": "object", "required": ["plan", "versions"],
    "properties": {"plan": PLAN_SUMMARY, "versions": {"type": "array", "items": VERSION},
                   "drills": {"type": "array", "items": {"type": "object"}},
                   "history": {"type": "array", "items": {"type": "object"}}},
}
VALIDATION: dict[str, Any] = {
    "title": "PlanValidation", "type": "object", "required": ["valid", "errors"],
    "properties": {"valid": {"type": "boolean"},
                   "errors": {"type": "array", "items": {"type": "object", "properties": {
                       "pointer": {"type": "string"}, "message": {"type": "string"}}}}},
}
PLAN_TEXT: dict[str, Any] = {
    "title": "PlanText", "type": "object", "additionalProperties": False, "required": ["format", "text"],
    "description": "a plan document as JSON or YAML text (what the editor sends while the officer types)",
    "properties": {"format": {"enum": ["json", "yaml"]}, "text": {"type": "string", "maxLength": 400000},
                   "note": {"type": "string", "maxLength": 1000, "description": "what this version changes"}},
    "examples": [{"format": "yaml", "note": "首次导入",
                  "text": yaml.safe_dump({**_EXAMPLE_PLAN, "code": "ZG-DZZH-YAML"}, allow_unicode=True,
                                         sort_keys=False)}],
}
STATUS_CHANGE: dict[str, Any] = {
    "title": "PlanStatusChange", "type": "object", "additionalProperties": False, "required": ["action"],
    "properties": {"action": {"enum": ["approve", "file", "retire"]},
                   "filed_with": {"type": "string", "minLength": 1, "maxLength": 100,
                                  "description": "file: the superior unit it is filed with (备案) — a unit above "
                                                 "the owner, or, for the top unit here, the superior's name"},
                   "note": {"type": "string", "maxLength": 1000}},
    "examples": [{"action": "approve", "note": "经区政府常务会议审议通过"}],
}
DRILL_CREATE: dict[str, Any] = {
    "title": "DrillCreate", "type": "object", "additionalProperties": False,
    "required": ["kind", "held_on", "scenario"],
    "properties": {
        "kind": {"enum": list(DRILL_KINDS)}, "held_on": DATE, "scenario": {**TEXT, "minLength": 1},
        "unit": UNIT_CODE, "location": {"type": "string", "maxLength": 300},
        "participants": {"type": "array", "maxItems": 200,
                         "items": {"type": "object", "additionalProperties": False, "required": ["name"],
                                   "properties": {"name": SHORT, "unit": UNIT_CODE, "count": {
                                       "type": "integer", "minimum": 1, "maximum": 100000}}}},
        "findings": TEXT,
        "rating": {"enum": ["good", "adequate", "poor"]},
        "revisions": {"type": "array", "maxItems": 40, "description": "revision tasks the findings lead to",
                      "items": {"type": "object", "additionalProperties": False, "required": ["title"],
                                "properties": {"title": SHORT, "instructions": TEXT,
                                               "due_on": DATE, "unit": UNIT_CODE}}},
    },
    "examples": [{"kind": "tabletop", "held_on": "2026-11-20", "scenario": "汛期强降雨诱发沙石镇滑坡，掩埋民房两栋。",
                  "participants": [{"name": "区应急管理局", "count": 6}, {"name": "区自然资源局", "count": 3}],
                  "findings": "预警信息传递到村一级耗时偏长；转移安置点物资清单未更新。", "rating": "adequate",
                  "revisions": [{"title": "更新转移安置点物资清单", "due_on": "2026-12-31"}]}],
}
DRILL: dict[str, Any] = {"title": "Drill", "type": "object", "required": ["id", "plan_id", "kind", "held_on"]}
DRILL_STATUS: dict[str, Any] = {"title": "DrillStatus", "type": "array", "items": {"type": "object"}}

TRIGGER_CHECK: dict[str, Any] = {
    "type": "object", "required": ["level", "matched", "why"],
    "properties": {"level": {"type": "integer"}, "matched": {"type": "boolean"}, "why": {"type": "string"}},
}
SUGGESTIONS: dict[str, Any] = {
    "title": "PlanSuggestions", "type": "array", "description": "highest matching level first",
    "items": {"type": "object", "required": ["plan_id", "version_id", "code", "name", "level", "why"],
              "properties": {"plan_id": {"type": "string"}, "version_id": {"type": "string"},
                             "code": {"type": "string"}, "name": {"type": "string"}, "level": {"type": "integer"},
                             "why": {"type": "string"}, "active_level": {"type": ["integer", "null"]},
                             "escalate": {"type": "boolean"}, "checks": {"type": "array", "items": TRIGGER_CHECK}}},
}
ACTIVATION_CREATE: dict[str, Any] = {
    "title": "ActivationCreate", "type": "object", "additionalProperties": False, "required": ["plan_id", "level"],
    "properties": {"plan_id": {"type": "string", "minLength": 1, "maxLength": 32},
                   "level": {"type": "integer", "minimum": 1, "maximum": 4},
                   "reason": {"type": "string", "maxLength": 2000}},
    "examples": [{"plan_id": "PLAN_ID", "level": 4, "reason": "章江水位超警戒 0.3 米，按预案启动四级响应"}],
}
LEVEL_CHANGE: dict[str, Any] = {
    "title": "ActivationLevelChange", "type": "object", "additionalProperties": False, "required": ["level", "reason"],
    "properties": {"level": {"type": "integer", "minimum": 1, "maximum": 4},
                   "reason": {"type": "string", "minLength": 1, "maxLength": 2000}},
    "examples": [{"level": 3, "reason": "水位持续上涨，受灾人口超过 1 万人，提升为三级响应"}],
}
TERMINATE: dict[str, Any] = {
    "title": "ActivationTerminate", "type": "object", "additionalProperties": False, "required": ["reason"],
    "properties": {"reason": {"type": "string", "minLength": 1, "maxLength": 2000}},
    "examples": [{"reason": "洪水退去，险情解除，经指挥部研究决定终止应急响应"}],
}
EVALUATION: dict[str, Any] = {
    "title": "AfterActionEvaluation", "type": "object", "additionalProperties": False, "required": ["text"],
    "properties": {"text": {"type": "string", "minLength": 1, "maxLength": 20000},
                   "lessons": {"type": "array", "items": SHORT, "maxItems": 40}},
    "examples": [{"text": "本次响应启动及时，转移安置有序；通信保障组应急通信车到位偏晚。",
                  "lessons": ["应急通信车前置部署到易涝乡镇"]}],
}
ACTIVATION: dict[str, Any] = {
    "title": "Activation", "type": "object", "required": ["id", "incident_id", "plan_id", "level", "status"],
    "properties": {"id": {"type": "string"}, "incident_id": {"type": "string"}, "plan_id": {"type": "string"},
                   "version_id": {"type": "string"}, "level": {"type": "integer"},
                   "status": {"enum": ["active", "terminated"]},
                   "tasks": {"type": "array", "items": {"type": "object"}},
                   "groups": {"type": "array", "items": {"type": "object"}},
                   "activated_at": DATETIME, "exercise": {"type": "boolean"}},
}
ACTIVATION_LIST: dict[str, Any] = {"title": "ActivationList", "type": "array", "items": ACTIVATION}
PREVIEW: dict[str, Any] = {"title": "ActivationPreview", "type": "object",
                           "required": ["plan_id", "level", "tasks"]}
CYCLES: dict[str, Any] = {"title": "PlanCycles", "type": "array", "items": {"type": "object"}}
