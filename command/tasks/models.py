"""Tasks addressed to a unit, and the feedback entries its people send back."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ColumnElement, Float, ForeignKey, Index, Integer, String, Text, and_, or_
from sqlalchemy.orm import Mapped, mapped_column

from core.orm import Base, JSONType, UTCDateTime, iso, utcnow

OPEN = ("draft", "dispatched", "acknowledged", "in_progress", "feedback_submitted")
TASK_TRANSITIONS: dict[tuple[str, str], str] = {
    ("draft", "dispatch"): "dispatched",
    ("dispatched", "acknowledge"): "acknowledged",          # 签收
    ("acknowledged", "feedback"): "in_progress",            # 反馈 (progress)
    ("in_progress", "feedback"): "in_progress",
    ("acknowledged", "complete"): "feedback_submitted",     # the assignee says it is done
    ("in_progress", "complete"): "feedback_submitted",
    ("feedback_submitted", "verify"): "done",               # 核验 by the dispatcher
    ("feedback_submitted", "return"): "in_progress",        # 退回, with a reason
    **{(s, "cancel"): "cancelled" for s in OPEN},
    **{(s, "obsolete"): "obsolete" for s in OPEN},          # a response level no longer needs it
}
# 转派: what the unit still holds may be handed on (not what it already reported done).
REDISPATCHABLE = ("dispatched", "acknowledged", "in_progress")
# Who takes which action: the assignee's side and the dispatcher's side (see service.py).
WORK_ACTIONS = ("acknowledge", "feedback", "complete")
DISPATCH_ACTIONS = ("verify", "return", "cancel")
# Feedback or completion on a task not yet signed for signs for it first (service._signed_for).
SIGNS_FOR = ("feedback", "complete")
STATUS_LABELS: dict[str, tuple[str, str]] = {
    "draft": ("草稿", "Draft"), "dispatched": ("待签收", "Awaiting sign-for"), "acknowledged": ("已签收", "Signed for"),
    "in_progress": ("执行中", "In progress"), "feedback_submitted": ("待核验", "Awaiting verification"),
    "done": ("已完成", "Done"), "cancelled": ("已撤销", "Cancelled"), "obsolete": ("已不适用", "No longer applies"),
}
PRIORITIES: dict[str, tuple[str, str]] = {"urgent": ("特急", "Urgent"), "high": ("紧急", "High"),
                                          "normal": ("一般", "Normal")}


class Task(Base):
    __tablename__ = "tasks"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    incident_id: Mapped[str | None] = mapped_column(ForeignKey("incidents.id"), nullable=True, index=True)
    parent_id: Mapped[str | None] = mapped_column(ForeignKey("tasks.id"), nullable=True, index=True)
    unit_code: Mapped[str] = mapped_column(ForeignKey("units.code"), nullable=False)  # the assignee
    unit_path: Mapped[str] = mapped_column(String(400), nullable=False)
    from_unit: Mapped[str] = mapped_column(ForeignKey("units.code"), nullable=False)  # the dispatcher's unit
    from_path: Mapped[str] = mapped_column(String(400), nullable=False)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    instructions: Mapped[str] = mapped_column(Text, nullable=False, default="")
    priority: Mapped[str] = mapped_column(String(8), nullable=False, default="high")
    status: Mapped[str] = mapped_column(String(20), nullable=False, default="dispatched")
    address: Mapped[str] = mapped_column(String(300), nullable=False, default="")
    lat: Mapped[float | None] = mapped_column(Float, nullable=True)
    lon: Mapped[float | None] = mapped_column(Float, nullable=True)
    ack_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # Where it came from: "manual", "plan" (source_ref: activation id, action key), "drill", ...
    source: Mapped[str] = mapped_column(String(16), nullable=False, default="manual")
    source_id: Mapped[str | None] = mapped_column(String(32), nullable=True, index=True)  # e.g. the activation
    source_ref: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False, default=dict)
    group_name: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    progress: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    returns: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    closed_reason: Mapped[str] = mapped_column(Text, nullable=False, default="")
    attachments: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, nullable=False, default=list)
    # The escalation ladder's steps taken: [{"step", "at", "to_unit", "to_name"}]
    escalations: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, nullable=False, default=list)
    exercise: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    dispatched_by: Mapped[str] = mapped_column(String(32), nullable=False)
    dispatched_by_name: Mapped[str] = mapped_column(String(80), nullable=False, default="")
    dispatched_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    acknowledged_by_name: Mapped[str | None] = mapped_column(String(80), nullable=True)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    __table_args__ = (Index("ix_tasks_unit_status", "unit_path", "status"),
                      Index("ix_tasks_from_status", "from_path", "status"))

    def as_doc(self) -> dict[str, Any]:
        return {"id": self.id, "incident_id": self.incident_id, "parent_id": self.parent_id, "unit": self.unit_code,
                "from_unit": self.from_unit, "title": self.title, "instructions": self.instructions,
                "priority": self.priority, "status": self.status, "address": self.address, "lat": self.lat,
                "lon": self.lon, "ack_due_at": iso(self.ack_due_at), "due_at": iso(self.due_at),
                "source": self.source, "source_id": self.source_id, "source_ref": self.source_ref,
                "group_name": self.group_name,
                "progress": self.progress, "returns": self.returns, "closed_reason": self.closed_reason,
                "attachments": self.attachments, "escalations": self.escalations, "exercise": self.exercise,
                "dispatched_by_name": self.dispatched_by_name, "dispatched_at": iso(self.dispatched_at),
                "acknowledged_at": iso(self.acknowledged_at), "acknowledged_by_name": self.acknowledged_by_name,
                "completed_at": iso(self.completed_at), "verified_at": iso(self.verified_at),
                "closed_at": iso(self.closed_at), "created_at": iso(self.created_at),
                "updated_at": iso(self.updated_at)}


class TaskFeedback(Base):
    """One 反馈: progress, what was done, figures learned (the dispatcher accepts them into the
    incident, or not), files and where it was sent from."""

    __tablename__ = "task_feedback"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    task_id: Mapped[str] = mapped_column(ForeignKey("tasks.id"), nullable=False, index=True)
    kind: Mapped[str] = mapped_column(String(12), nullable=False, default="progress")  # progress|complete|return
    text: Mapped[str] = mapped_column(Text, nullable=False, default="")
    progress: Mapped[int | None] = mapped_column(Integer, nullable=True)
    facts: Mapped[dict[str, Any]] = mapped_column(JSONType, nullable=False, default=dict)
    # none | pending | accepted | declined
    facts_status: Mapped[str] = mapped_column(String(10), nullable=False, default="none")
    lat: Mapped[float | None] = mapped_column(Float, nullable=True)
    lon: Mapped[float | None] = mapped_column(Float, nullable=True)
    attachments: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, nullable=False, default=list)
    unit_code: Mapped[str] = mapped_column(String(32), nullable=False)
    author_id: Mapped[str] = mapped_column(String(32), nullable=False)
    author_name: Mapped[str] = mapped_column(String(80), nullable=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    def as_doc(self) -> dict[str, Any]:
        return {"id": self.id, "task_id": self.task_id, "kind": self.kind, "text": self.text,
                "progress": self.progress, "facts": self.facts, "facts_status": self.facts_status, "lat": self.lat,
                "lon": self.lon, "attachments": self.attachments, "unit": self.unit_code,
                "author_name": self.author_name, "at": iso(self.at)}


# --- the task rules the pages are served (one definition each; CONTRACT.md "actions", "overdue") -------

def ack_late(task: Task, now: datetime) -> bool:
    """Not signed for by its sign-for deadline."""
    return task.status == "dispatched" and task.ack_due_at is not None and task.ack_due_at <= now


def due_late(task: Task, now: datetime) -> bool:
    """Still in the assignee's hands at its deadline (reported done waits on the dispatcher, not late)."""
    return (task.status in OPEN and task.status != "feedback_submitted" and task.due_at is not None
            and task.due_at <= now)


def is_overdue(task: Task, now: datetime) -> bool:
    """超期: the list filter, the statistics, the ladder's timers and the pages' badges all mean this."""
    return ack_late(task, now) or due_late(task, now)


def overdue_sql(now: datetime) -> ColumnElement[bool]:
    """SQL twin of `is_overdue` (tests/command/test_task_rules.py holds them to each other)."""
    return and_(Task.status.in_(OPEN), Task.status != "feedback_submitted",
                or_(and_(Task.status == "dispatched", Task.ack_due_at <= now), Task.due_at <= now))


def may_take(status: str, action: str) -> bool:
    """Whether the table lets a task in `status` take `action` (signing for first where it does)."""
    if (status, action) in TASK_TRANSITIONS:
        return True
    if action == "redispatch":
        return status in REDISPATCHABLE
    return status == "dispatched" and action in SIGNS_FOR and ("acknowledged", action) in TASK_TRANSITIONS


def actions_of(task: Task, *, works: bool, dispatches: bool, redispatches: bool) -> list[str]:
    """What the caller may do next, from the table and the caller's side of the task."""
    offered = [*(WORK_ACTIONS if works else ()), *(("redispatch",) if works and redispatches else ()),
               *(DISPATCH_ACTIONS if dispatches else ())]
    return [a for a in offered if may_take(task.status, a)]
