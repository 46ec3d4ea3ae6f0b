"""Grading rules: per jurisdiction and category, a JSON Schema over the facts for each grade."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.orm import Base, JSONType, UTCDateTime, utcnow


class GradingRule(Base):
    __tablename__ = "grading_rules"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    unit_code: Mapped[str] = mapped_column(ForeignKey("units.code"), nullable=False)
    category_prefix: Mapped[str] = mapped_column(String(64), nullable=False)
    grade: Mapped[str] = mapped_column(String(24), nullable=False)
    trigger: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False)
    description: Mapped[str] = mapped_column(Text, nullable=False, default="")
    source: Mapped[str] = mapped_column(Text, nullable=False, default="")
    sort: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    __table_args__ = (Index("ix_grading_rules_unit", "unit_code", "category_prefix"),)

    def as_doc(self) -> dict[str, Any]:
        return {"id": self.id, "unit": self.unit_code, "category_prefix": self.category_prefix, "grade": self.grade,
                "trigger": self.trigger, "description": self.description, "source": self.source}
