"""From a call in a county to a report in the city's inbox, in real browsers, live: a county duty
officer types an intake (keyboard only, Ctrl+Enter); the city watches it arrive in its queue; the
county verifies it, and the city's incident list shows the new incident; the county's duty leader
drafts and signs off the 首报, and the city's inbox shows it unread until marked read. The city's
pages are opened once and never reloaded."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from core.demo import DEMO_PASSWORD
from tests.e2e.browser import chromium, new_page, sign_in, wait_connected
from tests.support import LiveServer

pytestmark = pytest.mark.browser

SHANGHAI = ZoneInfo("Asia/Shanghai")
TITLE = "章贡区沙石镇埠上村山洪围困群众"
TIME = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}")


async def _open(context: Any, server: LiveServer, path: str) -> Any:
    """Another tab for the same person (same cookies), live, with a no-reload marker."""
    page = await context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.js_errors = errors
    await page.goto(server.url + path)
    await wait_connected(page)
    await _keep(page)
    return page


async def _keep(page: Any) -> None:
    await page.evaluate("window.__marker = 'kept'")
    page.navigations = []
    page.on("framenavigated", lambda frame: page.navigations.append(frame.url) if frame == page.main_frame else None)


async def _not_reloaded(page: Any) -> None:
    assert await page.evaluate("window.__marker") == "kept", f"{page.url} was reloaded"
    assert page.navigations == [], page.navigations
    assert await page.locator("#live-state").get_attribute("data-state") == "connected"
    assert page.js_errors == [], page.js_errors


async def _focused(page: Any) -> str:
    return str(await page.evaluate("document.activeElement.name || document.activeElement.id"))


async def test_county_intake_reaches_city_queue_incidents_and_inbox_live(live_server: LiveServer) -> None:
    async with chromium() as browser:
        # The city's duty officer has the queue, the incident list and the report inbox open.
        city_queue = await new_page(browser)
        await sign_in(city_queue, live_server.url, "duty.360700", DEMO_PASSWORD, "/intake")
        await wait_connected(city_queue)
        await city_queue.locator("#queue-empty").wait_for()
        await _keep(city_queue)
        city_incidents = await _open(city_queue.context, live_server, "/incidents")
        await city_incidents.locator("#incidents-empty").wait_for()
        city_inbox = await _open(city_queue.context, live_server, "/reports/inbox")
        await city_inbox.locator("#inbox-empty").wait_for()

        # A county duty officer takes the call: the title field has the focus; everything by keyboard.
        county = await new_page(browser)
        await sign_in(county, live_server.url, "duty.360702", DEMO_PASSWORD, "/intake")
        await wait_connected(county)
        await _keep(county)
        assert await _focused(county) == "title"
        kb = county.keyboard
        await kb.type(TITLE)
        await kb.press("Shift+Tab")
        assert await _focused(county) == "callback"
        await kb.type("13979712345")
        await kb.press("Shift+Tab")
        assert await _focused(county) == "caller"
        await kb.type("村支书刘建国")
        for _ in range(3):  # back past callback and title to the category (flood, the default)
            await kb.press("Tab")
        assert await _focused(county) == "category"
        await kb.press("Tab")
        assert await _focused(county) == "location_unit"  # the county itself, preselected
        await kb.press("Tab")
        await kb.type("沙石镇埠上村三组")
        await kb.press("Tab")
        assert await _focused(county) == "occurred_at"
        occurred = (datetime.now(SHANGHAI) - timedelta(minutes=25)).strftime("%Y-%m-%d %H:%M")
        await kb.type(occurred)
        await kb.press("Tab")
        assert await _focused(county) == "received_at"
        assert TIME.fullmatch(await county.locator("#f-received").input_value())
        await county.locator('input[name="fact_trapped"]').focus()
        await kb.type("12")
        await county.locator('input[name="fact_evacuated"]').focus()
        await kb.type("35")
        await county.locator('textarea[name="description"]').focus()
        await kb.type("山洪冲毁进村道路，12人被困于村委会二楼，已转移35人。")
        await kb.press("Control+Enter")

        mine = county.locator("#queue > li", has_text=TITLE)
        await mine.wait_for()
        assert await county.locator("#f-title").input_value() == ""  # ready for the next call
        assert await _focused(county) == "title"

        # The city sees it arrive in its queue without reloading.
        arrived = city_queue.locator("#queue > li", has_text=TITLE)
        await arrived.wait_for()
        text = await arrived.inner_text()
        assert "章贡区" in text and "待核实" in text and "被困 12人" in text, text
        assert await city_queue.locator("#queue-empty").is_hidden()

        # The county verifies it: an incident. The city's list shows it, highlighted, at once.
        verify = mine.locator('[data-action="verify"]')
        assert (await verify.inner_text()).strip() == "属实，立为事件"
        await verify.click()
        await mine.wait_for(state="detached")
        await county.wait_for_url(re.compile(r"/incidents/[0-9a-f]{32}$"))  # no dead end: on to the incident
        await county.locator("#grade-box").wait_for()
        row = city_incidents.locator("#incidents-body tr", has_text=TITLE)
        await row.wait_for()
        assert "arrived" in (await row.get_attribute("class") or "")
        number = (await row.locator("td.num").first.inner_text()).strip()
        assert number, "the incident has a number"
        assert TIME.fullmatch((await row.locator("td.num").last.inner_text()).strip())
        await arrived.wait_for(state="detached")  # and it left the city's queue
        incident_id = await row.get_attribute("data-id")

        # The county's duty leader drafts the 首报 and signs it off.
        leader = await new_page(browser)
        await sign_in(leader, live_server.url, "lead.360702", DEMO_PASSWORD, f"/incidents/{incident_id}")
        await wait_connected(leader)
        draft = leader.locator('[data-action="draft"]')
        assert (await draft.inner_text()).strip() == "起草首报"
        await draft.click()
        form = leader.locator("#editor form.report-form")
        await form.wait_for()
        assert "首报" in await form.locator("h3").inner_text()
        assert "沙石镇埠上村三组" in await form.locator('input[name="place"]').input_value()
        await form.locator('textarea[name="measures"]').fill("区应急局、消防救援大队已赶赴现场组织救援。")
        await leader.screenshot(path=str(_artifact("intake-live-draft-zh-desk")), full_page=True)
        sign = form.locator('[data-action="sign"]')
        assert (await sign.inner_text()).strip() == "签发并报出"
        await sign.click()
        await leader.locator('#reports li[data-status="submitted"]').wait_for()
        await form.wait_for(state="detached")

        # The city's inbox shows it, unread, without a reload; marking it read works.
        item = city_inbox.locator("#inbox > li", has_text=TITLE)
        await item.wait_for()
        assert "unread" in (await item.get_attribute("class") or "")
        text = await item.inner_text()
        assert "首报" in text and "未阅" in text and number in text, text
        assert "区应急局、消防救援大队" in text, leader.js_errors
        await item.locator('[data-action="read"]', has_text="已阅").click()
        await city_inbox.locator("#inbox > li.read", has_text=TITLE).wait_for()
        assert "未阅" not in await item.inner_text()

        for page in (city_queue, city_incidents, city_inbox):  # (the county went on to its incident)
            await _not_reloaded(page)
        assert county.js_errors == [], county.js_errors
        assert leader.js_errors == [], leader.js_errors


def _artifact(name: str) -> Any:
    from tests.support import ROOT

    path = ROOT / "test-artifacts"
    path.mkdir(exist_ok=True)
    return path / f"{name}.png"
