"""Daily duty reports. A zero report (零报告) says: nothing to report."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Boolean, Date, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.orm import Base, JSONType, UTCDateTime, iso, utcnow


class DailyReport(Base):
    __tablename__ = "duty_daily_reports"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    unit_code: Mapped[str] = mapped_column(ForeignKey("units.code"), nullable=False)
    report_date: Mapped[date] = mapped_column(Date, nullable=False)
    kind: Mapped[str] = mapped_column(String(8), nullable=False)  # daily | zero
    content: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False, default=dict)
    filed_by: Mapped[str] = mapped_column(String(32), nullable=False)
    filed_by_name: Mapped[str] = mapped_column(String(80), nullable=False)
    filed_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    deadline: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    late: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)

    __table_args__ = (UniqueConstraint("unit_code", "report_date", name="uq_duty_daily_unit_date"),
                      Index("ix_duty_daily_date", "report_date"))

    def as_doc(self) -> dict[str, Any]:
        return {"id": self.id, "unit": self.unit_code, "date": self.report_date.isoformat(), "kind": self.kind,
                "content": self.content, "filed_by": self.filed_by, "filed_by_name": self.filed_by_name,
                "filed_at": iso(self.filed_at), "deadline": iso(self.deadline), "late": self.late}


class DailyReportMiss(Base):
    """A unit that had not filed by the deadline (flagged once, kept for statistics)."""

    __tablename__ = "duty_daily_misses"

    unit_code: Mapped[str] = mapped_column(ForeignKey("units.code"), primary_key=True)
    report_date: Mapped[date] = mapped_column(Date, primary_key=True)
    flagged_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
