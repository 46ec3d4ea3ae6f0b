"""The app serves, signs API callers in, and the journal answers."""

from __future__ import annotations

import httpx

from tests.support import LiveServer, bearer, token_for


async def test_health_and_me(live_server: LiveServer, sqlite_url: str) -> None:
    token = await token_for(sqlite_url, "duty.360702")
    async with httpx.AsyncClient(base_url=live_server.url) as client:
        assert (await client.get("/healthz")).status_code == 200
        ready = await client.get("/readyz")
        assert ready.status_code == 200 and ready.json()["ready"] is True
        me = await client.get("/api/v1/me", headers=bearer(token))
        assert me.status_code == 200
        assert me.json()["unit"] == "360702" and me.json()["unit_name"] == "章贡区"
        assert (await client.get("/api/v1/me")).status_code == 401
