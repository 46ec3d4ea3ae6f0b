"""A timer row. `fence` grows with every claim; only the holder of the current fence may fire."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.orm import Base, JSONType, UTCDateTime, utcnow

# A timer's life: scheduled → claimed (lease) → fired, or cancelled. A lease that runs out
# (a crashed process) makes it claimable again with a higher fence.
TIMER_TRANSITIONS: dict[tuple[str, str], str] = {
    ("scheduled", "claim"): "claimed",
    ("claimed", "claim"): "claimed",  # only once the lease has expired
    ("claimed", "fire"): "fired",
    ("claimed", "fail"): "scheduled",
    ("scheduled", "cancel"): "cancelled",
    ("claimed", "cancel"): "cancelled",
}


class Timer(Base):
    __tablename__ = "timers"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    kind: Mapped[str] = mapped_column(String(64), nullable=False)
    ref: Mapped[str] = mapped_column(String(128), nullable=False)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    state: Mapped[str] = mapped_column(String(16), nullable=False, default="scheduled")
    fence: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    claimed_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    fired_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    __table_args__ = (
        # One live timer per (kind, ref): rescheduling moves it instead of adding a second.
        UniqueConstraint("kind", "ref", name="uq_timers_kind_ref"),
        Index("ix_timers_due", "state", "due_at"),
    )
