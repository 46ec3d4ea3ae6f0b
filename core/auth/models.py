"""Users and their credentials."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from core.orm import Base, JSONType, UTCDateTime, iso, utcnow


class User(Base):
    __tablename__ = "users"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    username: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    name: Mapped[str] = mapped_column(String(80), nullable=False)
    unit_code: Mapped[str] = mapped_column(ForeignKey("units.code"), nullable=False, index=True)
    roles: Mapped[list[str]] = mapped_column(JSONType, nullable=False, default=list)
    password_hash: Mapped[str | None] = mapped_column(String(200), nullable=True)
    phone: Mapped[str | None] = mapped_column(String(40), nullable=True)
    lang: Mapped[str] = mapped_column(String(8), nullable=False, default="zh")
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    # Bumped on password change or deactivation: every cookie signed with an older epoch is void.
    session_epoch: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    def as_doc(self) -> dict[str, Any]:
        return {"id": self.id, "username": self.username, "name": self.name, "unit": self.unit_code,
                "roles": list(self.roles), "phone": self.phone, "lang": self.lang, "active": self.active,
                "created_at": iso(self.created_at)}


class ApiToken(Base):
    """A bearer token `yj_<id>_<secret>`, or a hall display's credential (kind "display"); only a
    SHA-256 of each secret is kept. A display is bound to one hall (unit), is read-only, and its
    one-time exchange key is replaced by the cookie secret the first time it is used."""

    __tablename__ = "api_tokens"

    id: Mapped[str] = mapped_column(String(16), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), nullable=False, index=True)
    label: Mapped[str] = mapped_column(String(120), nullable=False, default="")
    secret_sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    kind: Mapped[str] = mapped_column(String(16), nullable=False, default="api", server_default="api")
    scopes: Mapped[list[str]] = mapped_column(JSONType, nullable=False, default=list)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # Displays only: the hall they show, and the one-time key a wall trades for its cookie.
    unit_code: Mapped[str | None] = mapped_column(ForeignKey("units.code"), nullable=True)
    exchange_sha256: Mapped[str | None] = mapped_column(String(64), nullable=True)

    def as_doc(self) -> dict[str, Any]:
        doc: dict[str, Any] = {"id": self.id, "user_id": self.user_id, "label": self.label, "kind": self.kind,
                               "scopes": list(self.scopes), "created_at": iso(self.created_at),
                               "expires_at": iso(self.expires_at), "last_used_at": iso(self.last_used_at),
                               "revoked_at": iso(self.revoked_at)}
        if self.kind == "display":
            doc["unit"] = self.unit_code
            doc["exchanged"] = self.exchange_sha256 is None
        return doc


class UserSession(Base):
    """A browser session on the server: the cookie names it (signed) with a secret whose SHA-256 is
    kept here, so signing out, a password change or an administrator ends it at once."""

    __tablename__ = "user_sessions"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), nullable=False, index=True)
    secret_sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    csrf: Mapped[str] = mapped_column(String(64), nullable=False)
    ip: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    user_agent: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    revoked_reason: Mapped[str | None] = mapped_column(String(32), nullable=True)

    def as_doc(self, current: str | None = None) -> dict[str, Any]:
        return {"id": self.id, "user_id": self.user_id, "device": self.user_agent, "ip": self.ip,
                "created_at": iso(self.created_at), "last_seen_at": iso(self.last_seen_at),
                "expires_at": iso(self.expires_at), "revoked_at": iso(self.revoked_at),
                "revoked_reason": self.revoked_reason, "current": self.id == current}


class LoginFailure(Base):
    """Failed sign-ins, counted across all workers to rate-limit guessing."""

    __tablename__ = "login_failures"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(64), nullable=False)
    ip: Mapped[str] = mapped_column(String(64), nullable=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    __table_args__ = (Index("ix_login_failures_user_at", "username", "at"),
                      Index("ix_login_failures_ip_at", "ip", "at"))
