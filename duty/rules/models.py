"""A unit's own duty rules; what it does not set it inherits from its ancestors, then the defaults."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from core.orm import Base, JSONType, UTCDateTime, utcnow


class DutyRules(Base):
    __tablename__ = "duty_rules"

    unit_code: Mapped[str] = mapped_column(ForeignKey("units.code"), primary_key=True)
    values: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False, default=dict)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
