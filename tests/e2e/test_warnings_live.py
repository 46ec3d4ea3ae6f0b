"""A warning in two real browsers against one real server: the city issues a red rainstorm warning
to two counties; the 章贡区 duty officer, on a 360 px phone, sees it arrive with its sign-for
countdown, signs for it with one tap and reports the precautions taken; the issuer, at a desk on the
warning's page, watches the coverage table and figures fill in live, the units still owing first,
and the wall shows the warning by colour with its coverage.
No reload on either side. Screenshots go to /tmp/shots/ for a person to look at."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from tests.e2e.browser import chromium
from tests.e2e.live_pages import api_call, no_sideways_scroll, not_reloaded, open_live, shot, shots_dir, thumb_sized
from tests.support import LiveServer, token_for

pytestmark = pytest.mark.browser

CITY, ZG, NK = "360700", "360702", "360703"
COUNTDOWN = re.compile(r"剩余 (\d+:)?\d{2}:\d{2}")


async def row_state(page: Any, unit: str, state: str) -> None:
    """Until the coverage table's line of `unit` shows `state` (it updates by itself)."""
    await page.wait_for_function(
        "([u, s]) => document.querySelector(`#cov tbody tr[data-unit='${u}']`)?.dataset.state === s", arg=[unit, state])


async def test_sign_for_on_a_phone_seen_live_on_the_issuers_coverage(live_server: LiveServer, sqlite_url: str) -> None:
    shots_dir()
    city_tok = await token_for(sqlite_url, f"commander.{CITY}")
    async with httpx.AsyncClient(base_url=live_server.url + "/api/v1", timeout=15) as client, chromium() as browser:
        county = await open_live(browser, live_server, f"duty.{ZG}", "/warnings", width=360, height=740)
        await county.locator("#owed-empty:visible").wait_for()

        w = await api_call(client, city_tok, "POST", "/warnings", {
            "hazard": "rainstorm", "colour": "red", "issuer_name": "赣州市气象台",
            "description": "预计未来 3 小时内章贡区、南康区降雨量将达 100 毫米以上。",
            "instructions": "停止集会、停课、停业；转移危险地带人员。", "areas": {"units": [ZG, NK]}})
        city = await open_live(browser, live_server, f"commander.{CITY}", f"/warnings/{w['id']}",
                               width=1366, height=900)
        await city.locator("#cov tbody tr").nth(1).wait_for()
        assert await city.locator("#cov-figures .f-signed .fig-value").inner_text() == "0/2"
        # The wall shows it by colour, with its coverage.
        wall = await open_live(browser, live_server, f"lead.{CITY}", "/hall", width=1920, height=1080)
        wall_item = wall.locator(f"#hall-warnings li.w-red[data-id='{w['id']}']")
        await wall_item.wait_for()
        assert "红色预警 · 暴雨" in await wall_item.inner_text() and "签收 0/2" in await wall_item.inner_text()

        # The phone: the warning arrives by itself, red with its name, the countdown running.
        card = county.locator("#owed .warn-card.c-red")
        await card.wait_for()
        assert "红色预警" in await card.locator(".colour-name").inner_text()
        due = card.locator(".due").first
        await county.wait_for_function("el => /剩余/.test(el.textContent)", arg=await due.element_handle())
        assert COUNTDOWN.search(await due.inner_text())
        await no_sideways_scroll(county, "warnings on a phone")
        await thumb_sized(county, "warnings on a phone")
        await shot(county, "warning-phone-arrived")

        await card.locator("[data-action=warn-sign]").click()
        # The issuer's page: 章贡区 is signed for, without a reload; 南康区, still owing, is listed first.
        zg_row = city.locator(f"#cov tbody tr[data-unit='{ZG}']")
        await row_state(city, ZG, "signed")
        assert await city.locator("#cov-figures .f-signed .fig-value").inner_text() == "1/2"
        assert await city.locator("#cov tbody tr").first.get_attribute("data-unit") == NK
        assert "待反馈防范落实" in await zg_row.locator(".c-state").inner_text()

        # The phone: the precaution form is open now; report with a thumb.
        form = county.locator("#owed .precaution-form")
        await form.wait_for()
        await form.locator("textarea[name=measures]").fill("转移低洼地带群众\n关闭沿河景区")
        await form.locator("input[name=people_warned]").fill("52000")
        await form.locator("input[name=people_moved]").fill("340")
        await form.locator("input[name=places_notified]").fill("48")
        await no_sideways_scroll(county, "the precaution form on a phone")
        await shot(county, "warning-phone-precautions")
        await form.locator("[data-action=warn-report]").click()

        await row_state(city, ZG, "reported")
        assert await city.locator("#cov-figures .f-reported .fig-value").inner_text() == "1/2"
        assert await zg_row.locator("td.num").first.inner_text() == "52000"
        assert "52000/" in await city.locator("#cov-figures").inner_text()
        await county.locator("#owed-empty:visible").wait_for()  # nothing more owed on the phone
        await wall.wait_for_function("el => el.textContent.includes('签收 1/2 · 反馈 1/2')",
                                     arg=await wall_item.element_handle())
        await shot(city, "warning-coverage-desk")
        await not_reloaded(county)
        await not_reloaded(city)
        await not_reloaded(wall)
