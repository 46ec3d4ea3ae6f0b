"""Duty watch in two real browsers against one real server: the city's duty leader on the board,
a county duty officer on the console. A roll-call, a zero report and a notice each go one way and
come back the other, live, with one click or one key and no reload on either side."""

from __future__ import annotations

import re
import time
from typing import Any

import pytest

from core.demo import DEMO_PASSWORD
from tests.e2e.browser import WAIT_MS, chromium, new_page, sign_in, wait_connected
from tests.support import LiveServer

pytestmark = pytest.mark.browser

COUNTY = "360702"  # 章贡区
DONE_GREEN = "rgb(46, 125, 50)"  # --done in app.css
COUNTDOWN = re.compile(r"剩余 (\d+:)?\d{2}:\d{2}")


async def _open(browser: Any, server: LiveServer, user: str, path: str, **size: int) -> Any:
    """A page in its own browser context (its own cookies: a second person), signed in, live,
    with a marker that survives only as long as the page is never reloaded or navigated."""
    page = await new_page(browser, **size)
    await sign_in(page, server.url, user, DEMO_PASSWORD, path)
    await wait_connected(page)
    await _keep(page)
    return page


async def _keep(page: Any) -> None:
    await page.evaluate("window.__marker = 'kept'")
    page.navigations = []
    page.on("framenavigated", lambda frame: page.navigations.append(frame.url) if frame == page.main_frame else None)


async def _not_reloaded(page: Any) -> None:
    assert await page.evaluate("window.__marker") == "kept", "the page was reloaded"
    assert page.navigations == [], page.navigations
    assert await page.locator("#live-state").get_attribute("data-state") == "connected"
    assert page.js_errors == [], page.js_errors


async def _color(locator: Any) -> str:
    return str(await locator.evaluate("el => getComputedStyle(el).color"))


def _board_row(page: Any, unit: str = COUNTY) -> Any:
    return page.locator(f'#board-body tr[data-unit="{unit}"]')


async def test_rollcall_answered_from_county_turns_city_board_green(live_server: LiveServer) -> None:
    async with chromium() as browser:
        city = await _open(browser, live_server, "lead.360700", "/duty/board")
        county = await _open(browser, live_server, f"duty.{COUNTY}", "/duty", width=390, height=844)
        cell = _board_row(city).locator("td.rc")
        await cell.wait_for()
        assert await cell.get_attribute("data-state") is None  # no roll-call yet today

        started = time.monotonic()
        await city.locator("#rc-start").click()
        await _board_row(city).locator('td.rc[data-state="pending"]').wait_for()

        # The county console puts the roll-call first under 需要我处理, counting down live.
        first = county.locator("#todo > li").first
        await county.locator('#todo > li[data-kind="rollcall"]').wait_for()
        assert await first.get_attribute("data-kind") == "rollcall"
        assert "赣州市" in await first.inner_text()
        due = first.locator(".due")
        shown = (await due.inner_text()).strip()
        assert COUNTDOWN.fullmatch(shown), shown
        await county.wait_for_function("([el, was]) => el.textContent.trim() !== was",
                                       arg=[await due.element_handle(), shown], timeout=3000)
        assert COUNTDOWN.fullmatch((await due.inner_text()).strip())
        # A thumb-sized button on the phone.
        box = await first.locator('[data-action="answer"]').bounding_box()
        assert box and box["height"] >= 44 and box["width"] >= 120, box

        # One key answers it.
        await county.keyboard.press("a")
        await county.locator('#todo > li[data-kind="rollcall"]').wait_for(state="detached")

        # The city board turns green in the county's row, without a reload.
        answered = _board_row(city).locator('td.rc[data-state="answered"]')
        await answered.wait_for()
        elapsed = time.monotonic() - started
        assert await _color(answered) == DONE_GREEN
        assert re.search(r"已应答 \d+ 秒", await answered.inner_text())
        # The others were called too and are still waiting.
        assert await city.locator('#board-body td.rc[data-state="pending"]').count() >= 18
        await _not_reloaded(city)
        await _not_reloaded(county)
        assert elapsed < WAIT_MS / 1000


async def test_zero_report_with_one_click_shows_filed_on_city_board(live_server: LiveServer) -> None:
    async with chromium() as browser:
        city = await _open(browser, live_server, "lead.360700", "/duty/board")
        county = await _open(browser, live_server, f"duty.{COUNTY}", "/duty", width=390, height=844)
        cell = _board_row(city).locator("td.rep")
        await cell.wait_for()
        assert await cell.get_attribute("data-state") in ("pending", "overdue")

        zero = county.locator('#todo [data-action="zero"]')
        await zero.click()
        await county.locator('#todo > li[data-kind="daily"]').wait_for(state="detached")
        assert await zero.count() == 0

        filed = _board_row(city).locator('td.rep[data-state="filed"]')
        await filed.wait_for()
        assert "零报告" in await filed.inner_text()
        assert await _color(filed) in (DONE_GREEN, "rgb(178, 106, 0)")  # green, or amber when filed late
        # Only Zhanggong filed.
        assert await city.locator('#board-body td.rep[data-state="filed"]').count() == 1
        await _not_reloaded(city)
        await _not_reloaded(county)


async def test_notice_signed_at_county_updates_city_notices_live(live_server: LiveServer) -> None:
    async with chromium() as browser:
        city = await _open(browser, live_server, "lead.360700", "/duty/notices")
        county = await _open(browser, live_server, f"duty.{COUNTY}", "/duty", width=390, height=844)

        form = city.locator("#notice-form")
        await form.locator('input[name="title"]').fill("关于做好强降雨防范工作的通知")
        await form.locator('textarea[name="body"]').fill("各县（市、区）值班室：请立即部署强降雨防范，落实24小时值班。")
        await form.locator("select#urgency").select_option("urgent")
        # Address two county duty rooms only.
        for box in await form.locator('input[name="units"]').all():
            if await box.get_attribute("value") not in (COUNTY, "360703"):
                await box.uncheck()
        await form.locator('button[type="submit"]').click()

        notice = city.locator("#outbox > li").first
        mine = notice.locator(f'li[data-unit="{COUNTY}"]')
        await mine.wait_for()
        assert "强降雨防范" in await notice.inner_text()
        assert await mine.get_attribute("data-state") == "pending"
        assert await notice.locator("li[data-unit]").count() == 2

        # It arrives at the county console, under 需要我处理, with its sign-for countdown.
        item = county.locator('#todo > li[data-kind="notice"]')
        await item.wait_for()
        assert "强降雨防范" in await item.inner_text()
        assert "急件" in await item.inner_text()
        assert COUNTDOWN.fullmatch((await item.locator(".due").inner_text()).strip())
        await item.locator('[data-action="sign"]').click()
        await item.wait_for(state="detached")

        # The city's list of recipients says Zhanggong signed, live; the other still has not.
        await notice.locator(f'li[data-unit="{COUNTY}"][data-state="signed"]').wait_for()
        assert re.search(r"已签收 \d{2}:\d{2}", await mine.inner_text()), await mine.inner_text()
        assert await notice.locator('li[data-unit="360703"]').get_attribute("data-state") == "pending"
        await _not_reloaded(city)
        await _not_reloaded(county)
