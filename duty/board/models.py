"""Presence: each server process reports, per unit, how many live consoles it holds."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from core.orm import Base, UTCDateTime, utcnow


class Presence(Base):
    __tablename__ = "duty_presence"

    process: Mapped[str] = mapped_column(String(80), primary_key=True)
    unit_code: Mapped[str] = mapped_column(String(32), primary_key=True)
    connections: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)


class UnitOnline(Base):
    """The last state announced for a unit's terminal, so transitions are journaled once."""

    __tablename__ = "duty_unit_online"

    unit_code: Mapped[str] = mapped_column(String(32), primary_key=True)
    online: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
