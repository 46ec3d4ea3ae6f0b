"""Sign-in throttling (issue 15): doubling delays per account and client on an injected clock, no
lock-out of the owner (another address, or a browser that signed in before, behind the same NAT
as the attacker), X-Forwarded-For believed only from configured proxies (right-most untrusted
hop), an audit event per failure and one spray alert to the administrators."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from core.auth import throttle
from core.auth.sessions import COOKIE, DEVICE_COOKIE
from core.demo import DEMO_PASSWORD
from tests.support import LiveServer, events_after, journal_head, make_settings, token_for

T0 = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
async def server(tmp_path: Path, sqlite_url: str) -> AsyncIterator[tuple[LiveServer, Clock]]:
    srv = LiveServer(make_settings(tmp_path, sqlite_url, login_max_failures=3, login_ip_max=8,
                                   login_account_max=8, login_spray_accounts=3, trusted_proxies=("127.0.0.1",)))
    await srv.start()
    clock = Clock()
    srv.app.state.runtime.clock = clock
    yield srv, clock
    await srv.stop()


def at(ip: str) -> dict[str, str]:
    return {"X-Forwarded-For": ip}


async def attempt(client: httpx.AsyncClient, username: str, password: str, ip: str) -> httpx.Response:
    return await client.post("/login", data={"username": username, "password": password, "next": "/"},
                             headers=at(ip), follow_redirects=False)


def test_client_address_takes_the_rightmost_untrusted_hop() -> None:
    proxies = throttle.parse_networks("10.0.0.0/8, 127.0.0.1")
    assert throttle.client_address("127.0.0.1", "6.6.6.6, 203.0.113.9, 10.1.1.1", proxies) == "203.0.113.9"
    # A client rotating what it writes on the left changes nothing.
    assert throttle.client_address("127.0.0.1", "1.1.1.1, 203.0.113.9", proxies) == "203.0.113.9"
    # From a peer that is not our proxy, the header is ignored.
    assert throttle.client_address("198.51.100.7", "1.2.3.4", proxies) == "198.51.100.7"
    # Garbage, or only our own hops: the proxy's address stands.
    assert throttle.client_address("127.0.0.1", "not-an-ip", proxies) == "127.0.0.1"
    assert throttle.client_address("127.0.0.1", "10.2.2.2", proxies) == "127.0.0.1"


def test_delays_double() -> None:
    limits = throttle.Limits(pair_free=3, max_delay_s=60)
    assert [throttle.delay_after(n, limits) for n in range(10)] == [0, 0, 0, 1, 2, 4, 8, 16, 32, 60]


async def test_doubling_delay_per_account_and_client(server: tuple[LiveServer, Clock]) -> None:
    srv, clock = server
    async with httpx.AsyncClient(base_url=srv.url, timeout=20) as c:
        for i in range(3):
            assert (await attempt(c, "duty.360702", f"wrong-{i}", "203.0.113.5")).status_code == 401
        res = await attempt(c, "duty.360702", DEMO_PASSWORD, "203.0.113.5")
        assert res.status_code == 429 and res.headers["retry-after"] == "1"
        # Meanwhile the owner at another address is not held up at all.
        assert (await attempt(c, "duty.360702", DEMO_PASSWORD, "198.51.100.20")).status_code == 303
        c.cookies.clear()
        clock.advance(1)
        assert (await attempt(c, "duty.360702", "wrong-3", "203.0.113.5")).status_code == 401
        res = await attempt(c, "duty.360702", DEMO_PASSWORD, "203.0.113.5")  # four failures: two seconds
        assert res.status_code == 429 and res.headers["retry-after"] == "2"
        clock.advance(1)
        res = await attempt(c, "duty.360702", DEMO_PASSWORD, "203.0.113.5")
        assert res.status_code == 429 and res.headers["retry-after"] == "1"
        clock.advance(1)
        assert (await attempt(c, "duty.360702", DEMO_PASSWORD, "203.0.113.5")).status_code == 303


async def test_owner_behind_the_attackers_nat_still_signs_in(server: tuple[LiveServer, Clock]) -> None:
    srv, clock = server
    nat = "203.0.113.77"
    async with httpx.AsyncClient(base_url=srv.url, timeout=20) as owner:
        # The duty room's browser signed in before: it holds this account's device cookie.
        assert (await attempt(owner, "duty.360704", DEMO_PASSWORD, nat)).status_code == 303
        assert DEVICE_COOKIE in owner.cookies
        owner.cookies.delete(COOKIE)
        async with httpx.AsyncClient(base_url=srv.url, timeout=20) as attacker:
            # The attacker guesses this account and others from the same address, past every limit.
            for i in range(10):
                clock.advance(3600 if i == 0 else 0)
                for name in ("duty.360704", "lead.360704", f"guess{i}"):
                    clock.advance(20)
                    await attempt(attacker, name, f"wrong-{i}", nat)
            res = await attempt(attacker, "duty.360704", DEMO_PASSWORD, nat)
            assert res.status_code == 429
            # The owner's browser gets in, with the right password, through the same NAT.
            assert (await attempt(owner, "duty.360704", DEMO_PASSWORD, nat)).status_code == 303
            assert (await owner.get("/api/v1/me")).json()["username"] == "duty.360704"
            # A device cookie of another account does not help the attacker.
            attacker.cookies.set(DEVICE_COOKIE, owner.cookies[DEVICE_COOKIE])
            assert (await attempt(attacker, "lead.360704", DEMO_PASSWORD, nat)).status_code == 429


async def test_each_failure_audited_and_a_spray_alerted_once(server: tuple[LiveServer, Clock],
                                                              sqlite_url: str) -> None:
    srv, clock = server
    admin = await token_for(sqlite_url, "admin")
    county = await token_for(sqlite_url, "duty.360725")
    async with httpx.AsyncClient(base_url=srv.url, timeout=20) as c:
        start = await journal_head(c, admin)
        # Rotating the left of X-Forwarded-For does not hide the client (the proxy appends the real one).
        for i, name in enumerate(["duty.360725", "lead.360725", "nobody.x", "duty.360726", "duty.360725"]):
            clock.advance(1)
            res = await attempt(c, name, "wrong", f"10.{i}.0.1, 203.0.113.99")
            assert res.status_code == 401, (name, res.status_code)
        events = await events_after(c, admin, start)
        failed = [e for e in events if e["type"] == "auth.sign_in_failed"]
        assert [e["data"]["username"] for e in failed] == ["duty.360725", "lead.360725", "nobody.x", "duty.360726",
                                                           "duty.360725"]
        assert {e["data"]["ip"] for e in failed} == {"203.0.113.99"}
        sprays = [e for e in events if e["type"] == "auth.spray_detected"]
        assert len(sprays) == 1 and sprays[0]["data"]["ip"] == "203.0.113.99"
        assert sprays[0]["data"]["accounts"] == 3
        # The county sees attempts on its own accounts, not the alert nor other counties' attempts.
        seen = await events_after(c, county, start)
        assert {e["data"]["username"] for e in seen if e["type"] == "auth.sign_in_failed"} == {
            "duty.360725", "lead.360725"}
        assert not [e for e in seen if e["type"] == "auth.spray_detected"]
