"""Warnings (one row per version, linked to the version it replaces), the units they are addressed
to, the precaution reports those units send back, and each unit's population at risk."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.orm import Base, JSONType, UTCDateTime, iso, utcnow


class EarlyWarning(Base):
    """One version of a warning. `series_id` is the id of the first version: the warning as people
    know it; exactly one version of a series is `current`."""

    __tablename__ = "warnings"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    series_id: Mapped[str] = mapped_column(String(32), nullable=False, index=True)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    replaces_id: Mapped[str | None] = mapped_column(ForeignKey("warnings.id"), nullable=True)
    current: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    # "Alert" | "Update" | "Cancel": what this version did (CAP msgType words)
    msg_type: Mapped[str] = mapped_column(String(8), nullable=False, default="Alert")
    state: Mapped[str] = mapped_column(String(12), nullable=False, default="issued")
    hazard: Mapped[str] = mapped_column(String(24), nullable=False)
    event: Mapped[str] = mapped_column(String(200), nullable=False, default="")  # the issuer's own words
    colour: Mapped[str] = mapped_column(String(8), nullable=False)
    headline: Mapped[str] = mapped_column(String(400), nullable=False, default="")
    description: Mapped[str] = mapped_column(Text, nullable=False, default="")
    instructions: Mapped[str] = mapped_column(Text, nullable=False, default="")  # 防御指南
    issuer_unit: Mapped[str] = mapped_column(ForeignKey("units.code"), nullable=False)
    issuer_path: Mapped[str] = mapped_column(String(400), nullable=False)
    issuer_name: Mapped[str] = mapped_column(String(200), nullable=False, default="")  # e.g. 赣州市气象台
    # {"units": [codes], "polygons": [[[lat, lon], ...]], "circles": [{"lat", "lon", "radius_km"}],
    #  "geocodes": [{"name", "value"}], "descriptions": [str]}
    areas: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False, default=dict)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    effective_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    onset_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    exercise: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)  # CAP status Exercise
    source: Mapped[str] = mapped_column(String(12), nullable=False, default="manual")  # manual | cap
    # CAP identity of this version, when it came as (or left as) CAP: unique per sender.
    identifier: Mapped[str | None] = mapped_column(String(200), nullable=True)
    sender: Mapped[str | None] = mapped_column(String(200), nullable=True)
    cap_xml: Mapped[str | None] = mapped_column(Text, nullable=True)  # the message exactly as received
    # Whatever else the source said that the model has no column for (CAP languages, parameters,
    # resources as links, other geocodes...): kept, shown, exported again.
    extra: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False, default=dict)
    reason: Mapped[str] = mapped_column(Text, nullable=False, default="")  # why updated / cancelled
    created_by: Mapped[str] = mapped_column(String(32), nullable=False)
    created_by_name: Mapped[str] = mapped_column(String(80), nullable=False, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    __table_args__ = (UniqueConstraint("sender", "identifier", name="uq_warnings_sender_identifier"),
                      Index("ix_warnings_current_state", "current", "state"),
                      Index("ix_warnings_issuer_path", "issuer_path"))

    def as_doc(self) -> dict[str, Any]:
        return {"id": self.id, "series_id": self.series_id, "version": self.version,
                "replaces_id": self.replaces_id, "current": self.current, "msg_type": self.msg_type,
                "state": self.state, "hazard": self.hazard, "event": self.event, "colour": self.colour,
                "headline": self.headline, "description": self.description, "instructions": self.instructions,
                "issuer_unit": self.issuer_unit, "issuer_name": self.issuer_name, "areas": self.areas,
                "sent_at": iso(self.sent_at), "effective_at": iso(self.effective_at),
                "onset_at": iso(self.onset_at), "expires_at": iso(self.expires_at), "exercise": self.exercise,
                "source": self.source, "identifier": self.identifier, "sender": self.sender, "extra": self.extra,
                "reason": self.reason, "created_by_name": self.created_by_name,
                "created_at": iso(self.created_at), "ended_at": iso(self.ended_at)}


class WarningAddressee(Base):
    """A unit a warning is addressed to (directly, by the area, or passed down by its superior)."""

    __tablename__ = "warning_addressees"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    series_id: Mapped[str] = mapped_column(String(32), nullable=False, index=True)
    version_id: Mapped[str] = mapped_column(ForeignKey("warnings.id"), nullable=False)  # the version it has
    unit_code: Mapped[str] = mapped_column(ForeignKey("units.code"), nullable=False)
    unit_path: Mapped[str] = mapped_column(String(400), nullable=False)
    via_unit: Mapped[str | None] = mapped_column(String(32), nullable=True)  # 转发 by this unit; None: direct
    additions: Mapped[str] = mapped_column(Text, nullable=False, default="")  # the forwarder's own words
    state: Mapped[str] = mapped_column(String(12), nullable=False, default="addressed")
    exercise: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    addressed_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    sign_due_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    report_due_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    signed_by_name: Mapped[str | None] = mapped_column(String(80), nullable=True)
    reported_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    people_warned: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    people_moved: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    # Earlier sign-fors kept when a raise asked for a new one: [{"version", "at", "by"}]
    history: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, nullable=False, default=list)
    escalations: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, nullable=False, default=list)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    __table_args__ = (UniqueConstraint("series_id", "unit_code", name="uq_warning_addressees_series_unit"),
                      Index("ix_warning_addressees_unit_state", "unit_path", "state"))

    def late(self, now: datetime) -> str | None:
        """What this unit is late with: "sign" (签收), "report" (防范落实) or None."""
        if self.state == "addressed" and self.sign_due_at <= now:
            return "sign"
        if self.state in ("addressed", "signed") and self.report_due_at <= now:
            return "report"
        return None

    def as_doc(self) -> dict[str, Any]:
        return {"id": self.id, "series_id": self.series_id, "version_id": self.version_id, "unit": self.unit_code,
                "via_unit": self.via_unit, "additions": self.additions, "state": self.state,
                "exercise": self.exercise, "addressed_at": iso(self.addressed_at),
                "sign_due_at": iso(self.sign_due_at), "report_due_at": iso(self.report_due_at),
                "signed_at": iso(self.signed_at), "signed_by_name": self.signed_by_name,
                "reported_at": iso(self.reported_at), "people_warned": self.people_warned,
                "people_moved": self.people_moved, "history": self.history, "escalations": self.escalations}


class WarningPrecaution(Base):
    """One 防范落实 report from an addressed unit (the document is schemas.PRECAUTIONS)."""

    __tablename__ = "warning_precautions"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    series_id: Mapped[str] = mapped_column(String(32), nullable=False, index=True)
    addressee_id: Mapped[str] = mapped_column(ForeignKey("warning_addressees.id"), nullable=False, index=True)
    version_id: Mapped[str] = mapped_column(ForeignKey("warnings.id"), nullable=False)
    unit_code: Mapped[str] = mapped_column(String(32), nullable=False)
    doc: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False, default=dict)
    author_id: Mapped[str] = mapped_column(String(32), nullable=False)
    author_name: Mapped[str] = mapped_column(String(80), nullable=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    def as_doc(self) -> dict[str, Any]:
        return {"id": self.id, "series_id": self.series_id, "addressee_id": self.addressee_id,
                "version_id": self.version_id, "unit": self.unit_code, **self.doc, "author_name": self.author_name,
                "at": iso(self.at)}


class UnitPopulation(Base):
    """A unit's population at risk (常住人口 or the figure the unit keeps for warnings), with where
    the number comes from. Kept beside the unit tree, not in it, so a deployment fills it alone."""

    __tablename__ = "unit_populations"

    unit_code: Mapped[str] = mapped_column(ForeignKey("units.code"), primary_key=True)
    population: Mapped[int] = mapped_column(Integer, nullable=False)
    source: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
