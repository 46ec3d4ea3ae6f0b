"""Idempotency-Key: a retried creating POST returns the first result and creates nothing new.

The record is written in the same transaction as the thing created, under a unique key, so two
concurrent retries cannot both create: the second one's commit fails and it replays the first.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Integer, String, Text, insert, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from core.orm import Base, UTCDateTime, utcnow

HEADER = "idempotency-key"
MAX_KEY_LENGTH = 200
# What a key may be: 1 to 200 visible ASCII characters (a UUID, a ULID, an EDXL distributionID).
KEY_PATTERN = "^[\\x21-\\x7E]{1,200}$"
KEY_SCHEMA = {"type": "string", "minLength": 1, "maxLength": MAX_KEY_LENGTH, "pattern": KEY_PATTERN}
_KEY = re.compile(r"[\x21-\x7E]{1,200}")


def valid_key(key: str) -> bool:
    return _KEY.fullmatch(key) is not None


class IdempotencyRecord(Base):
    __tablename__ = "idempotency_keys"

    user_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    key: Mapped[str] = mapped_column(String(MAX_KEY_LENGTH), primary_key=True)
    method: Mapped[str] = mapped_column(String(8), nullable=False)
    path: Mapped[str] = mapped_column(String(400), nullable=False)
    request_sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    status: Mapped[int] = mapped_column(Integer, nullable=False)
    body: Mapped[str] = mapped_column(Text, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)


def fingerprint(method: str, path: str, body: bytes) -> str:
    return hashlib.sha256(method.encode() + b" " + path.encode() + b"\n" + body).hexdigest()


@dataclass(frozen=True, slots=True)
class Stored:
    """What a replay needs of a record."""

    request_sha256: str
    status: int
    body: str


async def find(session: AsyncSession, user_id: str, key: str) -> Stored | None:
    # Core, not session.get: no ORM object to build and track for a row that is only read.
    t = IdempotencyRecord.__table__.c
    row = (await session.execute(select(t.request_sha256, t.status, t.body)
                                 .where(t.user_id == user_id, t.key == key))).first()
    return Stored(row[0], int(row[1]), row[2]) if row else None


async def record(session: AsyncSession, *, user_id: str, key: str, method: str, path: str,
                 fingerprint: str, status: int, body: str) -> None:
    """Store the answer, in the caller's transaction (a Core insert: nothing to track afterwards)."""
    await session.execute(insert(IdempotencyRecord).values(
        user_id=user_id, key=key, method=method, path=path, request_sha256=fingerprint, status=status,
        body=body, created_at=utcnow()))
