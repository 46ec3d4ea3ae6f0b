"""Resource registries per unit and the requests that move resources between units."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.orm import Base, JSONType, UTCDateTime, iso, utcnow

TEAM_TYPES: dict[str, tuple[str, str]] = {
    "comprehensive": ("综合应急救援", "Comprehensive rescue"), "fire": ("消防救援", "Fire and rescue"),
    "forest_fire": ("森林消防", "Forest fire"), "flood": ("防汛抢险", "Flood response"),
    "mine": ("矿山救护", "Mine rescue"), "hazchem": ("危化品处置", "Hazardous chemicals"),
    "medical": ("医疗救护", "Medical"), "volunteer": ("社会应急力量", "Social / volunteer"),
}
TEAM_STATUSES: dict[str, tuple[str, str]] = {
    "available": ("待命可调", "Available"), "standby": ("备勤", "On standby"),
    "deployed": ("已出动", "Deployed"), "resting": ("休整", "Resting"),
}
TEAM_TRANSITIONS: dict[tuple[str, str], str] = {
    ("available", "deploy"): "deployed", ("standby", "deploy"): "deployed",
    ("available", "standby"): "standby", ("standby", "release"): "available",
    ("deployed", "return"): "resting", ("resting", "ready"): "available",
    ("available", "rest"): "resting", ("standby", "rest"): "resting",
}
RESERVE_TYPES = {"physical": ("实物储备", "Physical"), "agreement": ("协议储备", "By agreement"),
                 "capacity": ("产能储备", "Production capacity")}
REQUEST_TRANSITIONS: dict[tuple[str, str], str] = {
    ("draft", "submit"): "submitted",
    ("draft", "withdraw"): "withdrawn",
    ("submitted", "approve"): "approved",
    ("submitted", "approve_part"): "partly_approved",
    ("submitted", "decline"): "declined",
    ("approved", "dispatch"): "dispatched",
    ("partly_approved", "dispatch"): "dispatched",
    ("dispatched", "receive"): "received",
}
REQUEST_STATUSES: dict[str, tuple[str, str]] = {
    "draft": ("草稿", "Draft"), "submitted": ("已提交", "Submitted"), "approved": ("已批准", "Approved"),
    "partly_approved": ("部分批准", "Partly approved"), "declined": ("未批准", "Declined"),
    "dispatched": ("已调拨", "Dispatched"), "received": ("已接收", "Received"), "withdrawn": ("已撤回", "Withdrawn"),
}
URGENCIES = {"urgent": ("特急", "Urgent"), "high": ("紧急", "High"), "normal": ("一般", "Normal")}


class RescueTeam(Base):
    """A rescue team: the team unit (its place in the tree, its base coordinates) plus what it is."""

    __tablename__ = "rescue_teams"

    unit_code: Mapped[str] = mapped_column(ForeignKey("units.code"), primary_key=True)
    unit_path: Mapped[str] = mapped_column(String(400), nullable=False, index=True)
    type: Mapped[str] = mapped_column(String(16), nullable=False)
    headcount: Mapped[int] = mapped_column(Integer, nullable=False)
    leader: Mapped[str] = mapped_column(String(80), nullable=False, default="")
    phone: Mapped[str] = mapped_column(String(40), nullable=False, default="")
    equipment: Mapped[list[str]] = mapped_column(JSONType, nullable=False, default=list)
    base_address: Mapped[str] = mapped_column(String(300), nullable=False, default="")
    lat: Mapped[float | None] = mapped_column(Float, nullable=True)
    lon: Mapped[float | None] = mapped_column(Float, nullable=True)
    status: Mapped[str] = mapped_column(String(12), nullable=False, default="available")
    task_id: Mapped[str | None] = mapped_column(String(32), nullable=True)  # deployed to
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    def as_doc(self) -> dict[str, Any]:
        return {"unit": self.unit_code, "type": self.type, "headcount": self.headcount, "leader": self.leader,
                "phone": self.phone, "equipment": self.equipment, "base_address": self.base_address,
                "lat": self.lat, "lon": self.lon, "status": self.status, "task_id": self.task_id,
                "updated_at": iso(self.updated_at)}


class StockItem(Base):
    """What a warehouse (a facility) holds of one item. `reserved` is promised to approved requests."""

    __tablename__ = "stock_items"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    facility_id: Mapped[str] = mapped_column(ForeignKey("facilities.id"), nullable=False, index=True)
    unit_code: Mapped[str] = mapped_column(String(32), nullable=False)
    unit_path: Mapped[str] = mapped_column(String(400), nullable=False)
    item: Mapped[str] = mapped_column(String(120), nullable=False)
    measure: Mapped[str] = mapped_column(String(20), nullable=False)  # 顶, 件, 台 …
    quantity: Mapped[int] = mapped_column(Integer, nullable=False)
    reserved: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    reserve_type: Mapped[str] = mapped_column(String(12), nullable=False, default="physical")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    __table_args__ = (CheckConstraint("reserved >= 0 AND quantity >= reserved", name="stock_never_negative"),
                      Index("ix_stock_items_path", "unit_path", "item"))

    def as_doc(self) -> dict[str, Any]:
        return {"id": self.id, "facility_id": self.facility_id, "unit": self.unit_code, "item": self.item,
                "measure": self.measure, "quantity": self.quantity, "reserved": self.reserved,
                "available": self.quantity - self.reserved, "reserve_type": self.reserve_type,
                "updated_at": iso(self.updated_at)}


class Expert(Base):
    __tablename__ = "experts"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    unit_code: Mapped[str] = mapped_column(ForeignKey("units.code"), nullable=False)
    unit_path: Mapped[str] = mapped_column(String(400), nullable=False, index=True)
    name: Mapped[str] = mapped_column(String(80), nullable=False)
    field: Mapped[str] = mapped_column(String(120), nullable=False)
    organisation: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    phone: Mapped[str] = mapped_column(String(40), nullable=False, default="")

    def as_doc(self) -> dict[str, Any]:
        return {"id": self.id, "unit": self.unit_code, "name": self.name, "field": self.field,
                "organisation": self.organisation, "phone": self.phone}


class ResourceRequest(Base):
    """A county asks its superior for items (and team types); approved lines reserve stock, which is
    taken out on dispatch and arrives on receipt."""

    __tablename__ = "resource_requests"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    from_unit: Mapped[str] = mapped_column(ForeignKey("units.code"), nullable=False)
    from_path: Mapped[str] = mapped_column(String(400), nullable=False, index=True)
    to_unit: Mapped[str] = mapped_column(ForeignKey("units.code"), nullable=False)
    incident_id: Mapped[str | None] = mapped_column(String(32), nullable=True, index=True)
    urgency: Mapped[str] = mapped_column(String(8), nullable=False, default="high")
    reason: Mapped[str] = mapped_column(Text, nullable=False, default="")
    # [{"item", "measure", "quantity", "approved", "stock_id"}] and [{"team_type", "count"}]
    lines: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, nullable=False, default=list)
    teams: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, nullable=False, default=list)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="draft")
    decision_note: Mapped[str] = mapped_column(Text, nullable=False, default="")
    created_by_name: Mapped[str] = mapped_column(String(80), nullable=False)
    decided_by_name: Mapped[str | None] = mapped_column(String(80), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    exercise: Mapped[bool] = mapped_column(default=False)

    def as_doc(self) -> dict[str, Any]:
        return {"id": self.id, "from_unit": self.from_unit, "to_unit": self.to_unit, "incident_id": self.incident_id,
                "urgency": self.urgency, "reason": self.reason, "lines": self.lines, "teams": self.teams,
                "status": self.status, "decision_note": self.decision_note, "created_by_name": self.created_by_name,
                "decided_by_name": self.decided_by_name, "created_at": iso(self.created_at),
                "updated_at": iso(self.updated_at), "exercise": self.exercise}
