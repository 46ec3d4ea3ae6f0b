"""Resources in two real browsers against one real server: the county duty officer, on a phone,
drafts and submits a request for 50 帐篷; the city's duty leader, at a desk, sees it arrive live,
approves 30 from the city warehouse's 帐篷 line, and the county sees 部分批准 at once; the city
dispatches (the stock drops by 30) and the county receives. The incident workspace's card lists
the nearest available teams in the order the API gives. Screenshots go to /tmp/shots/res-*.png."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.e2e.browser import chromium
from tests.e2e.live_pages import api_call, not_reloaded, open_live, shot, shots_dir
from tests.support import LiveServer, token_for

pytestmark = pytest.mark.browser

COUNTY = "360702"  # 章贡区
CITY = "360700"    # 赣州市


async def _phone_fit(page: Any, what: str) -> None:
    size = await page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert size[0] <= size[1], f"{what}: {size[0]}px wide in a {size[1]}px window"
    small = await page.eval_on_selector_all(
        "main button:not(.link), main input:not([type=checkbox]):not([type=hidden]), main select",
        "els => els.filter(e => e.offsetParent !== null && e.getBoundingClientRect().height < 44)"
        ".map(e => e.outerHTML.slice(0, 90))")
    assert small == [], (what, small)


async def _tents(client: httpx.AsyncClient, token: str, stock_id: str) -> dict[str, Any]:
    rows = await api_call(client, token, "GET", "/resources/stock?item=帐篷")
    return dict(next(s for s in rows if s["id"] == stock_id))


async def test_request_approved_in_part_dispatched_and_received_live(live_server: LiveServer, sqlite_url: str) -> None:
    shots_dir()
    city_tok = await token_for(sqlite_url, f"lead.{CITY}")
    async with httpx.AsyncClient(base_url=live_server.url + "/api/v1", timeout=15) as client, chromium() as browser:
        stock = await api_call(client, city_tok, "GET", "/resources/stock?item=帐篷")
        line = next(s for s in stock if s["unit"] == CITY and s["item"] == "帐篷")
        before = line["quantity"]

        county = await open_live(browser, live_server, f"duty.{COUNTY}", "/resources", width=390, height=844)
        city = await open_live(browser, live_server, f"lead.{CITY}", "/resources", width=1366, height=900)
        for p in (county, city):
            await p.locator("#tab-requests").click()
        await county.locator("#requests-empty:visible").wait_for()
        await _phone_fit(county, "county requests")

        # The county drafts and submits: one line, 50 帐篷, urgent.
        form = county.locator("#request-form")
        await form.locator('.req-line input[name="item"]').fill("帐篷")
        await form.locator('.req-line input[name="measure"]').fill("顶")
        await form.locator('.req-line input[name="quantity"]').fill("50")
        await form.locator('select[name="urgency"]').select_option("urgent")
        await form.locator('textarea[name="reason"]').fill("沙石镇转移群众 800 人，安置点帐篷不足。")
        await shot(county, "res-county-draft-phone")
        await form.locator('[data-action="submit-new"]').click()
        mine = county.locator('#requests-out li.req[data-status="submitted"]')
        await mine.wait_for()
        rid = await mine.get_attribute("data-id")

        # The city sees it arrive, without a reload, and approves 30 from its own warehouse's line.
        card = city.locator(f'#requests-in #req-{rid}[data-status="submitted"]')
        await card.wait_for()
        assert "帐篷 50 顶" in await card.inner_text() and "顶顶" not in await card.inner_text()
        choice = card.locator('select[name="stock-0"]')
        assert await choice.input_value() == line["id"]
        assert f"可用 {line['available']}" in await choice.locator("option:checked").inner_text()
        await card.locator('input[name="qty-0"]').fill("30")
        await shot(city, "res-city-approve-desk")
        await card.locator('[data-action="approve"]').click()
        await city.locator(f'#req-{rid}[data-status="partly_approved"]').wait_for()

        # The county sees 部分批准 live.
        part = county.locator(f'#req-{rid}[data-status="partly_approved"]')
        await part.wait_for()
        assert "部分批准" in await part.inner_text() and "批准 30 顶" in await part.inner_text()
        held = await _tents(client, city_tok, line["id"])
        assert held["reserved"] == line["reserved"] + 30 and held["quantity"] == before

        # The city dispatches: the stock drops by 30.
        await city.locator(f'#req-{rid} [data-action="dispatch"]').click()
        await city.locator(f'#req-{rid}[data-status="dispatched"]').wait_for()
        after = await _tents(client, city_tok, line["id"])
        assert after["quantity"] == before - 30 and after["reserved"] == line["reserved"]

        # The county receives.
        receive = county.locator(f'#req-{rid}[data-status="dispatched"] [data-action="receive"]')
        await receive.wait_for()
        await receive.click()
        await county.locator(f'#req-{rid}[data-status="received"]').wait_for()
        await city.locator(f'#req-{rid}[data-status="received"]').wait_for()
        await _phone_fit(county, "county after receipt")
        await shot(county, "res-county-received-phone")
        await shot(city, "res-city-received-desk")
        for tab in ("teams", "stock", "shelters", "experts"):
            await county.locator(f"#tab-{tab}").click()
            await _phone_fit(county, f"county {tab}")
            await shot(county, f"county-{tab}-phone")
            await city.locator(f"#tab-{tab}").click()
            await shot(city, f"city-{tab}-desk")
        await not_reloaded(county)
        await not_reloaded(city)


async def test_incident_card_lists_nearest_teams_by_distance(live_server: LiveServer, sqlite_url: str) -> None:
    shots_dir()
    tok = await token_for(sqlite_url, f"duty.{COUNTY}")
    async with httpx.AsyncClient(base_url=live_server.url + "/api/v1", timeout=15) as client, chromium() as browser:
        intake = await api_call(client, tok, "POST", "/intakes", {
            "source": "phone", "caller": "沙石镇应急办", "callback": "13907971234", "title": "章江沙石段水位超警戒",
            "category": "natural.flood", "location_unit": COUNTY, "address": "章贡区沙石镇埠上村"})
        incident = await api_call(client, tok, "POST", f"/intakes/{intake['id']}/verify", {})
        nearest = await api_call(client, tok, "GET", f"/resources/teams/nearest?incident={incident['id']}")
        assert nearest, "the demo has teams near Zhanggong"
        where = f"/incidents/{incident['id']}"
        page = await open_live(browser, live_server, f"duty.{COUNTY}", where, width=1366, height=900)
        rows = page.locator("#nearest > li")
        await rows.first.wait_for()
        shown = [await r.get_attribute("data-unit") for r in await rows.all()]
        assert shown == [t["unit"] for t in nearest][:8]
        kms = [float(await r.get_attribute("data-km") or 0) for r in await rows.all()]
        assert kms == sorted(kms)
        assert "公里" in await rows.first.inner_text()
        await page.locator("#nearest-card").scroll_into_view_if_needed()
        await shot(page, "res-incident-nearest-desk")
        phone = await open_live(browser, live_server, f"duty.{COUNTY}", where, width=390, height=844)
        await phone.locator("#nearest > li").first.wait_for()
        size = await phone.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        assert size[0] <= size[1], size
        await not_reloaded(page)
        await not_reloaded(phone)
