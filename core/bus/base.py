"""What a bus must do for the feed."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Protocol

DocHandler = Callable[[str], Awaitable[None]]
StateHandler = Callable[[bool], Awaitable[None]]


class Bus(Protocol):
    name: str

    @property
    def healthy(self) -> bool: ...

    async def start(self, on_doc: DocHandler, on_state: StateHandler) -> None:
        """Begin delivering other processes' events (their journal docs) to `on_doc`.

        `on_state(False)` when delivery can no longer be trusted (messages may be lost),
        `on_state(True)` when it is back; the feed tails the journal in between.
        """

    async def publish(self, docs: list[str]) -> None:
        """Send committed events to the other processes. Never raises: loss is the feed's to repair."""

    async def stop(self) -> None: ...

    async def ping(self) -> bool: ...


class LocalBus:
    """One process: events reach the feed straight from the commit, so there is nothing to carry."""

    name = "local"

    @property
    def healthy(self) -> bool:
        return True

    async def start(self, on_doc: DocHandler, on_state: StateHandler) -> None:
        await asyncio.sleep(0)

    async def publish(self, docs: list[str]) -> None:
        return None

    async def stop(self) -> None:
        return None

    async def ping(self) -> bool:
        return True
