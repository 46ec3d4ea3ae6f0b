"""The bus carries committed events between server processes; the journal stays the truth.

Two kinds: `LocalBus` (one process: nothing to carry) and `RedisBus` (Redis pub/sub, one
subscription per process). Either way `core.bus.feed.EventFeed` turns what arrives into a gap-free
stream in `seq` order, filling holes and tailing the journal whenever the bus cannot be trusted.
"""

from core.bus.base import Bus, LocalBus
from core.bus.redis import RedisBus

__all__ = ["Bus", "LocalBus", "RedisBus"]
