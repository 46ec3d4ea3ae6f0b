"""A duty room's first night (issue 16), in real Chromium: who is on duty never misleads (presence
within seconds, accounts beside names, a roll-call of chosen units with its summary), the rules cite
what governs each category in words, not raw marks, and the incident page says why nothing is graded."""

from __future__ import annotations

import re
import uuid
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


async def _phone(browser: Any, server: LiveServer, user: str, path: str, lang: str = "zh-CN") -> Any:
    """A touch phone (390×844, coarse pointer) with notifications granted and a page that can be 'behind'."""
    context = await browser.new_context(viewport={"width": 390, "height": 844}, locale=lang, has_touch=True,
                                        is_mobile=True, timezone_id="Asia/Shanghai")
    context.set_default_timeout(10_000)
    await context.grant_permissions(["notifications"], origin=server.url)
    # The page can be put "behind" (another app in front) and its notifications are recorded.
    await context.add_init_script("""
      Object.defineProperty(document, 'visibilityState', { get: () => window.__vis || 'visible' });
      window.__shown = [];
      const N = window.Notification;
      if (N) { window.Notification = class extends N { constructor(t, o) { super(t, o); window.__shown.push(t); } };
               Object.defineProperty(window.Notification, 'permission', { get: () => N.permission }); }
    """)
    page = await context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.js_errors = errors
    await sign_in(page, server.url, user, DEMO_PASSWORD, path)
    await wait_connected(page)
    return page


async def test_the_phone_is_the_county_terminal(live_server: LiveServer, sqlite_url: str) -> None:
    async with chromium() as browser:
        page = await _phone(browser, live_server, f"duty.{ZG}", "/duty")
        # The bottom bar: 值班 / 任务 / 接报 / 预警 / 更多, thumb-sized; no top strip of links; 退出 inside 更多.
        bar = page.locator("nav.tabbar")
        assert await bar.is_visible() and await page.locator(".topbar nav.nav").is_hidden()
        labels = [t.strip() for t in await bar.locator(":scope > a, :scope > details > summary").all_inner_texts()]
        assert labels == ["值班", "任务", "接报", "预警", "更多"], labels
        for target in await bar.locator(":scope > a, :scope > details > summary").all():
            box = await target.bounding_box()
            assert box and box["height"] >= 44 and box["width"] >= 44, box
        assert await page.locator(".topbar form.inline").is_hidden()
        signout = page.locator(".tab-menu .signout")
        assert await signout.is_hidden()
        await bar.locator("summary").tap()
        assert await signout.is_visible()
        box = await signout.bounding_box()
        assert box and box["height"] >= 44
        await bar.locator("summary").tap()
        # Desk-only hints are gone on touch; the non-urgent cards fold, so what needs me now is in reach.
        assert await page.locator(".shortcuts").is_hidden()
        assert await page.locator("#log-form").is_hidden()
        await page.locator("#log-card h2").tap()
        assert await page.locator("#log-form").is_visible()
        assert "Enter" not in await page.locator("#log-form button[type=submit]").inner_text()
        await page.locator("#log-card h2").tap()
        height = await page.evaluate("document.documentElement.scrollHeight")
        assert height < 1400, height
        await page.evaluate("window.scrollTo(0, 0)")
        await _shot(page, "duty-console-phone-folded")

        # Behind another app: a roll-call and a task for my unit notify (and sound); nothing else does.
        await page.evaluate("window.__vis = 'hidden'")
        lead = await token_for(sqlite_url, "lead.360700")
        boss = await token_for(sqlite_url, "commander.360700")
        async with httpx.AsyncClient(base_url=live_server.url + "/api/v1", timeout=10) as c:
            res = await c.post("/rollcalls", headers={**bearer(lead), "Idempotency-Key": "fn-rc"},
                               json={"units": [ZG], "window_s": 300})
            assert res.status_code == 201, res.text
            res = await c.post("/tasks", headers={**bearer(boss), "Idempotency-Key": "fn-task"},
                               json={"unit": NK, "title": "别的县的任务"})
            assert res.status_code == 201, res.text
            res = await c.post("/tasks", headers={**bearer(boss), "Idempotency-Key": "fn-task2"},
                               json={"unit": ZG, "title": "核查沙石镇转移情况"})
            assert res.status_code == 201, res.text
            for colour, units in (("yellow", [ZG]), ("red", [NK]), ("red", [ZG])):  # only the last is mine and red
                res = await c.post("/warnings", headers={**bearer(boss), "Idempotency-Key": f"fn-w-{colour}-{units}"},
                                   json={"hazard": "rainstorm", "colour": colour, "issuer_name": "赣州市气象台",
                                         "headline": f"暴雨{colour}预警",
                                         "description": "预计 3 小时内降雨量 100 毫米以上。",
                                         "areas": {"units": units}})
                assert res.status_code == 201, res.text
        await page.wait_for_function("() => (window.yingjiAlerts || []).length >= 3")
        alerts = await page.evaluate("window.yingjiAlerts.map(a => a.title + '|' + a.body)")
        assert alerts[0].startswith("查岗点名") and alerts[1] == "新任务|核查沙石镇转移情况", alerts
        assert alerts[2] == "红色预警|暴雨red预警", alerts
        # events arrive in journal order, so the yellow and the other county's red came before the last: not alerted
        assert len(await page.evaluate("window.yingjiAlerts")) == 3
        assert await page.evaluate("window.__shown") == ["查岗点名：请立即应答", "新任务", "红色预警"]
        assert page.js_errors == [], page.js_errors


async def _shot(page: Any, name: str) -> None:
    from tests.support import ROOT

    (ROOT / "test-artifacts").mkdir(exist_ok=True)
    await page.screenshot(path=str(ROOT / "test-artifacts" / f"{name}.png"), full_page=True)


SCREENS = ("duty", "duty-board", "incident", "tasks", "hall")


async def _seed_night(server: LiveServer, db_url: str) -> str:
    """A flood's first hours in 章贡区: an incident with its figures, a task, a roll-call half answered."""
    tok = {u: await token_for(db_url, u) for u in ("lead.360700", "duty.360702", "lead.360702", "duty.360703",
                                                     "commander.360700")}

    async def post(who: str, path: str, body: Any) -> Any:
        res = await c.post(path, json=body, headers={**bearer(tok[who]), "Idempotency-Key": str(uuid.uuid4())})
        assert res.status_code in (200, 201), (path, res.text)
        return res.json()

    async with httpx.AsyncClient(base_url=server.url + "/api/v1", timeout=10) as c:
        intake = await post("duty.360702", "/intakes", {
            "source": "phone", "caller": "沙石镇应急办 王建华", "callback": "13907971234",
            "title": "沙石镇埠上村山洪围困群众", "category": "natural.flood", "location_unit": ZG,
            "description": "山洪冲毁进村道路，13人被困于村委会二楼。", "address": "章贡区沙石镇埠上村三组",
            "facts": {"trapped": 13, "evacuated": 120}})
        incident = await post("lead.360702", f"/intakes/{intake['id']}/verify", {})
        await post("duty.360702", f"/incidents/{incident['id']}/entries", {
            "kind": "situation", "text": "消防救援大队到达现场，开始转移被困群众", "significant": True})
        await post("commander.360700", "/tasks", {"unit": ZG, "title": "核查沙石镇低洼村庄人员转移情况",
                                                  "priority": "urgent", "incident_id": incident["id"],
                                                  "instructions": "逐户核查，2 小时内反馈。"})
        rc = await post("lead.360700", "/rollcalls", {"window_s": 900, "units": [ZG, NK, "360704"]})
        await post("duty.360703", f"/rollcalls/{rc['id']}/answer", {})
    return str(incident["id"])


async def test_screens_for_the_docs(live_server: LiveServer, sqlite_url: str) -> None:
    """/duty, /duty/board, /incidents/{id}, /tasks, /hall at 1440×900 and 390×844, zh and en, into
    test-artifacts/screens/ (copied to docs/screens/ by hand after a person looked at them); and what a
    machine can check there: nothing sideways, the English top nav fits a 1440 px desk, no console errors."""
    from tests.support import ROOT

    out = ROOT / "test-artifacts" / "screens"
    out.mkdir(parents=True, exist_ok=True)
    incident = await _seed_night(live_server, sqlite_url)
    paths = {"duty": "/duty", "duty-board": "/duty/board", "incident": f"/incidents/{incident}", "tasks": "/tasks",
             "hall": "/hall"}
    async with chromium() as browser:
        for lang in ("zh", "en"):
            for width, height, size in ((1440, 900, "desk"), (390, 844, "phone")):
                user = "lead.360700" if size == "desk" else f"duty.{ZG}"
                page = await new_page(browser, width=width, height=height, lang="en-GB" if lang == "en" else "zh-CN")
                await sign_in(page, live_server.url, user, DEMO_PASSWORD, "/duty")
                if lang == "en":
                    await page.goto(f"{live_server.url}/lang/en?next=/duty")
                for name in SCREENS:
                    await page.goto(live_server.url + paths[name])
                    await wait_connected(page)
                    await page.wait_for_load_state("networkidle")
                    await page.evaluate("document.fonts.ready")
                    size_now = await page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
                    if name != "hall":
                        assert size_now[0] <= size_now[1], (name, lang, size, size_now)
                    if size == "desk" and name != "hall":
                        nav = await page.evaluate("(() => { const n = document.querySelector('.topbar nav.nav');"
                                                  " return [n.scrollWidth, n.clientWidth]; })()")
                        assert nav[0] <= nav[1], (name, lang, "top nav overflows", nav)
                    if name == "incident":  # the lead's decisions first, on a desk and on a phone
                        ids = ["grade-card", "lead-card", "facts-card"] + (["response-card"] if size == "phone" else [])
                        tops = await page.evaluate(
                            "ids => ids.map(id => document.getElementById(id).getBoundingClientRect().top)", ids)
                        assert tops[0] < tops[1] < tops[2] and (size == "desk" or tops[0] < tops[3]), (size, tops)
                    await page.screenshot(path=str(out / f"{name}-{lang}-{size}.png"), full_page=name != "hall")
                assert page.js_errors == [], page.js_errors
                await page.context.close()
