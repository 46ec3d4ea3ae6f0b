"""Duty log entries. Append-only: a correction is a new entry that points at the one it corrects."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.orm import Base, UTCDateTime, iso, utcnow

LOG_KINDS: dict[str, tuple[str, str]] = {
    "call_in": ("来电接报", "Call received"),
    "call_out": ("去电", "Call made"),
    "instruction_in": ("接收指示", "Instruction received"),
    "instruction_out": ("传达指示", "Instruction relayed"),
    "notice": ("通知通报", "Notice"),
    "check": ("检查/查岗", "Check"),
    "other": ("其他", "Other"),
}


class DutyLogEntry(Base):
    __tablename__ = "duty_log"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    unit_code: Mapped[str] = mapped_column(ForeignKey("units.code"), nullable=False)
    duty_date: Mapped[date] = mapped_column(Date, nullable=False)  # the shift's date in the unit's zone
    at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)  # when it happened
    kind: Mapped[str] = mapped_column(String(20), nullable=False)
    counterpart: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    summary: Mapped[str] = mapped_column(Text, nullable=False)
    corrects_id: Mapped[str | None] = mapped_column(ForeignKey("duty_log.id"), nullable=True)
    author_id: Mapped[str] = mapped_column(String(32), nullable=False)
    author_name: Mapped[str] = mapped_column(String(80), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    __table_args__ = (Index("ix_duty_log_unit_date", "unit_code", "duty_date", "at"),)

    def as_doc(self) -> dict[str, Any]:
        return {"id": self.id, "unit": self.unit_code, "duty_date": self.duty_date.isoformat(), "at": iso(self.at),
                "kind": self.kind, "counterpart": self.counterpart, "summary": self.summary,
                "corrects": self.corrects_id, "author": {"id": self.author_id, "name": self.author_name},
                "created_at": iso(self.created_at)}
