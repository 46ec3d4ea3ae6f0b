"""Roll-calls and their targets."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.orm import Base, UTCDateTime, iso, utcnow

ROLLCALL_TRANSITIONS: dict[tuple[str, str], str] = {
    ("open", "close"): "closed",
    ("open", "cancel"): "cancelled",
}
TARGET_TRANSITIONS: dict[tuple[str, str], str] = {
    ("pending", "answer"): "answered",
    ("pending", "miss"): "missed",
    ("pending", "cancel"): "cancelled",
}
MODES = ("platform", "phone", "video")


class RollCall(Base):
    __tablename__ = "duty_rollcalls"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    caller_unit: Mapped[str] = mapped_column(ForeignKey("units.code"), nullable=False)
    started_by: Mapped[str] = mapped_column(String(32), nullable=False)
    started_by_name: Mapped[str] = mapped_column(String(80), nullable=False)
    mode: Mapped[str] = mapped_column(String(10), nullable=False, default="platform")
    message: Mapped[str] = mapped_column(Text, nullable=False, default="")
    window_s: Mapped[int] = mapped_column(Integer, nullable=False)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    deadline: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    status: Mapped[str] = mapped_column(String(10), nullable=False, default="open")
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    __table_args__ = (Index("ix_duty_rollcalls_caller", "caller_unit", "started_at"),)

    def as_doc(self) -> dict[str, Any]:
        return {"id": self.id, "caller_unit": self.caller_unit, "started_by": self.started_by,
                "started_by_name": self.started_by_name, "mode": self.mode, "message": self.message,
                "window_s": self.window_s, "started_at": iso(self.started_at), "deadline": iso(self.deadline),
                "status": self.status, "closed_at": iso(self.closed_at)}


class RollCallTarget(Base):
    __tablename__ = "duty_rollcall_targets"

    rollcall_id: Mapped[str] = mapped_column(ForeignKey("duty_rollcalls.id"), primary_key=True)
    unit_code: Mapped[str] = mapped_column(ForeignKey("units.code"), primary_key=True)
    status: Mapped[str] = mapped_column(String(10), nullable=False, default="pending")
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    answered_by: Mapped[str | None] = mapped_column(String(32), nullable=True)
    answered_by_name: Mapped[str | None] = mapped_column(String(80), nullable=True)
    latency_ms: Mapped[int | None] = mapped_column(Integer, nullable=True)
    on_duty: Mapped[str | None] = mapped_column(String(16), nullable=True)  # the post the answerer held

    __table_args__ = (Index("ix_duty_rollcall_targets_unit", "unit_code", "status"),)

    def as_doc(self) -> dict[str, Any]:
        return {"unit": self.unit_code, "status": self.status, "answered_at": iso(self.answered_at),
                "answered_by": self.answered_by, "answered_by_name": self.answered_by_name,
                "latency_ms": self.latency_ms, "on_duty_post": self.on_duty}
