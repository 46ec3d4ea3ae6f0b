"""Principals cached per process, so authenticating a request reads nothing from the database.

A bearer token (by its digest) or a session (user id + session epoch) maps to the Principal built
from the database the first time. Everything a principal is made of changes only through an event
(`user.*`: roles, unit, active, password/epoch; `token.*`: revocation; `unit.*`), and the process's
EventFeed delivers every committed event, in seq order, to `on_event`, which empties the cache. So a
revocation or a role change takes effect here as soon as its event reaches this process (the same
moment its screens learn of it). `ttl_s` bounds the life of an entry anyway.

A look-up that started before an invalidation must not re-insert what it read: `generation` is
taken before the database read and the entry is stored only if no invalidation happened meanwhile.
"""

from __future__ import annotations

import dataclasses
import hashlib
import time
from collections.abc import Callable

from core.auth.principal import Principal
from core.journal.events import CommittedEvent

INVALIDATING = ("user.", "token.", "unit.", "session.", "role.")


class PrincipalCache:
    def __init__(self, *, ttl_s: float = 60.0, max_entries: int = 20_000,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl_s = ttl_s
        self.max_entries = max_entries
        self.clock = clock
        self.generation = 0
        self._entries: dict[tuple[str, ...], tuple[float, Principal]] = {}
        self.hits = self.misses = 0

    @staticmethod
    def token_key(token: str) -> tuple[str, ...]:
        return ("token", hashlib.sha256(token.encode()).hexdigest())

    @staticmethod
    def session_key(user_id: str, epoch: int) -> tuple[str, ...]:
        return ("session", user_id, str(epoch))

    def get(self, key: tuple[str, ...]) -> Principal | None:
        found = self._entries.get(key)
        if found is None or self.clock() - found[0] > self.ttl_s:
            self.misses += 1
            return None
        self.hits += 1
        return found[1]

    def put(self, key: tuple[str, ...], principal: Principal, *, generation: int) -> None:
        if generation != self.generation:
            return  # invalidated while it was being read: it may be stale
        if len(self._entries) >= self.max_entries:
            self._entries.clear()
        # A session's CSRF token is per cookie, not per user: stored without it.
        self._entries[key] = (self.clock(), dataclasses.replace(principal, csrf=None))

    def invalidate(self) -> None:
        self.generation += 1
        self._entries.clear()

    def on_event(self, event: CommittedEvent) -> None:
        """An EventFeed listener."""
        if event.type.startswith(INVALIDATING):
            self.invalidate()
