"""Units form one tree; `path` ("/360700/360702/") makes subtree and ancestor queries one index scan."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, Float, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from core.orm import Base, JSONType, UTCDateTime, utcnow

# Kinds of unit. Jurisdictions follow the GB/T 2260 levels; the rest hang under a jurisdiction.
UNIT_KINDS = ("province", "city", "county", "township", "village", "agency", "department", "team")
JURISDICTION_KINDS = ("province", "city", "county", "township", "village")
FACILITY_KINDS = ("duty_room", "warehouse", "shelter")


class Unit(Base):
    __tablename__ = "units"

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    parent_code: Mapped[str | None] = mapped_column(ForeignKey("units.code"), nullable=True)
    path: Mapped[str] = mapped_column(String(400), nullable=False, unique=True)
    name: Mapped[str] = mapped_column(String(120), nullable=False)
    name_en: Mapped[str] = mapped_column(String(160), nullable=False, default="")
    kind: Mapped[str] = mapped_column(String(16), nullable=False)
    tz: Mapped[str | None] = mapped_column(String(64), nullable=True)
    lat: Mapped[float | None] = mapped_column(Float, nullable=True)
    lon: Mapped[float | None] = mapped_column(Float, nullable=True)
    phone: Mapped[str | None] = mapped_column(String(40), nullable=True)
    sort: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    __table_args__ = (Index("ix_units_parent", "parent_code", "sort"),)

    def as_doc(self) -> dict[str, Any]:
        return {"code": self.code, "name": self.name, "name_en": self.name_en, "parent": self.parent_code,
                "kind": self.kind, "tz": self.tz, "lat": self.lat, "lon": self.lon, "phone": self.phone,
                "active": self.active}


class Facility(Base):
    """A place a unit runs: its duty room, a warehouse, a shelter. Later registries hang off these."""

    __tablename__ = "facilities"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    unit_code: Mapped[str] = mapped_column(ForeignKey("units.code"), nullable=False, index=True)
    kind: Mapped[str] = mapped_column(String(16), nullable=False)
    name: Mapped[str] = mapped_column(String(160), nullable=False)
    address: Mapped[str] = mapped_column(String(300), nullable=False, default="")
    phone: Mapped[str | None] = mapped_column(String(40), nullable=True)
    lat: Mapped[float | None] = mapped_column(Float, nullable=True)
    lon: Mapped[float | None] = mapped_column(Float, nullable=True)
    capacity: Mapped[int | None] = mapped_column(Integer, nullable=True)
    attributes: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    def as_doc(self) -> dict[str, Any]:
        return {"id": self.id, "unit": self.unit_code, "kind": self.kind, "name": self.name,
                "address": self.address, "phone": self.phone, "lat": self.lat, "lon": self.lon,
                "capacity": self.capacity, "attributes": self.attributes}
