"""What a running process holds: settings, database, the session signer, the feed, the timers."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from core.auth.sessions import SessionSigner
from core.db import Database
from core.orm import utcnow
from core.settings import Settings

if TYPE_CHECKING:
    from core.bus.feed import EventFeed
    from core.timers.runner import TimerRunner


@dataclass
class Runtime:
    settings: Settings
    db: Database
    signer: SessionSigner
    feed: EventFeed | None = None
    timers: TimerRunner | None = None
    extras: dict[str, Any] = field(default_factory=dict)
    # The time sign-in throttling reads; tests replace it instead of waiting.
    clock: Callable[[], datetime] = utcnow
