"""Notices and their recipients."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.orm import Base, JSONType, UTCDateTime, iso, utcnow

URGENCY = {"normal": ("平件", "Normal"), "urgent": ("急件", "Urgent"), "extra_urgent": ("特急", "Extra urgent")}

RECIPIENT_TRANSITIONS: dict[tuple[str, str], str] = {
    ("pending", "sign"): "signed",
    ("signed", "reply"): "replied",
    ("pending", "reply"): "replied",  # a reply signs for it too
    ("pending", "withdraw"): "withdrawn",
    ("signed", "withdraw"): "withdrawn",
}


class Notice(Base):
    __tablename__ = "duty_notices"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    from_unit: Mapped[str] = mapped_column(ForeignKey("units.code"), nullable=False)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    body: Mapped[str] = mapped_column(Text, nullable=False)
    urgency: Mapped[str] = mapped_column(String(16), nullable=False, default="normal")
    reply_required: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    signfor_deadline: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    attachments: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, nullable=False, default=list)
    created_by: Mapped[str] = mapped_column(String(32), nullable=False)
    created_by_name: Mapped[str] = mapped_column(String(80), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    __table_args__ = (Index("ix_duty_notices_from", "from_unit", "created_at"),)

    def as_doc(self) -> dict[str, Any]:
        return {"id": self.id, "from_unit": self.from_unit, "title": self.title, "body": self.body,
                "urgency": self.urgency, "reply_required": self.reply_required,
                "signfor_deadline": iso(self.signfor_deadline), "attachments": self.attachments,
                "created_by": self.created_by, "created_by_name": self.created_by_name,
                "created_at": iso(self.created_at), "withdrawn_at": iso(self.withdrawn_at)}


class NoticeRecipient(Base):
    __tablename__ = "duty_notice_recipients"

    notice_id: Mapped[str] = mapped_column(ForeignKey("duty_notices.id"), primary_key=True)
    unit_code: Mapped[str] = mapped_column(ForeignKey("units.code"), primary_key=True)
    status: Mapped[str] = mapped_column(String(10), nullable=False, default="pending")
    signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    signed_by: Mapped[str | None] = mapped_column(String(32), nullable=True)
    signed_by_name: Mapped[str | None] = mapped_column(String(80), nullable=True)
    reply: Mapped[str | None] = mapped_column(Text, nullable=True)
    replied_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    __table_args__ = (Index("ix_duty_notice_recipients_unit", "unit_code", "status"),)

    def as_doc(self) -> dict[str, Any]:
        return {"unit": self.unit_code, "status": self.status, "signed_at": iso(self.signed_at),
                "signed_by": self.signed_by, "signed_by_name": self.signed_by_name, "reply": self.reply,
                "replied_at": iso(self.replied_at), "reminded_at": iso(self.reminded_at)}
