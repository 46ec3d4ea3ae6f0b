"""Information reports and the reporting rules (clock, minutes, grades, categories, legal source)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.orm import Base, JSONType, UTCDateTime, iso, utcnow

KINDS = {"initial": ("首报", "Initial report"), "follow_up": ("续报", "Follow-up report"),
         "final": ("终报", "Final report")}
CLOCKS = {"occurred": ("事发", "Occurred"), "received": ("接报", "Received"), "reported": ("报出", "Reported"),
          "previous": ("上一次报告", "Previous report")}

REPORT_TRANSITIONS: dict[tuple[str, str], str] = {
    ("draft", "edit"): "draft",
    ("draft", "sign"): "signed",
    ("signed", "submit"): "submitted",
    ("signed", "return"): "draft",
    ("draft", "discard"): "discarded",
}


class ReportRule(Base):
    __tablename__ = "report_rules"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    unit_code: Mapped[str] = mapped_column(ForeignKey("units.code"), nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    kind: Mapped[str] = mapped_column(String(12), nullable=False)
    grades: Mapped[list[str]] = mapped_column(JSONType, nullable=False, default=list)  # empty: every grade
    category_prefix: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    clock: Mapped[str] = mapped_column(String(10), nullable=False)
    minutes: Mapped[int] = mapped_column(Integer, nullable=False)
    channel: Mapped[str] = mapped_column(String(10), nullable=False, default="written")  # phone | written
    source: Mapped[str] = mapped_column(Text, nullable=False, default="")
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)

    def as_doc(self) -> dict[str, Any]:
        return {"id": self.id, "unit": self.unit_code, "name": self.name, "kind": self.kind, "grades": self.grades,
                "category_prefix": self.category_prefix, "clock": self.clock, "minutes": self.minutes,
                "channel": self.channel, "source": self.source, "active": self.active}


class InfoReport(Base):
    __tablename__ = "info_reports"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    incident_id: Mapped[str] = mapped_column(ForeignKey("incidents.id"), nullable=False)
    unit_code: Mapped[str] = mapped_column(ForeignKey("units.code"), nullable=False)  # the reporting unit
    to_unit: Mapped[str | None] = mapped_column(String(32), nullable=True)  # the superior it goes to
    kind: Mapped[str] = mapped_column(String(12), nullable=False)
    number: Mapped[int] = mapped_column(Integer, nullable=False, default=0)  # 续报 1, 2, 3 …
    previous_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    status: Mapped[str] = mapped_column(String(12), nullable=False, default="draft")
    content: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False, default=dict)
    changes: Mapped[str] = mapped_column(Text, nullable=False, default="")  # what changed since the previous
    deadline: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    deadline_rule: Mapped[str | None] = mapped_column(String(200), nullable=True)
    on_time: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    exercise: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    drafted_by: Mapped[str] = mapped_column(String(32), nullable=False)
    drafted_by_name: Mapped[str] = mapped_column(String(80), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    signed_by: Mapped[str | None] = mapped_column(String(32), nullable=True)
    signed_by_name: Mapped[str | None] = mapped_column(String(80), nullable=True)
    signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    received_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)  # opened by the superior

    __table_args__ = (Index("ix_info_reports_incident", "incident_id", "kind", "number"),
                      Index("ix_info_reports_to", "to_unit", "status", "submitted_at"))

    def as_doc(self) -> dict[str, Any]:
        return {"id": self.id, "incident_id": self.incident_id, "unit": self.unit_code, "to_unit": self.to_unit,
                "kind": self.kind, "number": self.number, "previous_id": self.previous_id, "status": self.status,
                "content": self.content, "changes": self.changes, "deadline": iso(self.deadline),
                "deadline_rule": self.deadline_rule, "on_time": self.on_time, "exercise": self.exercise,
                "drafted_by_name": self.drafted_by_name, "created_at": iso(self.created_at),
                "signed_by_name": self.signed_by_name, "signed_at": iso(self.signed_at),
                "submitted_at": iso(self.submitted_at), "received_at": iso(self.received_at)}
