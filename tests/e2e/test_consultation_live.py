"""A consultation (会商) in two real browsers against one real server, live: the city commander convenes
one from the consultations page on a desk, inviting 章贡区; the county's duty console on a phone gets the
invitation card without a reload and checks in with its button; the commander's page shows 章贡区 已到 at
once; the commander opens the session and records a decision handed to 章贡区 as a task, which lands on
the county's console as a task to sign for — signed there, the consultation shows 已签收. No JS errors,
no reloads. Screenshots go to /tmp/shots/cs-*.png for a person to look at."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from typing import Any

import httpx
import pytest

from core.demo import DEMO_PASSWORD
from tests.e2e.browser import chromium, new_page, sign_in, wait_connected
from tests.support import LiveServer, bearer, token_for

pytestmark = pytest.mark.browser

COUNTY, COUNTY_NAME = "360702", "章贡区"
DUTY, COMMANDER = f"duty.{COUNTY}", "commander.360700"
SHOTS = Path("/tmp/shots")
TITLE = "沙石镇强降雨山洪风险研判会商"
DECISION = "章贡区立即组织沙石镇沿河低洼处群众转移，两小时内完成并反馈"


async def _open(browser: Any, server: LiveServer, user: str, path: str, **size: int) -> Any:
    """A page in its own context (a person of their own), signed in, live, marked so a reload shows."""
    page = await new_page(browser, **size)
    await sign_in(page, server.url, user, DEMO_PASSWORD, path)
    await wait_connected(page)
    await page.evaluate("window.__marker = 'kept'")
    page.navigations = []
    page.on("framenavigated",
            lambda frame: page.navigations.append(frame.url) if frame == page.main_frame else None)
    return page


async def _not_reloaded(page: Any, *, pushed: list[str] | None = None) -> None:
    """Never reloaded nor navigated away (a history.pushState of `pushed` URLs aside), live, no JS errors."""
    assert await page.evaluate("window.__marker") == "kept", f"{page.url} was reloaded"
    assert page.navigations == (pushed or []), page.navigations
    assert await page.locator("#live-state").get_attribute("data-state") == "connected"
    assert page.js_errors == [], page.js_errors


async def _no_horizontal_scroll(page: Any) -> None:
    width = await page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1], f"{page.url} scrolls sideways: {width}"


async def test_convene_check_in_and_decide_live(live_server: LiveServer, sqlite_url: str) -> None:
    await asyncio.to_thread(SHOTS.mkdir, parents=True, exist_ok=True)
    token = await token_for(sqlite_url, COMMANDER, label="e2e consultation")
    async with httpx.AsyncClient(base_url=live_server.url + "/api/v1", timeout=10,
                                 headers=bearer(token)) as client, chromium() as browser:
        desk = await _open(browser, live_server, COMMANDER, "/consultations", width=1440, height=1000)
        phone = await _open(browser, live_server, DUTY, "/duty", width=390, height=844)
        main = desk.locator("#cs-main")
        await main.locator("p.muted").wait_for()
        invitations = phone.locator('#todo > li[data-kind="consultation"]')
        assert await invitations.count() == 0

        # 1. The commander convenes one through the form, inviting 章贡区.
        form = desk.locator("#cs-form")
        await form.locator('input[name="title"]').fill(TITLE)
        await form.locator('input[name="place"]').fill("市应急指挥中心（视频会商）")
        await form.locator('textarea[name="agenda"]').fill("研判未来 24 小时降雨趋势和山洪风险，部署人员转移。")
        units = form.locator('select[name="units"]')
        assert await units.locator(f'option[value="{COUNTY}"]').inner_text() == COUNTY_NAME
        await units.select_option([COUNTY])
        await form.locator("button.primary").click()
        await main.locator("h1", has_text=TITLE).wait_for()
        await desk.wait_for_url(re.compile(r"/consultations/\w+$"))
        cid = desk.url.rsplit("/", 1)[1]
        c = (await client.get(f"/consultations/{cid}")).json()
        assert (c["title"], c["status"], c["unit"]) == (TITLE, "scheduled", "360700"), c
        assert [i["unit"] for i in c["invitees"]] == [COUNTY], c["invitees"]
        await desk.locator("#cs-list li.shown a", has_text=TITLE).wait_for()
        zg_row = main.locator(".cs-invitees li", has_text=COUNTY_NAME)
        await zg_row.wait_for()
        assert "未到" in await zg_row.inner_text()
        assert await form.locator('input[name="title"]').input_value() == ""  # the form is cleared

        # 2. The invitation reaches the county's phone live; it checks in with its thumb-sized button.
        card = invitations.filter(has_text=TITLE)
        await card.wait_for()
        attend = card.locator('[data-action="attend"]')
        box = await attend.bounding_box()
        assert box and box["height"] >= 44, box
        await _no_horizontal_scroll(phone)
        await phone.screenshot(path=str(SHOTS / "cs-county-invited-phone.png"), full_page=True)
        await attend.click()
        await card.wait_for(state="detached")

        # The commander's page says 章贡区 已到, with who checked in, without a reload.
        present = main.locator(".cs-invitees li.present", has_text=COUNTY_NAME)
        await present.wait_for()
        text = await present.inner_text()
        assert "已到" in text, text
        [attendee] = (await client.get(f"/consultations/{cid}")).json()["invitees"]
        assert attendee["attended"] and attendee["attendee_name"], attendee
        assert attendee["attendee_name"] in text, (attendee, text)
        await desk.screenshot(path=str(SHOTS / "cs-commander-checked-in-desk.png"), full_page=True)

        # 3. The commander opens the session and records a decision handed to 章贡区 as a task.
        await main.locator("button", has_text="开始会商").click()
        await main.locator(".card-head strong", has_text="会商中").wait_for()
        entry = main.locator("form.cs-form")
        await entry.wait_for()
        await asyncio.sleep(0.5)  # let the live reloads of the opening settle before typing
        await entry.get_by_label("类型").select_option("decision")
        await entry.get_by_label("内容").fill(DECISION)
        to_unit = entry.get_by_label("转为任务，交办")
        await to_unit.select_option(label=COUNTY_NAME)
        assert await to_unit.input_value() == COUNTY
        assert await entry.get_by_label("内容").input_value() == DECISION
        await entry.locator("button.primary").click()
        decision = main.locator(".cs-entries li.cs-decision", has_text=DECISION)
        await decision.wait_for()
        assert "任务 章贡区：待签收" in await decision.inner_text()
        [made] = (await client.get(f"/consultations/{cid}")).json()["entries"]
        task = made["task"]
        assert (made["kind"], task["unit"], task["source"], task["status"]) == (
            "decision", COUNTY, "consultation", "dispatched"), made

        # 4. The task lands on the county's console live, to sign for there.
        task_card = phone.locator('#todo > li[data-kind="task"]').filter(has_text=DECISION)
        await task_card.wait_for()
        sign = task_card.locator('[data-action="sign-task"]')
        box = await sign.bounding_box()
        assert box and box["height"] >= 44, box
        await _no_horizontal_scroll(phone)
        await phone.screenshot(path=str(SHOTS / "cs-county-task-phone.png"), full_page=True)
        await desk.screenshot(path=str(SHOTS / "cs-commander-decision-desk.png"), full_page=True)

        # Signed for on the phone: the consultation's record follows the task live.
        await sign.click()
        await task_card.wait_for(state="detached")
        await decision.filter(has_text="任务 章贡区：已签收").wait_for()
        assert (await client.get(f"/tasks/{task['id']}")).json()["status"] == "acknowledged"
        await desk.screenshot(path=str(SHOTS / "cs-commander-signed-desk.png"), full_page=True)

        await _not_reloaded(desk, pushed=[f"{live_server.url}/consultations/{cid}"])
        await _not_reloaded(phone)


async def test_a_live_update_keeps_a_half_typed_decision(live_server: LiveServer, sqlite_url: str) -> None:
    """The commander types a decision and moves on to pick the unit to hand it to; meanwhile 章贡区's
    opinion arrives live. The new opinion shows, and what the commander typed is still there."""
    tokens = {u: await token_for(sqlite_url, u, label="e2e consultation") for u in (COMMANDER, DUTY)}
    async with httpx.AsyncClient(base_url=live_server.url + "/api/v1", timeout=10) as client, chromium() as browser:
        res = await client.post("/consultations", headers=bearer(tokens[COMMANDER]), json={
            "title": TITLE, "kind": "risk", "starts_at": "2030-06-18T02:00:00Z", "units": [COUNTY]})
        assert res.status_code == 201, res.text
        cid = res.json()["id"]
        res = await client.post(f"/consultations/{cid}/status", headers=bearer(tokens[COMMANDER]),
                                json={"action": "open"})
        assert res.status_code == 200, res.text
        desk = await _open(browser, live_server, COMMANDER, f"/consultations/{cid}", width=1440, height=1000)
        main = desk.locator("#cs-main")
        entry = main.locator("form.cs-form")
        await entry.wait_for()
        await entry.get_by_label("类型").select_option("decision")
        await entry.get_by_label("内容").fill(DECISION)
        await entry.get_by_label("转为任务，交办").focus()  # next: choose whom to hand it to

        res = await client.post(f"/consultations/{cid}/entries", headers=bearer(tokens[DUTY]),
                                json={"kind": "opinion", "text": "沙石镇水位仍在上涨。"})
        assert res.status_code == 201, res.text
        await main.locator(".cs-entries li.cs-opinion", has_text="沙石镇水位仍在上涨。").wait_for()
        await desk.screenshot(path=str(SHOTS / "cs-commander-typing-desk.png"), full_page=True)
        entry = main.locator("form.cs-form")
        assert await entry.get_by_label("内容").input_value() == DECISION, "the half-typed decision was wiped"
        assert await entry.get_by_label("类型").input_value() == "decision"
        await _not_reloaded(desk)


async def test_convening_under_the_drill_banner_sends_no_real_invitation(live_server: LiveServer,
                                                                        sqlite_url: str) -> None:
    """On the drill page (/consultations?exercise=1, 演练 banner shown) the commander convenes through the
    form: whatever comes of it must not reach 章贡区 as a real (live) invitation."""
    token = await token_for(sqlite_url, DUTY, label="e2e consultation")
    async with httpx.AsyncClient(base_url=live_server.url + "/api/v1", timeout=10,
                                 headers=bearer(token)) as client, chromium() as browser:
        desk = await new_page(browser, width=1440, height=1000)
        await sign_in(desk, live_server.url, COMMANDER, DEMO_PASSWORD, "/consultations")
        await desk.goto(live_server.url + "/consultations?exercise=1")  # (the login bounce keeps no query)
        await wait_connected(desk)
        await desk.locator(".drill-band").wait_for()
        form = desk.locator("#cs-form")
        await form.locator('input[name="title"]').fill("演练：" + TITLE)
        await form.locator('select[name="units"]').select_option([COUNTY])
        await form.locator("button.primary").click()
        await desk.locator("#cs-main h1", has_text="演练：" + TITLE).wait_for()
        live = [c["title"] for c in (await client.get("/consultations")).json()]
        assert "演练：" + TITLE not in live, "a consultation convened on the drill page went out as a real one"
        assert desk.js_errors == [], desk.js_errors
