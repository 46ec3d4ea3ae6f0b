"""Sign-in lands on the page a role needs first (configurable per role), unless a page was asked for."""

from __future__ import annotations

import httpx

from core.demo import DEMO_PASSWORD
from core.settings import DEFAULT_LANDING, _landing, load_settings
from tests.support import LiveServer


def test_landing_per_role_and_its_configuration() -> None:
    s = load_settings()
    assert s.landing_for(frozenset({"duty_officer"})) == "/duty"
    assert s.landing_for(frozenset({"dispatcher", "commander"})) == "/incidents"  # the commander's need first
    assert s.landing_for(frozenset({"admin"})) == "/"
    custom = _landing("duty_officer=/intake, admin=/journal,viewer=//evil.example,bad")
    assert custom["duty_officer"] == "/intake" and custom["admin"] == "/journal"
    assert custom["viewer"] == DEFAULT_LANDING["viewer"]  # never off-site


async def test_sign_in_lands_by_role_or_where_asked(live_server: LiveServer) -> None:
    for user, asked, lands in (("duty.360702", "/", "/duty"), ("commander.360700", "/", "/incidents"),
                               ("lead.360700", "/tasks", "/tasks"), ("admin", "/", "/")):
        async with httpx.AsyncClient(base_url=live_server.url, timeout=20) as client:
            res = await client.post("/login", data={"username": user, "password": DEMO_PASSWORD, "next": asked},
                                    follow_redirects=False)
            assert (res.status_code, res.headers["location"]) == (303, lands), user
    async with httpx.AsyncClient(base_url=live_server.url, timeout=20) as client:
        res = await client.get("/favicon.ico")
        assert res.status_code == 200 and res.headers["content-type"] == "image/x-icon"
        assert res.content[:4] == b"\x00\x00\x01\x00"  # an ICO header
