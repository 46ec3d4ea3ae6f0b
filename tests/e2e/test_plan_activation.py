"""The demo's flood, commanded by plan, in two real browsers against one real server, live: a flood in
南康区 whose 超警戒水位 is raised step by step from the city commander's workspace gets GZ-FX
suggested at 四级, then 三级; the commander previews and launches it at 三级; the task for the county
arrives on the county's phone console without a reload and is signed for there, and the commander's
task table says 已签收 at once; the water rises to 二级, the escalation is suggested and the commander
changes the level (only the missing tasks are added); finally the response is terminated and every
open task is cancelled. Expected tasks are worked out from the plan file, not from the code under test.
Screenshots go to /tmp/shots/e2e-*.png for a person to look at."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from core.demo import DEMO_PASSWORD
from plans_registry.demo import PLANS_DIR
from tests.e2e.browser import chromium, new_page, sign_in, wait_connected
from tests.support import LiveServer, bearer, token_for

pytestmark = pytest.mark.browser

COUNTY = "360703"  # 南康区
DUTY, LEAD, COMMANDER = f"duty.{COUNTY}", f"lead.{COUNTY}", "commander.360700"
SHOTS = Path("/tmp/shots")
OPEN = {"dispatched", "acknowledged", "in_progress", "feedback_submitted"}
LEVEL_NAMES = {1: "一级", 2: "二级", 3: "三级", 4: "四级"}


# --- what the plan file says ------------------------------------------------------------------------

def _gz_fx() -> dict[str, Any]:
    return dict(yaml.safe_load((PLANS_DIR / "gz-flood.yaml").read_text(encoding="utf-8")))


def _pairs(document: dict[str, Any], level: int) -> set[tuple[str, str]]:
    """(action key, unit) for each task the level gives a flood in 南康区 (a group goes to its lead
    unit, affected_counties to the incident's county)."""
    groups = {g["key"]: g["lead_unit"] for g in document["command"]["groups"]}
    spec = next(lv for lv in document["levels"] if lv["level"] == level)
    out = set()
    for action in spec["actions"]:
        target = action["target"]
        if "group" in target:
            unit = groups[target["group"]]
        elif "unit" in target:
            unit = target["unit"]
        else:
            assert target["role"] == "affected_counties", target
            unit = COUNTY
        out.add((action["key"], unit))
    return out


def _title(document: dict[str, Any], level: int, key: str) -> str:
    spec = next(lv for lv in document["levels"] if lv["level"] == level)
    return str(next(a["title"] for a in spec["actions"] if a["key"] == key))


# --- the API ------------------------------------------------------------------------------------------

class Api:
    def __init__(self, client: httpx.AsyncClient, tokens: dict[str, str]) -> None:
        self.client, self.tokens = client, tokens

    async def get(self, who: str, path: str, **params: Any) -> Any:
        res = await self.client.get(path, params=params, headers=bearer(self.tokens[who]))
        assert res.status_code == 200, (path, res.status_code, res.text)
        return res.json()

    async def post(self, who: str, path: str, body: Any) -> Any:
        res = await self.client.post(path, json=body, headers={**bearer(self.tokens[who]),
                                                                "Idempotency-Key": str(uuid.uuid4())})
        assert res.status_code in (200, 201), (path, res.status_code, res.text)
        return res.json()


# --- pages --------------------------------------------------------------------------------------------

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


async def _not_reloaded(page: Any) -> None:
    assert await page.evaluate("window.__marker") == "kept", f"{page.url} was reloaded"
    assert page.navigations == [], page.navigations
    assert await page.locator("#live-state").get_attribute("data-state") == "connected"
    assert page.js_errors == [], page.js_errors


async def _set_water(page: Any, metres: float) -> None:
    """Type the figure into the workspace's facts form and press its button."""
    field = page.locator('#facts-form input[name="water_level_over"]')
    if not await field.is_visible():  # a figure not known yet waits behind 其他数字
        await page.locator("#facts-form details.more-facts > summary").click()
    await field.fill(str(metres))
    await page.locator('#facts-form button[type="submit"]').click()
    # Saved and re-rendered with what the server now holds.
    await page.wait_for_function(
        "v => { const f = document.getElementById('facts-form');"
        " const i = f.querySelector('input[name=water_level_over]');"
        " return i && Number(i.value) === v && !f.contains(document.activeElement); }",
        arg=metres)


async def _no_horizontal_scroll(page: Any) -> None:
    width = await page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1], f"{page.url} scrolls sideways: {width}"


async def test_flood_suggestions_climb_and_plan_runs_to_county_console_live(live_server: LiveServer,
                                                                           sqlite_url: str) -> None:
    await asyncio.to_thread(SHOTS.mkdir, parents=True, exist_ok=True)
    document = _gz_fx()
    tokens = {u: await token_for(sqlite_url, u, label="e2e plan activation") for u in (DUTY, LEAD, COMMANDER)}
    async with httpx.AsyncClient(base_url=live_server.url + "/api/v1", timeout=10) as client, chromium() as browser:
        api = Api(client, tokens)

        # 1. The county's duty room takes the call, its duty leader verifies it: an incident.
        intake = await api.post(DUTY, "/intakes", {
            "source": "phone", "title": "南康区章水唐江段水位超警戒", "category": "natural.flood",
            "caller": "唐江镇应急办", "callback": "13907973333", "address": "南康区唐江镇", "facts": {}})
        incident = await api.post(LEAD, f"/intakes/{intake['id']}/verify", {})
        iid = incident["id"]
        assert incident["unit"] == COUNTY, incident
        plan = [p for p in await api.get(COMMANDER, "/plans", owner="360700") if p["code"] == "GZ-FX"]
        assert len(plan) == 1, plan
        plan_id = plan[0]["id"]

        # 2. The commander's workspace on a desk; the county console on a phone.
        cmd = await _open(browser, live_server, COMMANDER, f"/incidents/{iid}", width=1440, height=1000)
        await cmd.locator("#facts-form input[name=water_level_over]").wait_for(state="attached")
        await cmd.locator("#suggestions p.muted, #suggestions h3").first.wait_for()
        assert await cmd.locator('.suggestion[data-plan="GZ-FX"]').count() == 0
        county = await _open(browser, live_server, DUTY, "/duty", width=390, height=844)
        county_tasks = county.locator('#todo > li[data-kind="task"]')
        assert await county_tasks.count() == 0

        # 3. The water rises: 四级, then 三级, suggested live with why.
        await _set_water(cmd, 0.5)
        fx = cmd.locator('.suggestion[data-plan="GZ-FX"]')
        await cmd.locator('.suggestion[data-plan="GZ-FX"][data-level="4"]').wait_for()
        assert await fx.count() == 1
        why = await fx.locator(".s-why").inner_text()
        assert "超警戒水位" in why, why
        await _set_water(cmd, 1.2)
        at3 = cmd.locator('.suggestion[data-plan="GZ-FX"][data-level="3"]')
        await at3.wait_for()
        assert await fx.count() == 1
        assert "超警戒水位" in await at3.locator(".s-why").inner_text()

        # Launch at 三级 from the panel: the preview lists every task the level gives.
        launch = at3.locator('button[data-plan="GZ-FX"]')
        assert LEVEL_NAMES[3] in await launch.inner_text()
        await launch.click()
        preview = cmd.locator("#preview")
        await preview.wait_for()
        expected = await api.get(COMMANDER, f"/incidents/{iid}/activations/preview", plan_id=plan_id, level=3)
        level3 = _pairs(document, 3)
        assert {(t["key"], t["unit"]) for t in expected["tasks"]} == level3
        items = preview.locator("ol > li")
        assert await items.count() == len(expected["tasks"]) == len(level3)
        listed = await items.all_inner_texts()
        for task, text in zip(expected["tasks"], listed, strict=True):
            assert task["title"] in text, (task, text)
        assert any(_title(document, 3, "counties") in text and "南康" in text for text in listed), listed
        await cmd.screenshot(path=str(SHOTS / "e2e-plan-preview-desk.png"), full_page=True)
        await preview.locator("#confirm-activate").click()
        running = cmd.locator('.activation[data-status="active"][data-level="3"]')
        await running.wait_for()
        await preview.wait_for(state="detached")
        await cmd.locator("#head .ih-meta strong", has_text="处置中").wait_for()
        activations = await api.get(COMMANDER, f"/incidents/{iid}/activations")
        assert len(activations) == 1, activations
        act = activations[0]
        aid = act["id"]
        assert await running.get_attribute("data-activation") == aid
        assert {(t["source_ref"]["action"], t["unit"]) for t in act["tasks"]} == level3
        assert await running.locator("table.a-tasks tr[data-task]").count() == len(level3)
        # Launched: no launch button left; the suggestion says it runs.
        assert await at3.locator('button[data-plan="GZ-FX"]').count() == 0

        # 4. The county's task reaches its phone console live; signed for there with its button.
        mine = [t for t in act["tasks"] if t["unit"] == COUNTY]
        assert [t["source_ref"]["action"] for t in mine] == ["counties"], mine
        task = mine[0]
        card = county_tasks.filter(has_text=task["title"])
        await card.wait_for()
        assert await county_tasks.count() == 1
        sign = card.locator('[data-action="sign-task"]')
        box = await sign.bounding_box()
        assert box and box["height"] >= 44, box  # thumb-sized on the phone
        await _no_horizontal_scroll(county)
        await county.screenshot(path=str(SHOTS / "e2e-plan-county-phone.png"), full_page=True)
        row = running.locator(f'tr[data-task="{task["id"]}"]')
        assert await row.get_attribute("data-status") == "dispatched"
        await sign.click()
        await card.wait_for(state="detached")
        signed = cmd.locator(f'.activation tr[data-task="{task["id"]}"][data-status="acknowledged"]')
        await signed.wait_for()
        assert (await signed.locator("td").nth(2).inner_text()).strip() == "已签收"
        got = await api.get(COMMANDER, f"/activations/{aid}")
        assert next(t for t in got["tasks"] if t["id"] == task["id"])["status"] == "acknowledged"

        # 5. The water rises past 2 m: an escalation to 二级 is suggested; the commander changes the level.
        await _set_water(cmd, 2.3)
        up = cmd.locator('.suggestion.escalate[data-plan="GZ-FX"][data-level="2"]')
        await up.wait_for()
        assert "超警戒水位" in await up.locator(".s-why").inner_text()
        assert LEVEL_NAMES[2] in await up.locator("button").inner_text()  # its own 升级 button
        before = {t["id"] for t in got["tasks"]}
        form = running.locator("form.act-form").first
        await form.locator("select").select_option(label=LEVEL_NAMES[2])
        await form.locator("input").fill("章水唐江站超警戒水位 2.3 米，汛情加剧")
        await form.locator("button").click()
        at2 = cmd.locator(f'.activation[data-activation="{aid}"][data-status="active"][data-level="2"]')
        await at2.wait_for()
        await up.wait_for(state="detached")  # running at the suggested level: no escalation left
        got = await api.get(COMMANDER, f"/activations/{aid}")
        level2 = _pairs(document, 2)
        assert level2 - level3, "二级 adds tasks to 三级 in the plan file"
        added = [t for t in got["tasks"] if t["id"] not in before]
        assert {(t["source_ref"]["action"], t["unit"]) for t in added} == level2 - level3
        assert len(added) == len(level2 - level3)
        assert all(t["status"] == "dispatched" and t["source_ref"]["level"] == 2 for t in added), added
        obsolete = {(t["source_ref"]["action"], t["unit"]) for t in got["tasks"] if t["status"] == "obsolete"}
        assert obsolete == level3 - level2
        assert {(t["source_ref"]["action"], t["unit"]) for t in got["tasks"] if t["status"] in OPEN} == level2
        assert next(t for t in got["tasks"] if t["id"] == task["id"])["status"] == "acknowledged"  # kept as signed
        decision = got["decisions"][-1]
        assert (decision["from_level"], decision["to_level"]) == (3, 2), decision
        assert sorted(decision["tasks_added"]) == sorted(t["id"] for t in added)
        assert await at2.locator("table.a-tasks tr[data-task]").count() == len(got["tasks"])
        # Nothing new for the county: its task runs on.
        assert await county_tasks.count() == 0
        # The decision is on the incident's timeline, live.
        await cmd.locator("#timeline li", has_text="调整响应级别").filter(has_text="三级→二级").wait_for()
        await cmd.screenshot(path=str(SHOTS / "e2e-plan-escalated-desk.png"), full_page=True)

        # 6. Terminated with a reason: every open task cancelled.
        end = at2.locator("form.act-form").nth(1)
        await end.locator("input").fill("洪峰已过，水位回落至警戒水位以下")
        await end.locator("button").click()
        await cmd.locator(f'.activation[data-activation="{aid}"][data-status="terminated"]').wait_for()
        got = await api.get(COMMANDER, f"/activations/{aid}")
        assert got["status"] == "terminated"
        assert {t["status"] for t in got["tasks"]} <= {"cancelled", "obsolete"}, got["tasks"]
        open_before = [t for t in got["tasks"] if t["status"] != "obsolete"]
        assert all(t["status"] == "cancelled" for t in open_before), open_before
        assert sorted(got["decisions"][-1]["tasks_closed"]) == sorted(t["id"] for t in open_before)
        assert await cmd.locator(f'.activation[data-activation="{aid}"] tr[data-status="cancelled"]').count() == len(
            open_before)
        await cmd.locator("#timeline li", has_text="终止应急响应").wait_for()
        await cmd.screenshot(path=str(SHOTS / "e2e-plan-terminated-desk.png"), full_page=True)

        await _not_reloaded(cmd)
        await _not_reloaded(county)
