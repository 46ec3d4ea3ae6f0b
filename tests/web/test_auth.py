"""Signing in: the browser's form and cookie with CSRF, sign-in throttling, tokens, password changes,
deactivation, permissions and jurisdiction, and the actor every write leaves in the journal."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any

import httpx
import pytest

from core.auth.sessions import COOKIE
from core.demo import DEMO_PASSWORD
from tests.support import (
    LiveServer,
    assert_problem,
    bearer,
    csrf_from_page,
    events_after,
    journal_head,
    make_settings,
    sign_in,
    token_for,
)

NEW_PASSWORD = "Zhiban-2026!x"
FIXED_NOW = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)


@pytest.fixture
async def server(tmp_path: Path, sqlite_url: str) -> AsyncIterator[LiveServer]:
    srv = LiveServer(make_settings(tmp_path, sqlite_url, login_max_failures=4))
    await srv.start()
    yield srv
    await srv.stop()


def session_cookie(res: httpx.Response) -> SimpleCookie:
    raw = [v for k, v in res.headers.multi_items() if k.lower() == "set-cookie" and v.startswith(COOKIE + "=")]
    assert len(raw) == 1, res.headers
    jar = SimpleCookie()
    jar.load(raw[0])
    return jar


@asynccontextmanager
async def browser(server: LiveServer, username: str,
                  password: str = DEMO_PASSWORD) -> AsyncIterator[tuple[httpx.AsyncClient, str]]:
    """A signed-in browser (cookie jar) and the CSRF token its page carries."""
    async with httpx.AsyncClient(base_url=server.url, timeout=20) as client:
        res = await sign_in(client, username, password)
        assert res.status_code == 303, res.text
        page = await client.get("/")
        assert page.status_code == 200
        yield client, csrf_from_page(page.text)


async def test_form_sign_in_cookie_and_csrf(server: LiveServer) -> None:
    async with httpx.AsyncClient(base_url=server.url, timeout=20) as client:
        # Not signed in: the home page sends to the form; the API says 401.
        res = await client.get("/", follow_redirects=False)
        assert res.status_code == 303 and res.headers["location"].startswith("/login")
        assert (await client.get("/login")).status_code == 200
        assert_problem(await client.get("/api/v1/me"), 401)

        res = await sign_in(client, "duty.360702", DEMO_PASSWORD)
        assert res.status_code == 303 and res.headers["location"] == "/duty"  # a duty officer's first page
        morsel = session_cookie(res)[COOKIE]
        assert morsel.value
        assert morsel["httponly"] is True
        assert morsel["samesite"].lower() == "lax"
        assert morsel["path"] == "/"

        # A GET with the cookie works.
        me = await client.get("/api/v1/me")
        assert me.status_code == 200 and me.json()["username"] == "duty.360702"
        page = await client.get("/")
        assert page.status_code == 200
        csrf = csrf_from_page(page.text)

        # A write without, or with a wrong, X-CSRF-Token: 403, nothing created.
        head = (await client.get("/api/v1/events", params={"latest": "true", "limit": 1})).json()["head"]
        assert_problem(await client.post("/api/v1/tokens", json={"label": "no csrf"}), 403)
        assert_problem(await client.post("/api/v1/tokens", json={"label": "wrong csrf"},
                                         headers={"X-CSRF-Token": csrf + "x"}), 403)
        assert_problem(await client.post("/api/v1/tokens", json={"label": "empty csrf"},
                                         headers={"X-CSRF-Token": ""}), 403)
        assert (await client.get("/api/v1/tokens")).json() == []
        assert (await client.get("/api/v1/events", params={"latest": "true", "limit": 1})).json()["head"] == head

        # With the page's token: works.
        res = await client.post("/api/v1/tokens", json={"label": "with csrf"}, headers={"X-CSRF-Token": csrf})
        assert res.status_code == 201, res.text
        assert [t["label"] for t in (await client.get("/api/v1/tokens")).json()] == ["with csrf"]

        # Another session's CSRF token is not this one's.
        async with browser(server, "duty.360702") as (_other, other_csrf):
            assert other_csrf != csrf
            assert_problem(await client.post("/api/v1/tokens", json={"label": "x"},
                                             headers={"X-CSRF-Token": other_csrf}), 403)

        # Sign out needs the CSRF token too, and clears the cookie.
        res = await client.post("/logout", data={"csrf": "nope"}, follow_redirects=False)
        assert res.status_code == 403
        res = await client.post("/logout", data={"csrf": csrf}, follow_redirects=False)
        assert res.status_code == 303
        client.cookies.clear()
        assert_problem(await client.get("/api/v1/me"), 401)


async def test_bad_password_then_throttled(server: LiveServer) -> None:
    limit = server.settings.login_max_failures
    server.app.state.runtime.clock = lambda: FIXED_NOW  # no attempt depends on how fast this runs
    async with httpx.AsyncClient(base_url=server.url, timeout=20) as client:
        # A few failures below the limit do not stop the right password.
        res = await sign_in(client, "lead.360703", "wrong-password")
        assert res.status_code == 401 and "text/html" in res.headers["content-type"]
        assert COOKIE not in res.cookies
        assert (await sign_in(client, "lead.360703", DEMO_PASSWORD)).status_code == 303
        client.cookies.clear()

        for i in range(limit):
            res = await sign_in(client, "duty.360703", f"wrong-{i}")
            assert res.status_code == 401, (i, res.status_code)
            assert COOKIE not in res.cookies
            assert "<form" in res.text
        res = await sign_in(client, "duty.360703", DEMO_PASSWORD)
        assert res.status_code == 429, res.status_code
        assert res.headers["retry-after"] == "1"
        assert COOKIE not in res.cookies
        assert_problem(await client.get("/api/v1/me"), 401)
        # An unknown user name is throttled the same way (no user enumeration).
        for i in range(limit):
            assert (await sign_in(client, "nobody.here", f"x-{i}")).status_code == 401
        assert (await sign_in(client, "nobody.here", "x")).status_code == 429


async def test_unknown_user_is_401(server: LiveServer) -> None:
    async with httpx.AsyncClient(base_url=server.url, timeout=20) as client:
        res = await sign_in(client, "nobody.here", DEMO_PASSWORD)
        assert res.status_code == 401
        assert COOKIE not in res.cookies


async def test_token_revoke(server: LiveServer, sqlite_url: str) -> None:
    owner = await token_for(sqlite_url, "duty.360704")
    async with httpx.AsyncClient(base_url=server.url, timeout=20) as client:
        res = await client.post("/api/v1/tokens", json={"label": "tablet"}, headers=bearer(owner))
        assert res.status_code == 201
        made = res.json()
        assert made["token"].startswith("yj_")
        assert (await client.get("/api/v1/me", headers=bearer(made["token"]))).status_code == 200
        listed = (await client.get("/api/v1/tokens", headers=bearer(owner))).json()
        assert "token" not in next(t for t in listed if t["id"] == made["id"])

        # Someone else cannot revoke it (nor learn it exists).
        stranger = await token_for(sqlite_url, "duty.360725")
        assert_problem(await client.post(f"/api/v1/tokens/{made['id']}/revoke", headers=bearer(stranger)), 404)
        assert (await client.get("/api/v1/me", headers=bearer(made["token"]))).status_code == 200

        # Revoking with the token itself works, and then it is refused everywhere.
        res = await client.post(f"/api/v1/tokens/{made['id']}/revoke", headers=bearer(made["token"]))
        assert res.status_code == 200 and res.json()["revoked_at"]
        assert_problem(await client.get("/api/v1/me", headers=bearer(made["token"])), 401)
        assert_problem(await client.post("/api/v1/tokens", json={"label": "x"}, headers=bearer(made["token"])),
                       401)
        assert (await client.get("/api/v1/me", headers=bearer(owner))).status_code == 200


async def test_password_change_signs_out_sessions(server: LiveServer, sqlite_url: str) -> None:
    token = await token_for(sqlite_url, "duty.360722")
    async with browser(server, "duty.360722") as (first, _), browser(server, "duty.360722") as (second, csrf2), \
            httpx.AsyncClient(base_url=server.url, timeout=20) as client:
        me = (await first.get("/api/v1/me")).json()
        assert (await second.get("/api/v1/me")).status_code == 200

        # Own change needs the current password.
        res = await client.post(f"/api/v1/users/{me['id']}/password", headers=bearer(token),
                                json={"password": NEW_PASSWORD})
        assert_problem(res, 422)
        res = await client.post(f"/api/v1/users/{me['id']}/password", headers=bearer(token),
                                json={"password": NEW_PASSWORD, "current_password": "not-it-at-all"})
        assert [e["pointer"] for e in assert_problem(res, 422)["errors"]] == ["/current_password"]
        assert (await first.get("/api/v1/me")).status_code == 200

        res = await client.post(f"/api/v1/users/{me['id']}/password", headers=bearer(token),
                                json={"password": NEW_PASSWORD, "current_password": DEMO_PASSWORD})
        assert res.status_code == 204, res.text

        # Every session from before is void, pages included; the API token is not a session.
        assert_problem(await first.get("/api/v1/me"), 401)
        assert_problem(await second.get("/api/v1/me"), 401)
        assert_problem(await second.post("/api/v1/tokens", json={"label": "x"}, headers={"X-CSRF-Token": csrf2}),
                       401)
        assert (await second.get("/", follow_redirects=False)).status_code == 303
        assert (await client.get("/api/v1/me", headers=bearer(token))).status_code == 200

        # The old password no longer signs in; the new one does.
        assert (await sign_in(client, "duty.360722", DEMO_PASSWORD)).status_code == 401
        assert (await sign_in(client, "duty.360722", NEW_PASSWORD)).status_code == 303
        assert (await client.get("/api/v1/me")).status_code == 200

        # Another county's officer may not set this user's password.
        other = await token_for(sqlite_url, "duty.360723")
        res = await client.post(f"/api/v1/users/{me['id']}/password", headers=bearer(other),
                                json={"password": "Another-pass-9"})
        assert_problem(res, 404)


async def test_deactivated_user_is_locked_out(server: LiveServer, sqlite_url: str) -> None:
    admin = await token_for(sqlite_url, "admin")
    token = await token_for(sqlite_url, "duty.360723")
    async with browser(server, "duty.360723") as (cookie_client, _), \
            httpx.AsyncClient(base_url=server.url, timeout=20) as client:
        me = (await client.get("/api/v1/me", headers=bearer(token))).json()
        assert (await cookie_client.get("/api/v1/me")).status_code == 200
        res = await client.patch(f"/api/v1/users/{me['id']}", json={"active": False}, headers=bearer(admin))
        assert res.status_code == 200 and res.json()["active"] is False
        assert_problem(await client.get("/api/v1/me", headers=bearer(token)), 401)
        assert_problem(await cookie_client.get("/api/v1/me"), 401)
        assert (await sign_in(client, "duty.360723", DEMO_PASSWORD)).status_code == 401

        # Reactivated: the token works again (sessions stay void).
        res = await client.patch(f"/api/v1/users/{me['id']}", json={"active": True}, headers=bearer(admin))
        assert res.status_code == 200
        assert (await client.get("/api/v1/me", headers=bearer(token))).status_code == 200
        assert_problem(await cookie_client.get("/api/v1/me"), 401)

        # An admin cannot deactivate themself.
        admin_me = (await client.get("/api/v1/me", headers=bearer(admin))).json()
        res = await client.patch(f"/api/v1/users/{admin_me['id']}", json={"active": False}, headers=bearer(admin))
        assert_problem(res, 409)


async def test_permissions_and_jurisdiction(server: LiveServer, sqlite_url: str) -> None:
    admin = await token_for(sqlite_url, "admin")
    county = await token_for(sqlite_url, "duty.360702")
    async with httpx.AsyncClient(base_url=server.url, timeout=20) as client:
        team = {"code": "360702-T77", "name": "章贡区测试队", "kind": "team", "parent": "360702"}
        # A county duty officer (no admin role) may not create units or users.
        assert_problem(await client.post("/api/v1/units", json=team, headers=bearer(county)), 403)
        assert_problem(await client.get("/api/v1/users", headers=bearer(county)), 403)
        assert (await client.get("/api/v1/units/360702-T77", headers=bearer(admin))).status_code == 404

        # A county admin, created by the city admin.
        res = await client.post("/api/v1/users", headers=bearer(admin), json={
            "username": "admin.360702", "name": "章贡区管理员", "unit": "360702", "roles": ["admin"],
            "password": "Guanli-2026!"})
        assert res.status_code == 201, res.text
        county_admin = await token_for(sqlite_url, "admin.360702")

        # Outside their subtree: a sibling county, or their own parent, is refused with a pointer.
        for parent in ("360703", "360700", "360703-T01", "no-such-unit"):
            res = await client.post("/api/v1/units", headers=bearer(county_admin), json={**team, "parent": parent})
            doc = assert_problem(res, 422)
            assert [e["pointer"] for e in doc["errors"]] == ["/parent"], doc
        # Nor can they put users outside it, or see units there.
        res = await client.post("/api/v1/users", headers=bearer(county_admin), json={
            "username": "x.360703", "name": "X", "unit": "360703", "roles": ["viewer"], "password": "Guanli-2026!"})
        assert [e["pointer"] for e in assert_problem(res, 422)["errors"]] == ["/unit"]
        assert_problem(await client.get("/api/v1/units/360703", headers=bearer(county_admin)), 404)
        assert_problem(await client.patch("/api/v1/units/360703", json={"phone": "1"},
                                          headers=bearer(county_admin)), 404)
        seen = {u["code"] for u in (await client.get("/api/v1/units", headers=bearer(county_admin))).json()}
        assert "360702" in seen and "360702-T01" in seen
        assert not seen & {"360700", "360703", "360703-T01"}

        # Inside it: works.
        res = await client.post("/api/v1/units", headers=bearer(county_admin), json=team)
        assert res.status_code == 201, res.text
        assert res.json()["parent"] == "360702"
        # The code is now taken.
        assert_problem(await client.post("/api/v1/units", headers=bearer(county_admin), json=team), 409)


async def test_every_write_carries_its_actor(server: LiveServer, sqlite_url: str) -> None:
    admin = await token_for(sqlite_url, "admin")
    duty = await token_for(sqlite_url, "duty.360724")
    async with httpx.AsyncClient(base_url=server.url, timeout=20) as client:
        start = await journal_head(client, admin)
        expected: list[tuple[str, str]] = []  # (event type, actor username), in order

        res = await client.post("/api/v1/units", headers=bearer(admin),
                                json={"code": "360724-T50", "name": "上犹县测试队", "kind": "team", "parent": "360724"})
        assert res.status_code == 201
        expected.append(("unit.created", "admin"))
        res = await client.patch("/api/v1/units/360724-T50", headers=bearer(admin), json={"phone": "0797-1"})
        assert res.status_code == 200
        expected.append(("unit.updated", "admin"))
        res = await client.post("/api/v1/users", headers=bearer(admin), json={
            "username": "team.360724", "name": "队员甲", "unit": "360724-T50", "roles": ["team_member"],
            "password": "Duiyuan-2026!"})
        assert res.status_code == 201
        user_id = res.json()["id"]
        expected.append(("user.created", "admin"))
        res = await client.patch(f"/api/v1/users/{user_id}", headers=bearer(admin), json={"phone": "139"})
        assert res.status_code == 200
        expected.append(("user.updated", "admin"))
        res = await client.post("/api/v1/tokens", headers=bearer(duty), json={"label": "actor check"})
        assert res.status_code == 201
        token_id = res.json()["id"]
        expected.append(("token.created", "duty.360724"))
        res = await client.post(f"/api/v1/tokens/{token_id}/revoke", headers=bearer(admin))
        assert res.status_code == 200
        expected.append(("token.revoked", "admin"))
        res = await client.post(f"/api/v1/users/{user_id}/password", headers=bearer(admin),
                                json={"password": "Duiyuan-2027!"})
        assert res.status_code == 204
        expected.append(("user.password_changed", "admin"))
        # A browser write: the signed-in user is the actor, of the sign-in and of the write.
        async with browser(server, "lead.360724") as (cookie_client, csrf):
            expected.append(("user.signed_in", "lead.360724"))
            res = await cookie_client.post("/api/v1/tokens", json={"label": "browser"},
                                           headers={"X-CSRF-Token": csrf})
            assert res.status_code == 201
        expected.append(("token.created", "lead.360724"))

        events = await events_after(client, admin, start)
        got: list[tuple[str, Any]] = [(e["type"], (e["actor"] or {}).get("username")) for e in events]
        assert got == expected
        for e in events:
            assert e["actor"]["kind"] == "user" and e["actor"]["id"] and e["actor"]["unit"], e
