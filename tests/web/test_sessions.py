"""Sessions and credentials that end when they should (issue 15): server-side sessions ended by
sign-out, by another session, by "sign out everywhere", by a password change; the websocket they
opened closed with 4403; token scopes and expiry; the hall's own display credential; the headers
every answer carries."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import websockets
from sqlalchemy import update

from core.auth.models import ApiToken
from core.auth.sessions import COOKIE, DISPLAY_COOKIE
from core.db import Database
from core.demo import DEMO_PASSWORD
from core.orm import utcnow
from tests.support import (
    ROOT,
    LiveServer,
    WsRecorder,
    assert_problem,
    bearer,
    csrf_from_page,
    make_settings,
    sign_in,
    token_for,
)


@pytest.fixture
async def server(tmp_path: Path, sqlite_url: str) -> AsyncIterator[LiveServer]:
    srv = LiveServer(make_settings(tmp_path, sqlite_url))
    await srv.start()
    yield srv
    await srv.stop()


async def signed_in(server: LiveServer, username: str, agent: str = "pytest") -> tuple[httpx.AsyncClient, str]:
    client = httpx.AsyncClient(base_url=server.url, timeout=20, headers={"User-Agent": agent})
    assert (await sign_in(client, username, DEMO_PASSWORD)).status_code == 303
    page = await client.get("/")
    assert page.status_code == 200
    return client, csrf_from_page(page.text)


async def cookie_ws(server: LiveServer, cookie: str, name: str = COOKIE) -> WsRecorder:
    ws = await websockets.connect(server.ws_url, additional_headers={
        "Cookie": f"{name}={cookie}", "Origin": server.url}, compression=None, open_timeout=10)
    rec = WsRecorder(ws)
    await _until(lambda: any(m.get("type") == "hello" for m in rec.other) or rec.closed.is_set())
    assert rec.other and rec.other[0]["type"] == "hello", rec.other
    return rec


async def _until(cond: Any, within: float = 10) -> None:
    for _ in range(int(within / 0.02)):
        if cond():
            return
        await asyncio.sleep(0.02)
    raise TimeoutError("condition not met")


async def closed_with(rec: WsRecorder, code: int) -> None:
    await asyncio.wait_for(rec.closed.wait(), 10)
    assert rec.close_code == code, (rec.close_code, rec.other)
    assert {"type": "error", "reason": "credential_revoked"} in rec.other


async def test_logout_ends_the_session_on_the_server(server: LiveServer) -> None:
    client, csrf = await signed_in(server, "duty.360702")
    copied = client.cookies[COOKIE]
    rec = await cookie_ws(server, copied)
    try:
        res = await client.post("/logout", data={"csrf": csrf}, follow_redirects=False)
        assert res.status_code == 303
        # The websocket that session opened is closed, with the documented code.
        await closed_with(rec, 4403)
        # A copy of the cookie neither reads nor writes (with its CSRF token), nor opens pages.
        async with httpx.AsyncClient(base_url=server.url, timeout=20, cookies={COOKIE: copied}) as thief:
            assert_problem(await thief.get("/api/v1/me"), 401)
            assert_problem(await thief.post("/api/v1/tokens", json={"label": "x"},
                                            headers={"X-CSRF-Token": csrf}), 401)
            assert (await thief.get("/duty", follow_redirects=False)).status_code == 303
        # Nor does it open a new websocket.
        ws = await websockets.connect(server.ws_url, additional_headers={
            "Cookie": f"{COOKIE}={copied}", "Origin": server.url}, open_timeout=10)
        with pytest.raises(websockets.ConnectionClosed):
            while True:
                await asyncio.wait_for(ws.recv(), 10)
        assert ws.close_code == 4401
    finally:
        await rec.close()
        await client.aclose()


async def test_sessions_listed_and_revocable(server: LiveServer, sqlite_url: str) -> None:
    phone, phone_csrf = await signed_in(server, "lead.360703", agent="Phone/1.0")
    desk, desk_csrf = await signed_in(server, "lead.360703", agent="Desk/2.0")
    try:
        listed = (await desk.get("/api/v1/sessions")).json()
        assert sorted(s["device"] for s in listed) == ["Desk/2.0", "Phone/1.0"]
        assert all(s["ip"] == "127.0.0.1" and s["last_seen_at"] for s in listed)
        assert [s["device"] for s in listed if s["current"]] == ["Desk/2.0"]
        phone_id = next(s["id"] for s in listed if s["device"] == "Phone/1.0")

        # Another county's officer can neither see nor end it.
        other = await token_for(sqlite_url, "duty.360725")
        async with httpx.AsyncClient(base_url=server.url, timeout=20) as c:
            assert_problem(await c.post(f"/api/v1/sessions/{phone_id}/revoke", headers=bearer(other)), 404)
        assert (await phone.get("/api/v1/me")).status_code == 200

        # The desk ends the phone's session: the phone is signed out, the desk is not.
        rec = await cookie_ws(server, phone.cookies[COOKIE])
        res = await desk.post(f"/api/v1/sessions/{phone_id}/revoke", headers={"X-CSRF-Token": desk_csrf})
        assert res.status_code == 200 and res.json() == {"ended": [phone_id]}
        await closed_with(rec, 4403)
        assert_problem(await phone.get("/api/v1/me"), 401)
        assert (await desk.get("/api/v1/me")).status_code == 200
        assert [s["device"] for s in (await desk.get("/api/v1/sessions")).json()] == ["Desk/2.0"]
        assert phone_csrf != desk_csrf

        # An administrator signs the user out everywhere.
        me = (await desk.get("/api/v1/me")).json()
        admin = await token_for(sqlite_url, "admin")
        async with httpx.AsyncClient(base_url=server.url, timeout=20) as c:
            seen = (await c.get(f"/api/v1/users/{me['id']}/sessions", headers=bearer(admin))).json()
            assert [s["device"] for s in seen] == ["Desk/2.0"]
            res = await c.post(f"/api/v1/users/{me['id']}/sessions/revoke", headers=bearer(admin))
            assert res.status_code == 200 and len(res.json()["ended"]) == 1
        assert_problem(await desk.get("/api/v1/me"), 401)
    finally:
        await phone.aclose()
        await desk.aclose()


async def test_password_change_closes_the_websocket(server: LiveServer, sqlite_url: str) -> None:
    client, csrf = await signed_in(server, "duty.360724")
    rec = await cookie_ws(server, client.cookies[COOKIE])
    try:
        me = (await client.get("/api/v1/me")).json()
        res = await client.post(f"/api/v1/users/{me['id']}/password", headers={"X-CSRF-Token": csrf},
                                json={"password": "Zhiban-2026!x", "current_password": DEMO_PASSWORD})
        assert res.status_code == 204, res.text
        await closed_with(rec, 4403)
        assert_problem(await client.get("/api/v1/me"), 401)
    finally:
        await rec.close()
        await client.aclose()


async def test_token_revocation_closes_its_websocket(server: LiveServer, sqlite_url: str) -> None:
    token = await token_for(sqlite_url, "duty.360722")
    ws = await websockets.connect(server.ws_url, additional_headers=bearer(token), open_timeout=10)
    rec = WsRecorder(ws)
    await _until(lambda: bool(rec.other))
    async with httpx.AsyncClient(base_url=server.url, timeout=20) as c:
        token_id = token.split("_")[1]
        assert (await c.post(f"/api/v1/tokens/{token_id}/revoke", headers=bearer(token))).status_code == 200
    await closed_with(rec, 4403)


async def _make_viewer(server: LiveServer, sqlite_url: str) -> str:
    admin = await token_for(sqlite_url, "admin")
    async with httpx.AsyncClient(base_url=server.url, timeout=20) as c:
        res = await c.post("/api/v1/users", headers=bearer(admin), json={
            "username": "viewer.360702", "name": "观察员", "unit": "360702", "roles": ["viewer"],
            "password": "Guancha-2026!"})
        assert res.status_code == 201, res.text
    return await token_for(sqlite_url, "viewer.360702")


async def test_viewer_token_cannot_mint_tokens_or_upload(server: LiveServer, sqlite_url: str) -> None:
    viewer = await _make_viewer(server, sqlite_url)
    async with httpx.AsyncClient(base_url=server.url, timeout=20) as c:
        assert (await c.get("/api/v1/me", headers=bearer(viewer))).status_code == 200
        doc = assert_problem(await c.post("/api/v1/tokens", json={"label": "x"}, headers=bearer(viewer)), 403)
        assert doc["type"] == "/problems/insufficient-scope"
        res = await c.post("/api/v1/attachments", headers=bearer(viewer),
                           files={"file": ("a.txt", b"hello", "text/plain")})
        assert_problem(res, 403)
        assert (await c.get("/api/v1/tokens", headers=bearer(viewer))).json()[0]["scopes"] == ["read"]
        # Signed in at the browser, the viewer cannot write either.
        client = httpx.AsyncClient(base_url=server.url, timeout=20)
        try:
            assert (await sign_in(client, "viewer.360702", "Guancha-2026!")).status_code == 303
            csrf = csrf_from_page((await client.get("/")).text)
            assert_problem(await client.post("/api/v1/tokens", json={"label": "x"},
                                             headers={"X-CSRF-Token": csrf}), 403)
        finally:
            await client.aclose()


async def test_token_scopes_and_expiry(server: LiveServer, sqlite_url: str) -> None:
    duty = await token_for(sqlite_url, "duty.360723")
    async with httpx.AsyncClient(base_url=server.url, timeout=20) as c:
        # Beyond the user's roles: refused with a pointer; unknown scope likewise.
        for scopes, pointer in ((["admin"], "/scopes"), (["read", "root"], "/scopes/1")):
            res = await c.post("/api/v1/tokens", json={"label": "x", "scopes": scopes}, headers=bearer(duty))
            assert [e["pointer"] for e in assert_problem(res, 422)["errors"]] == [pointer], scopes
        res = await c.post("/api/v1/tokens", json={"label": "ro", "scopes": ["read"], "expires_in_days": 7},
                           headers=bearer(duty))
        assert res.status_code == 201, res.text
        ro = res.json()
        assert ro["scopes"] == ["read"] and ro["expires_at"]
        assert (await c.get("/api/v1/me", headers=bearer(ro["token"]))).status_code == 200
        # A read token writes nothing, and cannot mint a wider token for itself.
        assert_problem(await c.post("/api/v1/units", headers=bearer(ro["token"]),
                                    json={"code": "360723-T70", "name": "x", "kind": "team", "parent": "360723"}),
                       403)
        assert_problem(await c.post("/api/v1/tokens", json={"label": "w"}, headers=bearer(ro["token"])), 403)
        # Its websocket opens (read is enough).
        ws = await websockets.connect(server.ws_url, additional_headers=bearer(ro["token"]), open_timeout=10)
        assert '"hello"' in str(await asyncio.wait_for(ws.recv(), 10))
        await ws.close()
        # Expired: refused everywhere (set in the database: no waiting on a clock).
        db = Database(sqlite_url)
        try:
            async with db.write() as uow:
                await uow.session.execute(update(ApiToken).where(ApiToken.id == ro["id"])
                                          .values(expires_at=utcnow() - timedelta(seconds=1)))
        finally:
            await db.dispose()
        assert_problem(await c.get("/api/v1/me", headers=bearer(ro["token"])), 401)
        ws = await websockets.connect(server.ws_url, additional_headers=bearer(ro["token"]), open_timeout=10)
        with pytest.raises(websockets.ConnectionClosed):
            while True:
                await asyncio.wait_for(ws.recv(), 10)
        assert ws.close_code == 4401


async def test_hall_never_takes_a_person_token_in_its_url(server: LiveServer, sqlite_url: str) -> None:
    duty = await token_for(sqlite_url, "duty.360702")
    async with httpx.AsyncClient(base_url=server.url, timeout=20) as c:
        res = await c.get("/hall", params={"token": duty}, follow_redirects=False)
        assert res.status_code == 303 and res.headers["location"].startswith("/login")
        assert duty not in res.text
        ws = await websockets.connect(f"{server.ws_url}?token={duty}", open_timeout=10)
        with pytest.raises(websockets.ConnectionClosed):
            while True:
                await asyncio.wait_for(ws.recv(), 10)
        assert ws.close_code == 4401


async def test_hall_display_credential(server: LiveServer, sqlite_url: str) -> None:
    admin = await token_for(sqlite_url, "admin")
    async with httpx.AsyncClient(base_url=server.url, timeout=20) as c:
        # A county officer may not make one; an administrator may, for one hall.
        county = await token_for(sqlite_url, "duty.360702")
        assert_problem(await c.post("/api/v1/displays", json={"unit": "360702", "label": "x"},
                                    headers=bearer(county)), 403)
        res = await c.post("/api/v1/displays", json={"unit": "360702", "label": "章贡区大屏"}, headers=bearer(admin))
        assert res.status_code == 201, res.text
        display = res.json()
        key = display["key"]
        assert display["kind"] == "display" and display["scopes"] == ["read"] and not display["exchanged"]
        # The key alone is no credential: not as a bearer token, not as a cookie.
        assert_problem(await c.get("/api/v1/me", headers=bearer(key)), 401)
        async with httpx.AsyncClient(base_url=server.url, timeout=20, cookies={DISPLAY_COOKIE: key}) as raw:
            assert (await raw.get("/hall", follow_redirects=False)).status_code == 303

        # The connect page carries no key (it stays in the fragment); only our own page may trade it.
        page = await c.get("/hall/connect")
        assert page.status_code == 200 and "hall_connect.js" in page.text
        assert (await c.post("/hall/connect", json={"key": key})).status_code == 403
        assert (await c.post("/hall/connect", json={"key": key},
                             headers={"Origin": "http://evil.example"})).status_code == 403
        res = await c.post("/hall/connect", json={"key": key}, headers={"Origin": server.url})
        assert res.status_code == 204
        set_cookie = res.headers["set-cookie"]
        assert set_cookie.startswith(DISPLAY_COOKIE + "=") and "HttpOnly" in set_cookie
        wall_cookie = res.cookies[DISPLAY_COOKIE]
        assert key not in set_cookie
        # Exchanged once: the same key again is refused.
        assert (await c.post("/hall/connect", json={"key": key}, headers={"Origin": server.url})).status_code == 401

    async with httpx.AsyncClient(base_url=server.url, timeout=20, cookies={DISPLAY_COOKIE: wall_cookie}) as wall:
        hall = await wall.get("/hall", follow_redirects=False)
        assert hall.status_code == 200
        assert wall_cookie not in hall.text
        # Read-only, bound to its hall: reads its unit, not another county's; writes nothing.
        me = (await wall.get("/api/v1/me")).json()
        assert me["unit"] == "360702"
        assert_problem(await wall.get("/api/v1/units/360703"), 404)
        assert_problem(await wall.post("/api/v1/tokens", json={"label": "x"}), 403)
        assert_problem(await wall.post("/api/v1/duty/log", json={"text": "x"}), 403)
        # Other pages are not the display's.
        assert (await wall.get("/duty", follow_redirects=False)).status_code == 303
        rec = await cookie_ws(server, wall_cookie, DISPLAY_COOKIE)
        try:
            async with httpx.AsyncClient(base_url=server.url, timeout=20) as c:
                listed = (await c.get("/api/v1/displays", headers=bearer(admin))).json()
                assert [d["exchanged"] for d in listed if d["id"] == display["id"]] == [True]
                res = await c.post(f"/api/v1/displays/{display['id']}/revoke", headers=bearer(admin))
                assert res.status_code == 200 and res.json()["revoked_at"]
            await closed_with(rec, 4403)
        finally:
            await rec.close()
        assert (await wall.get("/hall", follow_redirects=False)).status_code == 303
        assert_problem(await wall.get("/api/v1/me"), 401)


async def test_security_headers_on_every_answer(server: LiveServer) -> None:
    async with httpx.AsyncClient(base_url=server.url, timeout=20) as c:
        for path in ("/login", "/api/v1/me", "/static/js/common.js", "/healthz", "/no-such-page"):
            res = await c.get(path, follow_redirects=False)
            h = res.headers
            assert h["referrer-policy"] == "no-referrer", path
            assert h["x-content-type-options"] == "nosniff", path
            csp = h["content-security-policy"]
            assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp, path
            assert "unsafe-inline" not in csp, path
            assert "geolocation=(self)" in h["permissions-policy"], path  # the terminal reports where it is


def test_pages_rely_on_no_inline_script() -> None:
    """The CSP refuses inline script and inline handlers: no template may carry either."""
    for tpl in sorted((ROOT / "web" / "templates").glob("*.html")):
        text = tpl.read_text()
        for tag in re.findall(r"<script\b[^>]*>", text):
            assert "src=" in tag or 'type="application/json"' in tag, (tpl.name, tag)
        assert not re.search(r"\son[a-z]+\s*=", text), tpl.name
        assert "style=" not in text, tpl.name


async def test_account_page_lists_sessions_and_displays(server: LiveServer) -> None:
    duty, _ = await signed_in(server, "duty.360726", agent="Duty-PC/1")
    admin, _ = await signed_in(server, "admin", agent="Admin-PC/1")
    try:
        page = await duty.get("/account")
        assert page.status_code == 200 and "Duty-PC/1" in page.text and "account.js" in page.text
        assert 'id="display-form"' not in page.text  # not a user administrator
        page = await admin.get("/account")
        assert page.status_code == 200 and "Admin-PC/1" in page.text and 'id="display-form"' in page.text
        assert "Duty-PC/1" not in page.text  # only one's own sessions
    finally:
        await duty.aclose()
        await admin.aclose()
