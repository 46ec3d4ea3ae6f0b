"""The plan registry's tables: plans and their immutable versions, the cycles that bind them,
drills, and activations on incidents (with the command structure they set up and every level
decision)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.orm import Base, JSONType, UTCDateTime, iso, utcnow


def _day(d: date | None) -> str | None:
    return d.isoformat() if d else None


class Plan(Base):
    """A plan's identity (owner unit + code) across its versions."""

    __tablename__ = "plans"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    code: Mapped[str] = mapped_column(String(40), nullable=False)
    owner_unit: Mapped[str] = mapped_column(ForeignKey("units.code"), nullable=False)
    owner_path: Mapped[str] = mapped_column(String(400), nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    kind: Mapped[str] = mapped_column(String(16), nullable=False)
    categories: Mapped[list[str]] = mapped_column(JSONType, nullable=False, default=list)
    latest_number: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    current_version_id: Mapped[str | None] = mapped_column(String(32), nullable=True)  # the one in force
    next_review_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    next_drill_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    last_drill_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    __table_args__ = (UniqueConstraint("owner_unit", "code", name="uq_plans_owner_code"),
                      Index("ix_plans_owner_path", "owner_path"))


class PlanVersion(Base):
    """One imported document. Never edited: a change is a new version; only the status moves."""

    __tablename__ = "plan_versions"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    plan_id: Mapped[str] = mapped_column(ForeignKey("plans.id"), nullable=False)
    number: Mapped[int] = mapped_column(Integer, nullable=False)
    document: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False)
    digest: Mapped[str] = mapped_column(String(64), nullable=False)
    status: Mapped[str] = mapped_column(String(12), nullable=False, default="draft")
    note: Mapped[str] = mapped_column(Text, nullable=False, default="")
    created_by_name: Mapped[str] = mapped_column(String(80), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    approved_by_name: Mapped[str | None] = mapped_column(String(80), nullable=True)
    filing_due_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    filed_with: Mapped[str | None] = mapped_column(String(32), nullable=True)
    filed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    filed_by_name: Mapped[str | None] = mapped_column(String(80), nullable=True)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)  # superseded or retired

    __table_args__ = (UniqueConstraint("plan_id", "number", name="uq_plan_versions_number"),)

    def as_doc(self, *, with_document: bool = True) -> dict[str, Any]:
        doc = {"id": self.id, "plan_id": self.plan_id, "number": self.number, "status": self.status,
               "digest": self.digest, "note": self.note, "created_by_name": self.created_by_name,
               "created_at": iso(self.created_at), "approved_at": iso(self.approved_at),
               "approved_by_name": self.approved_by_name, "filing_due_on": _day(self.filing_due_on),
               "filed_with": self.filed_with, "filed_at": iso(self.filed_at), "filed_by_name": self.filed_by_name,
               "ended_at": iso(self.ended_at), "version_label": self.document.get("version_label", "")}
        if with_document:
            doc["document"] = self.document
        return doc


class PlanCycleRule(Base):
    """A jurisdiction's review and drill cycles and filing deadline for one kind of plan."""

    __tablename__ = "plan_cycle_rules"

    unit_code: Mapped[str] = mapped_column(ForeignKey("units.code"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    review_months: Mapped[int] = mapped_column(Integer, nullable=False)
    drill_months: Mapped[int] = mapped_column(Integer, nullable=False)
    filing_working_days: Mapped[int] = mapped_column(Integer, nullable=False)
    source: Mapped[str] = mapped_column(Text, nullable=False, default="")

    def as_doc(self) -> dict[str, Any]:
        return {"unit": self.unit_code, "kind": self.kind, "review_months": self.review_months,
                "drill_months": self.drill_months, "filing_working_days": self.filing_working_days,
                "source": self.source}


class Drill(Base):
    __tablename__ = "plan_drills"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    plan_id: Mapped[str] = mapped_column(ForeignKey("plans.id"), nullable=False, index=True)
    version_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    unit_code: Mapped[str] = mapped_column(ForeignKey("units.code"), nullable=False)
    unit_path: Mapped[str] = mapped_column(String(400), nullable=False)
    kind: Mapped[str] = mapped_column(String(16), nullable=False)
    held_on: Mapped[date] = mapped_column(Date, nullable=False)
    scenario: Mapped[str] = mapped_column(Text, nullable=False)
    location: Mapped[str] = mapped_column(String(300), nullable=False, default="")
    participants: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, nullable=False, default=list)
    findings: Mapped[str] = mapped_column(Text, nullable=False, default="")
    rating: Mapped[str | None] = mapped_column(String(12), nullable=True)
    revision_task_ids: Mapped[list[str]] = mapped_column(JSONType, nullable=False, default=list)
    incident_id: Mapped[str | None] = mapped_column(String(32), nullable=True)  # an exercise incident's activation
    activation_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    recorded_by_name: Mapped[str] = mapped_column(String(80), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    __table_args__ = (Index("ix_plan_drills_unit", "unit_path", "held_on"),)

    def as_doc(self) -> dict[str, Any]:
        return {"id": self.id, "plan_id": self.plan_id, "version_id": self.version_id, "unit": self.unit_code,
                "kind": self.kind, "held_on": _day(self.held_on), "scenario": self.scenario,
                "location": self.location, "participants": self.participants, "findings": self.findings,
                "rating": self.rating, "revision_task_ids": self.revision_task_ids, "incident_id": self.incident_id,
                "activation_id": self.activation_id, "recorded_by_name": self.recorded_by_name,
                "created_at": iso(self.created_at)}


class Activation(Base):
    """A plan launched on an incident at a response level, with the version it runs frozen in."""

    __tablename__ = "plan_activations"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    incident_id: Mapped[str] = mapped_column(ForeignKey("incidents.id"), nullable=False, index=True)
    plan_id: Mapped[str] = mapped_column(ForeignKey("plans.id"), nullable=False)
    version_id: Mapped[str] = mapped_column(ForeignKey("plan_versions.id"), nullable=False)
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False)  # the plan document as launched
    level: Mapped[int] = mapped_column(Integer, nullable=False)
    status: Mapped[str] = mapped_column(String(12), nullable=False, default="active")
    report_every_minutes: Mapped[int | None] = mapped_column(Integer, nullable=True)
    exercise: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    activated_by_name: Mapped[str] = mapped_column(String(80), nullable=False)
    activated_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    reason: Mapped[str] = mapped_column(Text, nullable=False, default="")
    terminated_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    terminated_by_name: Mapped[str | None] = mapped_column(String(80), nullable=True)
    termination_reason: Mapped[str] = mapped_column(Text, nullable=False, default="")
    evaluation: Mapped[dict[str, Any] | None] = mapped_column(JSONType, nullable=True)  # 总结评估

    def as_doc(self) -> dict[str, Any]:
        return {"id": self.id, "incident_id": self.incident_id, "plan_id": self.plan_id,
                "version_id": self.version_id, "plan_code": self.snapshot.get("code"),
                "plan_name": self.snapshot.get("name"), "owner_unit": self.snapshot.get("owner_unit"),
                "level": self.level, "status": self.status,
                "report_every_minutes": self.report_every_minutes, "exercise": self.exercise,
                "activated_by_name": self.activated_by_name, "activated_at": iso(self.activated_at),
                "reason": self.reason, "terminated_at": iso(self.terminated_at),
                "terminated_by_name": self.terminated_by_name, "termination_reason": self.termination_reason,
                "evaluation": self.evaluation}


class LevelDecision(Base):
    """Every launch, level change and termination, with who decided and what it did to the tasks."""

    __tablename__ = "plan_level_decisions"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    activation_id: Mapped[str] = mapped_column(ForeignKey("plan_activations.id"), nullable=False, index=True)
    from_level: Mapped[int | None] = mapped_column(Integer, nullable=True)
    to_level: Mapped[int | None] = mapped_column(Integer, nullable=True)  # None: terminated
    reason: Mapped[str] = mapped_column(Text, nullable=False, default="")
    decided_by_name: Mapped[str] = mapped_column(String(80), nullable=False)
    tasks_added: Mapped[list[str]] = mapped_column(JSONType, nullable=False, default=list)
    tasks_closed: Mapped[list[str]] = mapped_column(JSONType, nullable=False, default=list)
    at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    def as_doc(self) -> dict[str, Any]:
        return {"id": self.id, "from_level": self.from_level, "to_level": self.to_level, "reason": self.reason,
                "decided_by_name": self.decided_by_name, "tasks_added": self.tasks_added,
                "tasks_closed": self.tasks_closed, "at": iso(self.at)}


class CommandGroup(Base):
    """A working group (工作组) set up on an incident by an activation."""

    __tablename__ = "incident_command_groups"

    activation_id: Mapped[str] = mapped_column(ForeignKey("plan_activations.id"), primary_key=True)
    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    incident_id: Mapped[str] = mapped_column(ForeignKey("incidents.id"), nullable=False, index=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    lead_unit: Mapped[str] = mapped_column(String(32), nullable=False)
    members: Mapped[list[str]] = mapped_column(JSONType, nullable=False, default=list)
    duties: Mapped[str] = mapped_column(Text, nullable=False, default="")

    def as_doc(self) -> dict[str, Any]:
        return {"key": self.key, "name": self.name, "lead_unit": self.lead_unit, "members": self.members,
                "duties": self.duties}


class SuggestionMark(Base):
    """The highest level already suggested for (incident, plan), so a fact change announces only a
    crossing into a higher level, once."""

    __tablename__ = "plan_suggestion_marks"

    incident_id: Mapped[str] = mapped_column(ForeignKey("incidents.id"), primary_key=True)
    plan_id: Mapped[str] = mapped_column(ForeignKey("plans.id"), primary_key=True)
    level: Mapped[int] = mapped_column(Integer, nullable=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
