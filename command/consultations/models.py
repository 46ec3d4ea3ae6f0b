"""A consultation (会商研判), who is invited and who attended, and what was said and decided."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.orm import Base, UTCDateTime, iso, utcnow

CONSULTATION_TRANSITIONS: dict[tuple[str, str], str] = {
    ("scheduled", "open"): "in_session",
    ("scheduled", "cancel"): "cancelled",
    ("in_session", "close"): "closed",
}
KINDS = {"incident": ("事件会商", "Incident consultation"), "risk": ("风险研判", "Risk assessment"),
         "season": ("汛前/季节性会商", "Seasonal consultation")}
STATUS_LABELS = {"scheduled": ("待召开", "Scheduled"), "in_session": ("会商中", "In session"),
                 "closed": ("已结束", "Closed"), "cancelled": ("已取消", "Cancelled")}


class Consultation(Base):
    __tablename__ = "consultations"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    incident_id: Mapped[str | None] = mapped_column(ForeignKey("incidents.id"), nullable=True, index=True)
    unit_code: Mapped[str] = mapped_column(ForeignKey("units.code"), nullable=False)  # who convenes
    unit_path: Mapped[str] = mapped_column(String(400), nullable=False)
    kind: Mapped[str] = mapped_column(String(12), nullable=False, default="incident")
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    agenda: Mapped[str] = mapped_column(Text, nullable=False, default="")
    place: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    status: Mapped[str] = mapped_column(String(12), nullable=False, default="scheduled")
    minutes: Mapped[str] = mapped_column(Text, nullable=False, default="")
    exercise: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    convened_by_name: Mapped[str] = mapped_column(String(80), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    __table_args__ = (Index("ix_consultations_path", "unit_path", "starts_at"),)

    def as_doc(self) -> dict[str, Any]:
        return {"id": self.id, "incident_id": self.incident_id, "unit": self.unit_code, "kind": self.kind,
                "title": self.title, "agenda": self.agenda, "place": self.place, "starts_at": iso(self.starts_at),
                "status": self.status, "minutes": self.minutes, "exercise": self.exercise,
                "convened_by_name": self.convened_by_name, "created_at": iso(self.created_at),
                "opened_at": iso(self.opened_at), "closed_at": iso(self.closed_at)}


class Invitee(Base):
    """A unit invited (its people attend and speak from their own terminals), or an expert by name."""

    __tablename__ = "consultation_invitees"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    consultation_id: Mapped[str] = mapped_column(ForeignKey("consultations.id"), nullable=False, index=True)
    unit_code: Mapped[str | None] = mapped_column(ForeignKey("units.code"), nullable=True, index=True)
    name: Mapped[str] = mapped_column(String(120), nullable=False, default="")  # an expert's name
    field: Mapped[str] = mapped_column(String(120), nullable=False, default="")  # an expert's field
    attended: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    attendee_name: Mapped[str | None] = mapped_column(String(120), nullable=True)
    attended_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    def as_doc(self) -> dict[str, Any]:
        return {"id": self.id, "unit": self.unit_code, "name": self.name, "field": self.field,
                "attended": self.attended, "attendee_name": self.attendee_name, "attended_at": iso(self.attended_at)}


class Entry(Base):
    """An opinion (意见) or a decision (决定); a decision may become a task, tracked to done."""

    __tablename__ = "consultation_entries"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    consultation_id: Mapped[str] = mapped_column(ForeignKey("consultations.id"), nullable=False, index=True)
    kind: Mapped[str] = mapped_column(String(10), nullable=False)  # opinion | decision
    text: Mapped[str] = mapped_column(Text, nullable=False)
    unit_code: Mapped[str] = mapped_column(String(32), nullable=False)
    speaker: Mapped[str] = mapped_column(String(120), nullable=False)  # a person, or an expert named by the convenor
    task_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    def as_doc(self) -> dict[str, Any]:
        return {"id": self.id, "kind": self.kind, "text": self.text, "unit": self.unit_code, "speaker": self.speaker,
                "task_id": self.task_id, "at": iso(self.at)}
