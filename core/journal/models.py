"""The journal tables. Append-only: no code updates or deletes a row."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.orm import Base, UTCDateTime


class JournalEntry(Base):
    __tablename__ = "journal"

    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    ts: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    type: Mapped[str] = mapped_column(String(64), nullable=False)
    subject_kind: Mapped[str] = mapped_column(String(32), nullable=False)
    subject_id: Mapped[str] = mapped_column(String(64), nullable=False)
    exercise: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    # The event exactly as the API and the websocket send it, encoded once at append time.
    doc: Mapped[str] = mapped_column(Text, nullable=False)

    __table_args__ = (
        Index("ix_journal_subject", "subject_kind", "subject_id", "seq"),
        Index("ix_journal_type_seq", "type", "seq"),
    )


class JournalAudience(Base):
    """Which unit codes may see an event: its scope units and every ancestor of them.

    One row per (unit, event), so "what may unit U see after seq N" is one index range scan.
    """

    __tablename__ = "journal_audience"

    unit_code: Mapped[str] = mapped_column(String(32), primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
