"""The caller of a request or websocket, and the one visibility rule every query uses."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, or_
from sqlalchemy.orm import InstrumentedAttribute

from core.auth import scopes as scope_rules
from core.auth.permissions import allowed
from core.journal.events import Actor
from core.units.paths import in_subtree


@dataclass(frozen=True, slots=True)
class Principal:
    user_id: str
    username: str
    name: str
    unit_code: str
    unit_path: str
    roles: frozenset[str]
    lang: str = "zh"
    via: str = "session"  # "session" (browser cookie), "token" (bearer) or "display" (a hall wall's cookie)
    csrf: str | None = None
    token_id: str | None = None
    session_id: str | None = None
    scopes: frozenset[str] = frozenset({"read"})

    def authorize(self, required: str) -> None:
        """The one scope check, for HTTP routes and the websocket alike (403 problem if refused)."""
        scope_rules.check(self.scopes, self.via, required)

    @property
    def actor(self) -> Actor:
        return Actor(id=self.user_id, username=self.username, name=self.name, unit=self.unit_code)

    def can(self, permission: str) -> bool:
        return allowed(self.roles, permission)

    # Visibility: a user sees what is scoped to their unit's subtree, plus what is shared with
    # their unit. Every domain asks these, never its own comparison.
    def sees_path(self, path: str) -> bool:
        return path.startswith(self.unit_path)

    def sees_any(self, paths: list[str], shared_with: list[str] | tuple[str, ...] = ()) -> bool:
        return any(self.sees_path(p) for p in paths) or self.unit_code in shared_with

    def path_filter(self, path_column: InstrumentedAttribute[Any] | ColumnElement[Any],
                    *shared: ColumnElement[bool]) -> ColumnElement[bool]:
        """SQL: rows whose unit path lies in my subtree (or that a `shared` clause lets me see)."""
        return or_(in_subtree(path_column, self.unit_path), *shared)

    def as_doc(self) -> dict[str, Any]:
        return {"id": self.user_id, "username": self.username, "name": self.name, "unit": self.unit_code,
                "roles": sorted(self.roles), "lang": self.lang}
