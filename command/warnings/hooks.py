"""Reactions, inside the same unit of work, to a warning being issued, updated, cancelled or
expiring. Packages above command (plans_registry's 预警响应 suggestions) register here, so the
warning service never imports them."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from core.db import UnitOfWork

if TYPE_CHECKING:
    from command.warnings.models import EarlyWarning

# (uow, the current version, the version it replaced or None, what: issued|updated|cancelled|expired|forwarded)
Hook = Callable[[UnitOfWork, "EarlyWarning", "EarlyWarning | None", str], Awaitable[None]]
_hooks: list[Hook] = []


def on_change(fn: Hook) -> Hook:
    _hooks.append(fn)
    return fn


async def changed(uow: UnitOfWork, warning: EarlyWarning, before: EarlyWarning | None, what: str) -> None:
    for hook in _hooks:
        await hook(uow, warning, before, what)
