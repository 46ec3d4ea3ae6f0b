"""Incidents, the units involved in them, and their timeline entries."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, Float, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.orm import Base, JSONType, UTCDateTime, iso, utcnow

INCIDENT_TRANSITIONS: dict[tuple[str, str], str] = {
    ("reported", "respond"): "responding",
    ("reported", "stabilise"): "stabilised",
    ("responding", "stabilise"): "stabilised",
    ("stabilised", "respond"): "responding",
    ("reported", "close"): "closed",
    ("responding", "close"): "closed",
    ("stabilised", "close"): "closed",
    ("closed", "reopen"): "responding",
}
STATUS_LABELS = {"reported": ("已接报", "Received"), "responding": ("处置中", "Responding"),
                 "stabilised": ("已控制", "Stabilised"), "closed": ("已结束", "Closed")}
UNIT_ROLES = ("lead", "participant", "affected", "shared")
ENTRY_KINDS = {"decision": ("决策", "Decision"), "instruction": ("指示批示", "Instruction"),
               "situation": ("态势更新", "Situation update"), "significant": ("重要事件", "Significant event")}


class Incident(Base):
    __tablename__ = "incidents"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    number: Mapped[str] = mapped_column(String(40), nullable=False, unique=True)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    description: Mapped[str] = mapped_column(Text, nullable=False, default="")
    category: Mapped[str] = mapped_column(String(64), nullable=False)
    unit_code: Mapped[str] = mapped_column(ForeignKey("units.code"), nullable=False)  # the jurisdiction
    unit_path: Mapped[str] = mapped_column(String(400), nullable=False)
    address: Mapped[str] = mapped_column(String(300), nullable=False, default="")
    lat: Mapped[float | None] = mapped_column(Float, nullable=True)
    lon: Mapped[float | None] = mapped_column(Float, nullable=True)
    occurred_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    reported_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)  # first report out (报出)
    facts: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False, default=dict)
    grade: Mapped[str | None] = mapped_column(String(24), nullable=True)
    grade_suggested: Mapped[str | None] = mapped_column(String(24), nullable=True)
    grade_reason: Mapped[str] = mapped_column(Text, nullable=False, default="")
    status: Mapped[str] = mapped_column(String(12), nullable=False, default="reported")
    lead_leader: Mapped[str] = mapped_column(String(80), nullable=False, default="")
    lead_unit: Mapped[str | None] = mapped_column(String(32), nullable=True)
    task_force: Mapped[list[str]] = mapped_column(JSONType, nullable=False, default=list)
    exercise: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    created_by: Mapped[str] = mapped_column(String(32), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    __table_args__ = (Index("ix_incidents_path_status", "unit_path", "status", "received_at"),)

    def as_doc(self) -> dict[str, Any]:
        return {"id": self.id, "number": self.number, "title": self.title, "description": self.description,
                "category": self.category, "unit": self.unit_code, "address": self.address, "lat": self.lat,
                "lon": self.lon, "occurred_at": iso(self.occurred_at), "received_at": iso(self.received_at),
                "reported_at": iso(self.reported_at), "facts": self.facts, "grade": self.grade,
                "grade_suggested": self.grade_suggested, "grade_reason": self.grade_reason, "status": self.status,
                "lead_leader": self.lead_leader, "lead_unit": self.lead_unit, "task_force": self.task_force,
                "exercise": self.exercise, "created_at": iso(self.created_at), "updated_at": iso(self.updated_at),
                "closed_at": iso(self.closed_at)}


class IncidentUnit(Base):
    """A unit involved in an incident: lead, participant, affected, or shared with (may see it)."""

    __tablename__ = "incident_units"

    incident_id: Mapped[str] = mapped_column(ForeignKey("incidents.id"), primary_key=True)
    unit_code: Mapped[str] = mapped_column(ForeignKey("units.code"), primary_key=True)
    role: Mapped[str] = mapped_column(String(12), primary_key=True)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    __table_args__ = (Index("ix_incident_units_unit", "unit_code", "incident_id"),)


class TimelineEntry(Base):
    __tablename__ = "incident_timeline"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    incident_id: Mapped[str] = mapped_column(ForeignKey("incidents.id"), nullable=False, index=True)
    kind: Mapped[str] = mapped_column(String(16), nullable=False)
    text: Mapped[str] = mapped_column(Text, nullable=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    significant: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    verified_by: Mapped[str | None] = mapped_column(String(32), nullable=True)
    verified_by_name: Mapped[str | None] = mapped_column(String(80), nullable=True)
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    author_id: Mapped[str] = mapped_column(String(32), nullable=False)
    author_name: Mapped[str] = mapped_column(String(80), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    def as_doc(self) -> dict[str, Any]:
        return {"id": self.id, "incident_id": self.incident_id, "kind": self.kind, "text": self.text,
                "at": iso(self.at), "significant": self.significant, "verified_by_name": self.verified_by_name,
                "verified_at": iso(self.verified_at), "author_name": self.author_name,
                "created_at": iso(self.created_at)}


class IncidentCounter(Base):
    """Per unit and day, the last incident number given (numbers read 360702-20261124-003)."""

    __tablename__ = "incident_counters"

    unit_code: Mapped[str] = mapped_column(String(32), primary_key=True)
    day: Mapped[str] = mapped_column(String(8), primary_key=True)
    last: Mapped[int] = mapped_column(nullable=False, default=0)

    __table_args__ = (UniqueConstraint("unit_code", "day", name="uq_incident_counters"),)
