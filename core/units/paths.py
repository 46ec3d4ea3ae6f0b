"""Unit paths, cached per engine: a unit's path never changes once created (units are not moved)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import ColumnElement, select
from sqlalchemy.engine import Engine
from sqlalchemy.ext.asyncio import AsyncSession

from core.units.models import Unit

_cache: WeakKeyDictionary[Engine, dict[str, str]] = WeakKeyDictionary()


class UnknownUnit(LookupError):
    pass


def in_subtree(path_column: Any, path: str) -> ColumnElement[bool]:
    """SQL: the row's unit path lies in the subtree whose root has `path` (paths end in "/", so a
    prefix is a subtree). The one spelling of it; for the caller's own subtree, Principal.path_filter."""
    return path_column.like(path + "%")


def child_path(parent_path: str | None, code: str) -> str:
    return f"{parent_path or '/'}{code}/"


def ancestors_from_path(path: str) -> list[str]:
    """Root first, the unit itself last."""
    return [part for part in path.split("/") if part]


async def path_of(session: AsyncSession, code: str) -> str:
    cache = _cache.setdefault(session.get_bind(), {})  # type: ignore[arg-type]
    path = cache.get(code)
    if path is None:
        path = (await session.execute(select(Unit.path).where(Unit.code == code))).scalar_one_or_none()
        if path is None:
            raise UnknownUnit(code)
        cache[code] = path
    return path


async def audience_of(session: AsyncSession, scope: Iterable[str]) -> list[str]:
    """Every unit that may see something scoped to `scope`: those units and all their ancestors."""
    seen: set[str] = set()
    for code in scope:
        seen.update(ancestors_from_path(await path_of(session, code)))
    return sorted(seen)
