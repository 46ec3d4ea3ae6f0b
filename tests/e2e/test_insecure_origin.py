"""Writes from a plain-http LAN origin: many duty rooms serve internal systems as http://host:port,
where the browser is not in a secure context and crypto.randomUUID does not exist. Chromium counts
localhost and all of 127.0.0.0/8 as secure, so a made-up host name is mapped to 127.0.0.1 (the
traffic stays on loopback). Each form a duty room uses to write — the intake, a timeline entry, the
首报 draft, a notice, a team's 备勤 — sends its write with an Idempotency-Key and it lands."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from core.demo import DEMO_PASSWORD
from tests.e2e.browser import chromium, new_page, sign_in, wait_connected
from tests.e2e.live_pages import api_call
from tests.support import LiveServer, token_for

pytestmark = pytest.mark.browser

HOST = "intranet.test"
UUID4 = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")
TITLE = "内网接报：章贡区水东镇内涝"


async def _lan_page(browser: Any, base: str, user: str, path: str) -> Any:
    """Signed in over the LAN name; every API write it sends is kept as (path, Idempotency-Key)."""
    page = await new_page(browser)
    page.writes = []
    page.on("request", lambda r: page.writes.append((urlsplit(r.url).path, r.headers.get("idempotency-key")))
            if r.method == "POST" and "/api/" in r.url else None)
    await sign_in(page, base, user, DEMO_PASSWORD, path)
    await wait_connected(page)
    assert await page.evaluate("window.isSecureContext") is False  # the condition under test
    assert await page.evaluate("typeof crypto.randomUUID") == "undefined"
    return page


def _keyed(page: Any, path: str) -> str:
    """The one write to `path` the page sent, with a version-4 UUID as its key."""
    [key] = [k for p, k in page.writes if p == path]
    assert key and UUID4.fullmatch(key), (path, key)
    return str(key)


async def test_duty_room_writes_from_a_plain_http_origin(live_server: LiveServer, sqlite_url: str) -> None:
    base = f"http://{HOST}:{urlsplit(live_server.url).port}"
    async with chromium(f"--host-resolver-rules=MAP {HOST} 127.0.0.1") as browser, \
            httpx.AsyncClient(base_url=live_server.url + "/api/v1", timeout=30) as client:
        lead = await token_for(sqlite_url, "lead.360702")

        # 接报: recorded, then verified into an incident.
        duty = await _lan_page(browser, base, "duty.360702", "/intake")
        await duty.locator("#f-title").fill(TITLE)
        await duty.locator('input[name="caller"]').fill("水东镇值班员")
        await duty.locator('input[name="callback"]').fill("13979700000")
        await duty.locator('textarea[name="description"]').fill("连续强降雨，水东镇低洼街区积水 0.5 米。")
        await duty.locator('textarea[name="description"]').press("Control+Enter")
        mine = duty.locator("#queue > li", has_text=TITLE)
        await mine.wait_for()
        _keyed(duty, "/api/v1/intakes")
        await mine.locator('[data-action="verify"]').click()
        await mine.wait_for(state="detached")
        [incident] = [i for i in await api_call(client, lead, "GET", "/incidents") if i["title"] == TITLE]

        # The workspace: a timeline entry, and the 首报 drafted.
        ws = await _lan_page(browser, base, "lead.360702", f"/incidents/{incident['id']}")
        form = ws.locator("#entry-form")
        await form.locator('[name="text"]').fill("区排涝队已到场抽排。")
        await form.locator("button").click()
        await ws.locator("#timeline li", has_text="区排涝队已到场抽排。").wait_for()
        _keyed(ws, f"/api/v1/incidents/{incident['id']}/entries")
        await ws.locator('[data-action="draft"]').click()
        await ws.locator("#editor form.report-form").wait_for()
        _keyed(ws, f"/api/v1/incidents/{incident['id']}/reports")
        reports = await api_call(client, lead, "GET", f"/incidents/{incident['id']}/reports")
        assert [(r["kind"], r["status"]) for r in reports] == [("initial", "draft")]

        # 值班通知 from the city to one county.
        city = await _lan_page(browser, base, "lead.360700", "/duty/notices")
        nf = city.locator("#notice-form")
        await nf.locator('input[name="title"]').fill("内网通知：做好强降雨防范")
        await nf.locator('textarea[name="body"]').fill("请落实24小时值班。")
        for box in await nf.locator('input[name="units"]').all():
            if await box.get_attribute("value") != "360702":
                await box.uncheck()
        await nf.locator('button[type="submit"]').click()
        await city.locator("#outbox > li", has_text="内网通知：做好强降雨防范").wait_for()
        _keyed(city, "/api/v1/notices")

        # 应急资源: one of the county's teams on 备勤.
        res = await _lan_page(browser, base, "lead.360702", "/resources")
        row = res.locator('#teams tr[data-status="available"]', has=res.locator('[data-action="standby"]')).first
        team = await row.get_attribute("data-unit")
        await row.locator('[data-action="standby"]').click()
        await res.locator(f'#teams tr[data-unit="{team}"][data-status="standby"]').wait_for()
        _keyed(res, f"/api/v1/resources/teams/{team}/status")

        for page in (duty, ws, city, res):
            assert page.js_errors == [], page.js_errors
