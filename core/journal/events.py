"""Event values: what a service emits, and what the journal hands back once committed."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import orjson


@dataclass(frozen=True, slots=True)
class Actor:
    """Who did it; carried into every event they cause."""

    id: str
    username: str
    name: str
    unit: str
    kind: str = "user"

    def as_doc(self) -> dict[str, str]:
        return {"kind": self.kind, "id": self.id, "username": self.username, "name": self.name,
                "unit": self.unit}


@dataclass(slots=True)
class PendingEvent:
    type: str
    subject_kind: str
    subject_id: str
    scope: tuple[str, ...]
    data: dict[str, Any]
    exercise: bool = False


@dataclass(frozen=True, slots=True)
class CommittedEvent:
    """An event as it stands in the journal; `doc` is the contract's JSON, encoded once."""

    seq: int
    type: str
    units: frozenset[str]
    exercise: bool
    doc: str
    frame: str = field(default="", compare=False)

    @staticmethod
    def from_doc(doc: str) -> CommittedEvent:
        parsed = orjson.loads(doc)
        return CommittedEvent(
            seq=parsed["seq"], type=parsed["type"], units=frozenset(parsed["units"]),
            exercise=parsed["exercise"], doc=doc, frame=ws_frame(doc),
        )


def ws_frame(doc: str) -> str:
    """The websocket frame for an event: built by concatenation, so the event is never re-encoded."""
    return '{"type":"event","event":' + doc + "}"
