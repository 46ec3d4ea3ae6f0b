"""The live journal page in a real browser against a real server: new events arrive without a
reload, only where the reader may see them, and survive a dropped connection exactly once."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from core.demo import DEMO_PASSWORD
from tests.e2e.browser import chromium, new_page, sign_in, wait_connected
from tests.support import LiveServer, bearer, create_team, token_for

pytestmark = pytest.mark.browser

SHANGHAI = ZoneInfo("Asia/Shanghai")


async def _event_for_unit(client: httpx.AsyncClient, token: str, code: str) -> dict[str, Any]:
    """The unit.created event of `code`, as the admin reads the journal."""
    res = await client.get("/api/v1/events", params={"latest": "true", "limit": 50}, headers=bearer(token))
    assert res.status_code == 200, res.text
    for ev in res.json()["events"]:
        if ev["type"] == "unit.created" and ev["subject"]["id"] == code:
            return dict(ev)
    raise AssertionError(f"no unit.created event for {code}")


async def _new_team(client: httpx.AsyncClient, token: str, parent: str, code: str, name: str) -> dict[str, Any]:
    await create_team(client, token, parent, code, name)
    return await _event_for_unit(client, token, code)


def _row(page: Any, seq: int) -> Any:
    return page.locator(f'#journal-body tr[data-seq="{seq}"]')


async def _wait_row(page: Any, seq: int) -> None:
    """Wait for the row of `seq`; on a timeout, say what the page had and what it logged."""
    try:
        await _row(page, seq).wait_for()
    except Exception as exc:
        seqs = await _seqs_on_page(page)
        raise AssertionError(f"row {seq} never appeared; newest shown {seqs[:5]}, "
                             f"page errors {page.js_errors}") from exc


async def _seqs_on_page(page: Any) -> list[int]:
    return [int(s) for s in await page.eval_on_selector_all("#journal-body tr", "rows => rows.map(r => r.dataset.seq)")]


async def test_new_event_appears_live_without_reload(live_server: LiveServer, sqlite_url: str) -> None:
    admin = await token_for(sqlite_url, "admin")
    async with chromium() as browser, httpx.AsyncClient(base_url=live_server.url, timeout=10) as client:
        page = await new_page(browser)
        await sign_in(page, live_server.url, "duty.360700", DEMO_PASSWORD, "/journal")
        await wait_connected(page)
        await page.locator("#journal-body tr").first.wait_for()  # the demo's history is there
        await page.evaluate("window.__marker = 'kept'")
        navigations: list[str] = []
        page.on("framenavigated", lambda frame: navigations.append(frame.url))

        ev = await _new_team(client, admin, "360702", "360702-T81", "章贡区测试救援队")

        row = _row(page, ev["seq"])
        await _wait_row(page, ev["seq"])
        text = await row.inner_text()
        assert "新建单位" in text and "章贡区测试救援队" in text, text
        # Newest first, and the time in the unit's zone as "2026-11-23 08:30".
        # (a presence event may land after ours: the page's own console coming online is journaled)
        seqs = await _seqs_on_page(page)
        assert seqs == sorted(seqs, reverse=True)
        assert next(s for s in seqs if s <= ev["seq"]) == ev["seq"]
        shown = (await row.locator("td.c-time").inner_text()).strip()
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", shown), shown
        expected = datetime.fromisoformat(ev["ts"]).astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")
        assert shown == expected
        # No reload happened: the page's own state is still there and the frame never navigated.
        assert await page.evaluate("window.__marker") == "kept"
        assert navigations == []
        assert await page.locator("#live-state").get_attribute("data-state") == "connected"
        assert page.js_errors == []


async def test_county_sees_only_its_own_events(live_server: LiveServer, sqlite_url: str) -> None:
    admin = await token_for(sqlite_url, "admin")
    async with chromium() as browser, httpx.AsyncClient(base_url=live_server.url, timeout=10) as client:
        page = await new_page(browser)
        await sign_in(page, live_server.url, "duty.360702", DEMO_PASSWORD, "/journal")
        await wait_connected(page)

        elsewhere = await _new_team(client, admin, "360703", "360703-T81", "南康区测试救援队")
        own = await _new_team(client, admin, "360702", "360702-T82", "章贡区第二测试队")
        assert elsewhere["seq"] < own["seq"]

        # Events arrive in seq order: once the later one is shown, the earlier one had its chance.
        await _wait_row(page, own["seq"])
        assert "章贡区第二测试队" in await _row(page, own["seq"]).inner_text()
        assert await _row(page, elsewhere["seq"]).count() == 0
        assert "南康区测试救援队" not in await page.locator("#journal-body").inner_text()
        assert page.js_errors == []


async def test_reconnects_and_catches_up_exactly_once(live_server: LiveServer, sqlite_url: str) -> None:
    admin = await token_for(sqlite_url, "admin")
    async with chromium() as browser, httpx.AsyncClient(base_url=live_server.url, timeout=10) as client:
        page = await new_page(browser)
        await sign_in(page, live_server.url, "duty.360700", DEMO_PASSWORD, "/journal")
        await wait_connected(page)
        await page.evaluate("window.__marker = 'kept'")

        # Drop the socket from the page, and hold the client's next connect attempt until the test
        # has written an event, so that event is certainly written while the page is disconnected.
        await page.evaluate("""() => {
            const live = window.yingjiLive;
            const connect = live._connect;
            live._connect = () => { window.__release = () => { live._connect = connect; live._connect(); }; };
            live.ws.close();
        }""")
        # A function, not a bare expression: the page's CSP refuses to eval one.
        await page.wait_for_function("() => typeof window.__release === 'function'")
        state = await page.locator("#live-state").get_attribute("data-state")
        assert state in ("reconnecting", "offline"), state

        missed = await _new_team(client, admin, "360702", "360702-T83", "断线期间新建队")
        assert await _row(page, missed["seq"]).count() == 0  # nothing can arrive while disconnected

        await page.evaluate("window.__release()")
        await wait_connected(page)
        await _wait_row(page, missed["seq"])

        # A live event after the catch-up: once it shows, any duplicate of the missed one would have too.
        after = await _new_team(client, admin, "360702", "360702-T84", "恢复之后新建队")
        await _wait_row(page, after["seq"])
        seqs = await _seqs_on_page(page)
        assert seqs.count(missed["seq"]) == 1
        assert seqs.count(after["seq"]) == 1
        assert len(seqs) == len(set(seqs)), "a seq shown twice"
        assert seqs[:2] == [after["seq"], missed["seq"]]
        assert await page.evaluate("window.__marker") == "kept"
        assert page.js_errors == []
