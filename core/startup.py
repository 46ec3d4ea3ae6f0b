"""Work every server process does once at start, after the database is reachable (domains register
here, e.g. to make sure their recurring timers exist)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from core.db import Database

StartupHook = Callable[[Database], Awaitable[None]]
_hooks: list[StartupHook] = []


def on_startup(fn: StartupHook) -> StartupHook:
    _hooks.append(fn)
    return fn


async def run_all(db: Database) -> None:
    for hook in _hooks:
        await hook(db)
