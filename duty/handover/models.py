"""Handovers and their items."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.orm import Base, UTCDateTime, iso, utcnow

HANDOVER_TRANSITIONS: dict[tuple[str, str], str] = {
    ("draft", "edit"): "draft",
    ("draft", "submit"): "submitted",
    ("submitted", "accept_item"): "submitted",
    ("submitted", "accept"): "accepted",
    ("submitted", "withdraw"): "draft",
}


class Handover(Base):
    __tablename__ = "duty_handovers"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    unit_code: Mapped[str] = mapped_column(ForeignKey("units.code"), nullable=False)
    post_key: Mapped[str] = mapped_column(String(16), nullable=False)
    from_user_id: Mapped[str] = mapped_column(String(32), nullable=False)
    from_user_name: Mapped[str] = mapped_column(String(80), nullable=False)
    to_user_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    to_user_name: Mapped[str | None] = mapped_column(String(80), nullable=True)
    shift_ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    status: Mapped[str] = mapped_column(String(10), nullable=False, default="draft")
    notes: Mapped[str] = mapped_column(Text, nullable=False, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    accepted_by: Mapped[str | None] = mapped_column(String(32), nullable=True)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    __table_args__ = (Index("ix_duty_handovers_unit", "unit_code", "created_at"),)

    def as_doc(self) -> dict[str, Any]:
        return {"id": self.id, "unit": self.unit_code, "post": self.post_key,
                "from_user": {"id": self.from_user_id, "name": self.from_user_name},
                "to_user": {"id": self.to_user_id, "name": self.to_user_name} if self.to_user_id else None,
                "shift_ends_at": iso(self.shift_ends_at), "status": self.status, "notes": self.notes,
                "created_at": iso(self.created_at), "submitted_at": iso(self.submitted_at),
                "accepted_at": iso(self.accepted_at), "accepted_by": self.accepted_by,
                "reminded_at": iso(self.reminded_at)}


class HandoverItem(Base):
    __tablename__ = "duty_handover_items"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    handover_id: Mapped[str] = mapped_column(ForeignKey("duty_handovers.id"), nullable=False, index=True)
    sort: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    source: Mapped[str] = mapped_column(String(40), nullable=False)  # a provider's name, or "free"
    ref: Mapped[str | None] = mapped_column(String(64), nullable=True)
    title: Mapped[str] = mapped_column(String(300), nullable=False)
    detail: Mapped[str] = mapped_column(Text, nullable=False, default="")
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    accepted: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    remark: Mapped[str] = mapped_column(Text, nullable=False, default="")

    def as_doc(self) -> dict[str, Any]:
        return {"id": self.id, "source": self.source, "ref": self.ref, "title": self.title, "detail": self.detail,
                "due_at": iso(self.due_at), "accepted": self.accepted, "accepted_at": iso(self.accepted_at),
                "remark": self.remark}
