"""What the command tests share: a live server with the demo, callers by username, intakes and
incidents made through the API, journal look-ups and direct database edits (to move clocks)."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import func, select, update
from sqlalchemy.sql import Executable

from core.auth import service as auth
from core.auth.principal import Principal
from core.db import Database
from core.journal.models import JournalEntry
from core.orm import utcnow
from tests.support import LiveServer, assert_problem, bearer, journal_head, token_for

COMMAND_EVENTS = ("intake.", "incident.", "report.")
_seq = itertools.count(1)


def z(dt: datetime) -> str:
    return dt.astimezone(UTC).isoformat().replace("+00:00", "Z")


def parse(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def same_ms(a: datetime, b: datetime) -> bool:
    """Equal to the millisecond (the API's times are in milliseconds, the database's finer)."""
    return abs(a - b) < timedelta(milliseconds=1)


def intake_body(**overrides: Any) -> dict[str, Any]:
    """A phone report from 章贡区 (received now unless told otherwise)."""
    n = next(_seq)
    body: dict[str, Any] = {"source": "phone", "caller": "沙石镇应急办 王建华", "callback": "13907971234",
                            "title": f"测试接报 {n}：厂房起火", "category": "accident.fire",
                            "description": "测试用接报。", "address": "章贡区沙石镇", "facts": {}}
    body.update(overrides)
    return body


@dataclass
class Cmd:
    """One live server on a migrated demo database, and the demo users' tokens for it."""

    server: LiveServer
    client: httpx.AsyncClient
    db_url: str
    db: Database
    tokens: dict[str, str] = field(default_factory=dict)

    async def token(self, username: str) -> str:
        if username not in self.tokens:
            self.tokens[username] = await token_for(self.db_url, username, label="command tests")
        return self.tokens[username]

    async def principal(self, username: str) -> Principal:
        async with self.db.read() as session:
            user = await auth.find_user(session, username)
            assert user is not None, username
            return await auth.principal_for(session, user, via="token")

    async def get(self, who: str, path: str, **params: Any) -> httpx.Response:
        return await self.client.get(path, params=params, headers=bearer(await self.token(who)))

    async def post(self, who: str, path: str, json: Any = None, *, key: str | None = None) -> httpx.Response:
        headers = bearer(await self.token(who))
        if key is not None:
            headers["Idempotency-Key"] = key
        return await self.client.post(path, json={} if json is None else json, headers=headers)

    async def patch(self, who: str, path: str, json: Any) -> httpx.Response:
        return await self.client.patch(path, json=json, headers=bearer(await self.token(who)))

    async def ok(self, res: httpx.Response, status: int = 200) -> Any:
        """The JSON answer, after checking its status."""
        assert res.status_code == status, f"{res.request.method} {res.request.url}: {res.status_code} {res.text}"
        return res.json()

    async def problem(self, res: httpx.Response, status: int) -> dict[str, Any]:
        return assert_problem(res, status)

    # --- making things through the API ----------------------------------------------------------

    async def intake(self, who: str = "duty.360702", **overrides: Any) -> dict[str, Any]:
        return await self.ok(await self.post(who, "/api/v1/intakes", intake_body(**overrides)), 201)

    async def verify(self, intake_id: str, who: str = "duty.360702", **body: Any) -> dict[str, Any]:
        return await self.ok(await self.post(who, f"/api/v1/intakes/{intake_id}/verify", body))

    async def incident(self, who: str = "duty.360702", **overrides: Any) -> dict[str, Any]:
        """An incident made the way duty rooms make them: an intake, verified."""
        intake = await self.intake(who, **overrides)
        return await self.verify(intake["id"], who)

    async def incident_doc(self, incident_id: str, who: str = "lead.360700") -> dict[str, Any]:
        return await self.ok(await self.get(who, f"/api/v1/incidents/{incident_id}"))

    async def status(self, incident_id: str, action: str, who: str = "lead.360702",
                     reason: str = "") -> dict[str, Any]:
        body = {"action": action, **({"reason": reason} if reason else {})}
        return await self.ok(await self.post(who, f"/api/v1/incidents/{incident_id}/status", body))

    async def draft(self, incident_id: str, kind: str = "initial", who: str = "duty.360702",
                    **body: Any) -> dict[str, Any]:
        res = await self.post(who, f"/api/v1/incidents/{incident_id}/reports", {"kind": kind, **body})
        return await self.ok(res, 201)

    async def sign(self, report_id: str, who: str = "lead.360702") -> dict[str, Any]:
        return await self.ok(await self.post(who, f"/api/v1/reports/{report_id}/sign"))

    # --- the journal ----------------------------------------------------------------------------

    async def head(self) -> int:
        return await journal_head(self.client, await self.token("admin"))

    async def events(self, who: str, since: int, *, exercise: bool = False) -> list[dict[str, Any]]:
        res = await self.get(who, "/api/v1/events", since=since, limit=1000, exercise="true" if exercise else "false")
        assert res.status_code == 200, res.text
        return list(res.json()["events"])

    async def command_events(self, since: int, *, exercise: bool | None = None) -> list[dict[str, Any]]:
        """Every intake/incident/report event after `since`, live and drill, as the city's admin sees them."""
        out: list[dict[str, Any]] = []
        for ex in ((False, True) if exercise is None else (exercise,)):
            out += [e for e in await self.events("admin", since, exercise=ex) if e["type"].startswith(COMMAND_EVENTS)]
        return sorted(out, key=lambda e: e["seq"])

    async def journal_count(self, type: str, subject_id: str) -> int:
        return await self.scalar(select(func.count()).select_from(JournalEntry)
                                 .where(JournalEntry.type == type, JournalEntry.subject_id == subject_id))

    # --- the database, for what no API does (moving clocks) -------------------------------------

    async def scalar(self, stmt: Executable) -> Any:
        async with self.db.read() as session:
            return (await session.execute(stmt)).scalar_one_or_none()

    async def execute(self, stmt: Executable) -> None:
        async with self.db.write() as uow:
            await uow.session.execute(stmt)

    async def set_row(self, model: Any, row_id: str, **values: Any) -> None:
        await self.execute(update(model).where(model.id == row_id).values(**values))


def ago(**kw: float) -> datetime:
    """So long before now, in whole seconds (the API answers times in milliseconds)."""
    return (utcnow() - timedelta(**kw)).replace(microsecond=0)
