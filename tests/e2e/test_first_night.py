"""A duty room's first night (issue 16), in real Chromium: who is on duty never misleads (presence
within seconds, accounts beside names, a roll-call of chosen units with its summary), the rules cite
what governs each category in words, not raw marks, and the incident page says why nothing is graded."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from core.demo import DEMO_PASSWORD
from tests.e2e.browser import chromium, new_page, sign_in, wait_connected
from tests.support import LiveServer, bearer, token_for

pytestmark = pytest.mark.browser

CITY, ZG, NK = "360700", "360702", "360703"
RAW_MARK = re.compile(r"\[[LQP]\]")


async def _open(browser: Any, server: LiveServer, user: str, path: str, **size: int) -> Any:
    page = await new_page(browser, **size)
    await sign_in(page, server.url, user, DEMO_PASSWORD, path)
    if "/print" not in path:
        await wait_connected(page)
    return page


def _row(page: Any, unit: str) -> Any:
    return page.locator(f'#board-body tr[data-unit="{unit}"]')


async def test_board_presence_accounts_and_a_chosen_rollcall(live_server: LiveServer) -> None:
    async with chromium() as browser:
        city = await _open(browser, live_server, "lead.360700", "/duty/board", width=1440, height=900)
        await _row(city, ZG).wait_for()
        # Nobody of 章贡区 is connected yet: its terminal is offline.
        assert await _row(city, ZG).locator("td.term").get_attribute("data-state") == "offline"
        # People are shown with their accounts (two accounts may share a name).
        assert re.search(r"lead\d?\.360702", await _row(city, ZG).inner_text())

        # The county opens its console: the city's board says online within seconds (not at a 25 s sweep).
        county = await _open(browser, live_server, f"duty.{ZG}", "/duty", width=390, height=844)
        await _row(city, ZG).locator('td.term[data-state="online"]').wait_for(timeout=5000)
        # "Am I on duty" by the account, and the account is said.
        assert "duty.360702" in await county.locator("#my-post").inner_text()

        # Filter and choose like a status board: only 章贡区 and 南康区 are called.
        await city.locator("#board-filter").select_option("offline")
        assert await _row(city, ZG).is_hidden() and await _row(city, NK).is_visible()
        await city.locator("#board-filter").select_option("all")
        await _row(city, ZG).locator("input.pick").check()
        await _row(city, NK).locator("input.pick").check()
        assert (await city.locator("#rc-start").inner_text()).strip() == "点名选中的 2 个单位"
        await city.locator("#rc-start").click()
        await _row(city, ZG).locator('td.rc[data-state="pending"]').wait_for()
        await _row(city, NK).locator('td.rc[data-state="pending"]').wait_for()
        assert await city.locator('#board-body td.rc[data-state="pending"]').count() == 2  # the others not called
        assert (await city.locator("#rc-sum-answered").inner_text()).strip() == "应答 0/2"
        assert "章贡区" in await city.locator("#rc-sum-waiting").inner_text()

        await county.locator('#todo > li[data-kind="rollcall"]').wait_for()
        await county.keyboard.press("a")
        await _row(city, ZG).locator('td.rc[data-state="answered"]').wait_for()
        await city.wait_for_function(
            "() => document.getElementById('rc-sum-answered')?.textContent.trim() === '应答 1/2'")
        waiting = await city.locator("#rc-sum-waiting").inner_text()
        assert "南康区" in waiting and "章贡区" not in waiting
        assert re.fullmatch(r"平均应答 \d+\.\d 秒", (await city.locator("#rc-sum-mean").inner_text()).strip())
        # A unit that just answered is online, never "离线" beside "已应答".
        assert await _row(city, ZG).locator("td.term").get_attribute("data-state") == "online"
        assert city.js_errors == [] and county.js_errors == [], (city.js_errors, county.js_errors)


async def test_rules_in_words_and_the_grade_picker_says_why(live_server: LiveServer, sqlite_url: str) -> None:
    tok = await token_for(sqlite_url, f"duty.{ZG}")
    async with httpx.AsyncClient(base_url=live_server.url + "/api/v1", timeout=10) as c:
        made = {}
        for cat, facts in (("natural.flood", {"evacuated": 120}), ("social_security.mass", {"affected": 300})):
            res = await c.post("/intakes", headers={**bearer(tok), "Idempotency-Key": f"fn-{cat}"}, json={
                "source": "phone", "title": f"首夜测试 {cat}", "category": cat, "location_unit": ZG, "facts": facts})
            assert res.status_code == 201, res.text
            lead = await token_for(sqlite_url, f"lead.{ZG}")
            res = await c.post(f"/intakes/{res.json()['id']}/verify",
                               headers={**bearer(lead), "Idempotency-Key": f"v-{cat}"}, json={})
            assert res.status_code in (200, 201), res.text
            made[cat] = res.json()["id"]
    async with chromium() as browser:
        page = await _open(browser, live_server, f"lead.{ZG}", "/duty/rules", width=1440, height=900)
        table = page.locator("#category-instruments")
        flood = await table.locator('tr[data-category="natural"]').inner_text()
        assert "自然灾害情况统计调查制度" in flood and "493" not in flood
        assert "国务院令第493号" in await table.locator('tr[data-category="accident"]').inner_text()
        assert "分级" in await table.locator('tr[data-category="social_security"]').inner_text()
        main = await page.locator("main").inner_text()
        assert not RAW_MARK.search(main), RAW_MARK.findall(main)
        assert await page.locator("abbr.src-mark.src-L").count() > 0
        assert await page.locator("abbr.src-mark.src-P").first.get_attribute("title")

        # The flood: its deadline cites the disaster statistics rules, in words; graded 一般 by the relief plan.
        await page.goto(f"{live_server.url}/incidents/{made['natural.flood']}")
        await wait_connected(page)
        rule = page.locator("#next-rule")
        await rule.wait_for()
        text = await rule.inner_text()
        assert "自然灾害情况统计调查制度" in text and "493" not in text and not RAW_MARK.search(text), text
        assert "转引" in text
        assert "一般" in await page.locator("#grade-box").inner_text()
        # Decisions first: grade and 牵头 come before the figures.
        order = await page.evaluate("['grade-card','lead-card','facts-card'].map(id => "
                                    "document.getElementById(id).getBoundingClientRect().top)")
        assert order == sorted(order), order
        assert "已接报" in await page.locator("#head").inner_text()  # not 已报告 before any report

        # A social-security incident: no rule grades it, and the picker says so and why.
        await page.goto(f"{live_server.url}/incidents/{made['social_security.mass']}")
        await wait_connected(page)
        note = page.locator('#grade-box .grading-note[data-none="1"]')
        await note.wait_for()
        assert "本地规定" in await note.inner_text()
        assert page.js_errors == [], page.js_errors

        # No 404 for the icon on any page.
        res = await page.request.get(f"{live_server.url}/favicon.ico")
        assert res.status == 200
