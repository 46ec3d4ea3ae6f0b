"""Where a handover's automatic items come from. Each domain that has open work a duty room must
pass on (unsigned notices, reports due, pending incidents, tasks awaiting feedback) registers a
provider here at import; the handover calls them all. Lower packages never import higher ones."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession


@dataclass(frozen=True)
class OpenItem:
    source: str
    ref: str | None
    title: str
    detail: str = ""
    due_at: datetime | None = None


Provider = Callable[[AsyncSession, str, datetime], Awaitable[list[OpenItem]]]
_providers: dict[str, Provider] = {}


def register(name: str, provider: Provider) -> None:
    _providers[name] = provider


def provider(name: str) -> Callable[[Provider], Provider]:
    def deco(fn: Provider) -> Provider:
        register(name, fn)
        return fn
    return deco


async def gather(session: AsyncSession, unit: str, at: datetime) -> list[OpenItem]:
    items: list[OpenItem] = []
    for name in sorted(_providers):
        items.extend(await _providers[name](session, unit, at))
    return items
