"""The edge normalises once (core/api/registry.py): a POST body's missing fields take their schema
defaults, date-time strings become aware datetimes (in bodies, nested ones, arrays and queries); a
PATCH keeps "missing" as missing; a verbatim document (a plan) is left as sent."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from command.consultations.schemas import ENTRY
from command.tasks.schemas import TASK_CREATE
from core.api.registry import normalise, parse_datetime
from duty.rosters.schemas import OVERRIDE_CREATE

SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "at": {"type": "string", "format": "date-time"},
        "n": {"type": "integer", "default": 30},
        "tags": {"type": "array", "default": [], "items": {"type": "string"}},
        "spans": {"type": "array", "items": {"type": "object", "properties": {
            "from": {"type": "string", "format": "date-time"}, "kind": {"enum": ["a", "b"], "default": "a"}}}},
    },
}


def test_defaults_and_datetimes() -> None:
    got = normalise(SCHEMA, {"at": "2026-07-01T08:00:00+08:00", "spans": [{"from": "2026-07-01T00:00:00Z"}],
                             "extra": "kept"})
    assert got == {"at": datetime(2026, 7, 1, 0, 0, tzinfo=UTC), "n": 30, "tags": [], "extra": "kept",
                   "spans": [{"from": datetime(2026, 7, 1, 0, 0, tzinfo=UTC), "kind": "a"}]}
    assert got["at"].utcoffset() == timedelta(hours=8)  # the offset sent, the instant the same
    assert normalise(SCHEMA, {"n": 5})["n"] == 5


def test_defaults_are_fresh_copies() -> None:
    a, b = normalise(SCHEMA, {}), normalise(SCHEMA, {})
    a["tags"].append("x")
    assert b["tags"] == [] and SCHEMA["properties"]["tags"]["default"] == []


def test_a_patch_keeps_missing_fields_missing() -> None:
    assert normalise(SCHEMA, {"at": "2026-07-01T08:00:00Z"}, defaults=False) == {
        "at": datetime(2026, 7, 1, 8, 0, tzinfo=UTC)}


def test_the_real_schemas() -> None:
    task = normalise(TASK_CREATE, {"unit": "360702", "title": "t", "due_at": "2026-07-01T10:00:00Z"})
    assert (task["priority"], task["ack_minutes"], task["exercise"]) == ("high", 30, False)
    assert task["due_at"] == datetime(2026, 7, 1, 10, 0, tzinfo=UTC)
    entry = normalise(ENTRY, {"kind": "decision", "text": "x", "task": {"unit": "360702",
                                                                         "due_at": "2026-07-01T10:00:00+08:00"}})
    assert entry["task"]["due_at"] == datetime(2026, 7, 1, 2, 0, tzinfo=UTC)
    span = normalise(OVERRIDE_CREATE, {"starts_at": "2026-07-01T00:00:00Z", "ends_at": "2026-07-02T00:00:00Z"})
    assert span["ends_at"] - span["starts_at"] == timedelta(days=1)


def test_parse_datetime_is_aware() -> None:
    assert parse_datetime("2026-07-01T08:00:00.250z") == datetime(2026, 7, 1, 8, 0, 0, 250000, tzinfo=UTC)
    assert parse_datetime("2026-07-01T08:00:00-05:00").tzinfo == timezone(timedelta(hours=-5))
