"""Duty posts, rosters and their slots, overrides and swap requests."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.orm import Base, JSONType, UTCDateTime, iso, utcnow

ROSTER_TRANSITIONS: dict[tuple[str, str], str] = {
    ("draft", "edit"): "draft",
    ("draft", "publish"): "published",
    ("draft", "discard"): "discarded",
    ("published", "supersede"): "superseded",
}

SWAP_TRANSITIONS: dict[tuple[str, str], str] = {
    ("requested", "approve"): "approved",
    ("requested", "reject"): "rejected",
    ("requested", "cancel"): "cancelled",
}


class DutyPost(Base):
    __tablename__ = "duty_posts"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    unit_code: Mapped[str] = mapped_column(ForeignKey("units.code"), nullable=False)
    key: Mapped[str] = mapped_column(String(16), nullable=False)
    name: Mapped[str] = mapped_column(String(40), nullable=False)
    name_en: Mapped[str] = mapped_column(String(80), nullable=False, default="")
    sort: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)

    __table_args__ = (UniqueConstraint("unit_code", "key", name="uq_duty_posts_unit_key"),)

    def as_doc(self) -> dict[str, Any]:
        return {"id": self.id, "unit": self.unit_code, "key": self.key, "name": self.name, "name_en": self.name_en,
                "sort": self.sort, "active": self.active}


class Roster(Base):
    __tablename__ = "duty_rosters"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    unit_code: Mapped[str] = mapped_column(ForeignKey("units.code"), nullable=False)
    month: Mapped[str] = mapped_column(String(7), nullable=False)  # YYYY-MM in the unit's zone
    status: Mapped[str] = mapped_column(String(12), nullable=False, default="draft")
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    tz: Mapped[str] = mapped_column(String(64), nullable=False)
    shifts: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, nullable=False)
    created_by: Mapped[str | None] = mapped_column(String(32), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    published_by: Mapped[str | None] = mapped_column(String(32), nullable=True)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    __table_args__ = (Index("ix_duty_rosters_unit_month", "unit_code", "month", "status"),)

    def as_doc(self) -> dict[str, Any]:
        return {"id": self.id, "unit": self.unit_code, "month": self.month, "status": self.status,
                "version": self.version, "tz": self.tz, "shifts": self.shifts, "created_at": iso(self.created_at),
                "published_at": iso(self.published_at), "published_by": self.published_by}


class RosterSlot(Base):
    """One post in one shift of a roster. `user_id` null is a gap (refused at publish)."""

    __tablename__ = "duty_roster_slots"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    roster_id: Mapped[str] = mapped_column(ForeignKey("duty_rosters.id"), nullable=False)
    unit_code: Mapped[str] = mapped_column(String(32), nullable=False)
    post_key: Mapped[str] = mapped_column(String(16), nullable=False)
    shift_date: Mapped[date] = mapped_column(Date, nullable=False)
    shift_key: Mapped[str] = mapped_column(String(16), nullable=False)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    user_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"), nullable=True)

    __table_args__ = (
        UniqueConstraint("roster_id", "post_key", "shift_date", "shift_key", name="uq_duty_slot"),
        Index("ix_duty_slots_unit_time", "unit_code", "starts_at"),
        Index("ix_duty_slots_user_time", "user_id", "starts_at"),
    )

    def as_doc(self) -> dict[str, Any]:
        return {"id": self.id, "roster": self.roster_id, "post": self.post_key, "date": self.shift_date.isoformat(),
                "shift": self.shift_key, "starts_at": iso(self.starts_at), "ends_at": iso(self.ends_at),
                "user_id": self.user_id}


class DutyOverride(Base):
    """Someone else holds a post for a day or an hour range; beats the roster. Never deleted."""

    __tablename__ = "duty_overrides"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    unit_code: Mapped[str] = mapped_column(ForeignKey("units.code"), nullable=False)
    post_key: Mapped[str] = mapped_column(String(16), nullable=False)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), nullable=False)
    reason: Mapped[str] = mapped_column(Text, nullable=False, default="")
    swap_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    created_by: Mapped[str | None] = mapped_column(String(32), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    __table_args__ = (Index("ix_duty_overrides_unit_time", "unit_code", "starts_at"),)

    def as_doc(self) -> dict[str, Any]:
        return {"id": self.id, "unit": self.unit_code, "post": self.post_key, "starts_at": iso(self.starts_at),
                "ends_at": iso(self.ends_at), "user_id": self.user_id, "reason": self.reason,
                "swap_id": self.swap_id, "created_at": iso(self.created_at), "cancelled_at": iso(self.cancelled_at)}


class SwapRequest(Base):
    """A swap (I ask someone to take my shift) or a take (I offer to take someone's), for the chief."""

    __tablename__ = "duty_swaps"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    unit_code: Mapped[str] = mapped_column(ForeignKey("units.code"), nullable=False)
    post_key: Mapped[str] = mapped_column(String(16), nullable=False)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    from_user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), nullable=False)
    to_user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), nullable=False)
    kind: Mapped[str] = mapped_column(String(8), nullable=False)  # swap | take
    status: Mapped[str] = mapped_column(String(12), nullable=False, default="requested")
    reason: Mapped[str] = mapped_column(Text, nullable=False, default="")
    created_by: Mapped[str] = mapped_column(String(32), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    decided_by: Mapped[str | None] = mapped_column(String(32), nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    def as_doc(self) -> dict[str, Any]:
        return {"id": self.id, "unit": self.unit_code, "post": self.post_key, "starts_at": iso(self.starts_at),
                "ends_at": iso(self.ends_at), "from_user_id": self.from_user_id, "to_user_id": self.to_user_id,
                "kind": self.kind, "status": self.status, "reason": self.reason, "created_by": self.created_by,
                "created_at": iso(self.created_at), "decided_by": self.decided_by,
                "decided_at": iso(self.decided_at)}
