"""Pieces of JSON Schema the command domains share: facts, categories, grades, times."""

from __future__ import annotations

from typing import Any

from command.categories.tree import CATEGORIES, FACTS, GRADES

CATEGORY: dict[str, Any] = {"enum": list(CATEGORIES), "description": "category key (GET /api/v1/categories)"}
GRADE: dict[str, Any] = {"enum": list(GRADES)}
DATETIME: dict[str, Any] = {"type": "string", "format": "date-time"}
FACTS_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "properties": {key: {"type": "number", "minimum": 0, "description": f"{zh} ({unit})"}
                   for key, (zh, _en, unit) in FACTS.items()},
}
