"""Intakes: what was reported, by whom, where and when, with the three clocks kept apart."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, Float, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.orm import Base, JSONType, UTCDateTime, iso, utcnow

SOURCES: dict[str, tuple[str, str]] = {
    "phone": ("电话报告", "Phone"),
    "upper_notice": ("上级通报", "Notice from above"),
    "lower_report": ("下级报告", "Report from below"),
    "disaster_officer": ("灾害信息员", "Disaster information officer"),
    "monitoring_alarm": ("监测预警", "Monitoring alarm"),
    "linkage_110": ("110 联动", "110 linkage"),
    "linkage_119": ("119 联动", "119 linkage"),
    "linkage_120": ("120 联动", "120 linkage"),
    "public": ("群众报告", "Public"),
    "system": ("系统对接", "Other system"),
}

INTAKE_TRANSITIONS: dict[tuple[str, str], str] = {
    ("pending", "take"): "verifying",
    ("verifying", "take"): "verifying",  # only once the lease has run out, or by its holder
    ("verifying", "release"): "pending",
    ("pending", "verify"): "verified",
    ("verifying", "verify"): "verified",
    ("pending", "reject"): "rejected",
    ("verifying", "reject"): "rejected",
    ("pending", "duplicate"): "duplicate",
    ("verifying", "duplicate"): "duplicate",
}


class Intake(Base):
    __tablename__ = "intakes"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    unit_code: Mapped[str] = mapped_column(ForeignKey("units.code"), nullable=False)  # the receiving duty room
    unit_path: Mapped[str] = mapped_column(String(400), nullable=False)
    source: Mapped[str] = mapped_column(String(24), nullable=False)
    caller: Mapped[str] = mapped_column(String(120), nullable=False, default="")
    callback: Mapped[str] = mapped_column(String(40), nullable=False, default="")
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    description: Mapped[str] = mapped_column(Text, nullable=False, default="")
    category: Mapped[str] = mapped_column(String(64), nullable=False)
    location_unit: Mapped[str] = mapped_column(ForeignKey("units.code"), nullable=False)  # where it happened
    address: Mapped[str] = mapped_column(String(300), nullable=False, default="")
    lat: Mapped[float | None] = mapped_column(Float, nullable=True)
    lon: Mapped[float | None] = mapped_column(Float, nullable=True)
    occurred_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)  # 事发
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)  # 接报
    facts: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False, default=dict)
    status: Mapped[str] = mapped_column(String(12), nullable=False, default="pending")
    lease_by: Mapped[str | None] = mapped_column(String(32), nullable=True)
    lease_by_name: Mapped[str | None] = mapped_column(String(80), nullable=True)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    incident_id: Mapped[str | None] = mapped_column(String(32), nullable=True, index=True)
    duplicate_of: Mapped[str | None] = mapped_column(String(32), nullable=True)
    reject_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    exercise: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    external_ref: Mapped[str | None] = mapped_column(String(120), nullable=True)
    created_by: Mapped[str] = mapped_column(String(32), nullable=False)
    created_by_name: Mapped[str] = mapped_column(String(80), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    decided_by: Mapped[str | None] = mapped_column(String(32), nullable=True)

    __table_args__ = (Index("ix_intakes_unit_status", "unit_path", "status", "received_at"),
                      Index("ix_intakes_category_time", "category", "received_at"))

    def as_doc(self) -> dict[str, Any]:
        return {"id": self.id, "unit": self.unit_code, "source": self.source, "caller": self.caller,
                "callback": self.callback, "title": self.title, "description": self.description,
                "category": self.category, "location_unit": self.location_unit, "address": self.address,
                "lat": self.lat, "lon": self.lon, "occurred_at": iso(self.occurred_at),
                "received_at": iso(self.received_at), "facts": self.facts, "status": self.status,
                "lease": ({"by": self.lease_by, "name": self.lease_by_name, "until": iso(self.lease_until)}
                          if self.lease_by else None),
                "incident_id": self.incident_id, "duplicate_of": self.duplicate_of,
                "reject_reason": self.reject_reason, "exercise": self.exercise, "external_ref": self.external_ref,
                "created_by_name": self.created_by_name, "created_at": iso(self.created_at),
                "decided_at": iso(self.decided_at)}
