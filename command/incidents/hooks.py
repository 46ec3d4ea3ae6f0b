"""Reactions, inside the same unit of work, to an incident being created or changed. Domains that
depend on incidents (information reports' deadlines, later plan suggestions) register here, so
the incident service never imports them."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from core.db import UnitOfWork

if TYPE_CHECKING:
    from command.incidents.models import Incident

Hook = Callable[[UnitOfWork, "Incident", str], Awaitable[None]]
_hooks: list[Hook] = []


def on_change(fn: Hook) -> Hook:
    _hooks.append(fn)
    return fn


async def changed(uow: UnitOfWork, incident: Incident, what: str) -> None:
    """`what`: created, facts, grade, status, merged."""
    for hook in _hooks:
        await hook(uow, incident, what)
