"""Tasks in two real browsers against one real server, on a flood night: the city launches its flood
plan on a Zhanggong incident; the county duty officer, on a phone, sees the plan's task arrive with
its sign-for countdown, signs for it with one tap and reports back with figures, a photo from the
camera and the phone's location; the city dispatcher, at a desk, watches the status and the
feedback arrive, accepts the figures, and returns the completed task with a reason, which the
county sees at once. Then the county hands a city task on (转派) to its rescue team from the phone;
the child shows under the task it came from, on both sides, and in the county's dispatched tab,
where it is verified and the parent's progress rolls up; a task nobody signs for climbs the
escalation ladder on screen; the 统计 tab counts it all, live. No reload on either side.
Screenshots go to /tmp/shots/ for a person to look at."""

from __future__ import annotations

import re
import struct
import uuid
import zlib
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlalchemy import update

from command.tasks.models import Task
from command.tasks.service import ACK_TIMER, ESCALATE_TIMER
from core.db import Database
from core.demo import DEMO_PASSWORD
from core.orm import utcnow
from core.timers.models import Timer
from tests.e2e.browser import chromium, new_page, sign_in, wait_connected
from tests.support import LiveServer, bearer, token_for

pytestmark = pytest.mark.browser

SHOTS = Path("/tmp/shots")
COUNTY = "360702"  # 章贡区
CITY = "360700"    # 赣州市
COUNTY_TASK = "督促受影响县落实防御措施"  # GZ-FX level 4, addressed to the affected counties
COUNTDOWN = re.compile(r"剩余 (\d+:)?\d{2}:\d{2}")
CJK = re.compile(r"[\u3400-\u9fff\u3000-\u303f\uff00-\uffef]")
# Interface text on the task page that must be English on English pages (what people typed and
# unit names without an English one carry data-i18n-data and stay as written).
CHROME = ["nav.nav", ".subnav", ".task-tab", "h2", "label", "legend", "button", ".empty", "#live-state", ".tag",
          ".due", ".clock-label", ".badge", ".count .l", ".filters option", ".task-closed summary", ".waiting",
          ".return-box strong"]


def _png() -> bytes:
    """A 4×4 blue PNG: what a phone camera would hand the file input, only smaller."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
    raw = b"".join(b"\x00" + b"\x19\x76\xd2" * 4 for _ in range(4))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 4, 4, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


async def _api(client: httpx.AsyncClient, token: str, method: str, path: str, body: Any = None) -> Any:
    res = await client.request(method, path, json=body, headers={**bearer(token), "Idempotency-Key": str(uuid.uuid4())})
    assert res.status_code in (200, 201), (method, path, res.status_code, res.text)
    return res.json()


async def _open(browser: Any, server: LiveServer, user: str, path: str, **size: int) -> Any:
    """A signed-in live page in its own context, marked so a reload or navigation would show."""
    page = await new_page(browser, **size)
    await sign_in(page, server.url, user, DEMO_PASSWORD, path)
    await wait_connected(page)
    await page.evaluate("window.__marker = 'kept'")
    page.navigations = []
    page.first_url = page.url.split("#")[0]
    page.on("framenavigated", lambda frame: page.navigations.append(frame.url) if frame == page.main_frame else None)
    return page


async def _not_reloaded(page: Any) -> None:
    assert await page.evaluate("window.__marker") == "kept", "the page was reloaded"
    # Choosing a tab writes it into the address (#outbox): same document, not a navigation.
    assert [u for u in page.navigations if u.split("#")[0] != page.first_url] == [], page.navigations
    assert await page.locator("#live-state").get_attribute("data-state") == "connected"
    assert page.js_errors == [], page.js_errors


def _shots_dir() -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    return SHOTS


async def _shot(page: Any, name: str) -> None:
    await page.evaluate("document.fonts.ready")
    await page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


async def _no_sideways_scroll(page: Any, what: str) -> None:
    size = await page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert size[0] <= size[1], f"{what}: {size[0]}px wide in a {size[1]}px window"


async def _thumb_sized(page: Any, what: str) -> None:
    small = await page.eval_on_selector_all(
        "main button:not(.link):not(.remove), main input:not([type=checkbox]):not([type=hidden]):not([type=file]), "
        "main select, main label.photo-pick",
        "els => els.filter(e => e.offsetParent !== null && e.getBoundingClientRect().height < 44)"
        ".map(e => e.outerHTML.slice(0, 90))")
    assert small == [], (what, small)


async def _flood_incident(client: httpx.AsyncClient, county: str) -> dict[str, Any]:
    """The county takes the call and verifies it; the river is 0.5 m over the warning level."""
    intake = await _api(client, county, "POST", "/intakes", {
        "source": "phone", "caller": "沙石镇应急办 王建华", "callback": "13907971234", "title": "章江沙石段水位超警戒",
        "category": "natural.flood", "location_unit": COUNTY, "address": "章贡区沙石镇埠上村",
        "facts": {"trapped": 13}})
    incident = await _api(client, county, "POST", f"/intakes/{intake['id']}/verify", {})
    await _api(client, county, "POST", f"/incidents/{incident['id']}/facts", {"facts": {"water_level_over": 0.5}})
    return dict(incident)


async def test_plan_task_signed_for_reported_and_returned_live(live_server: LiveServer, sqlite_url: str) -> None:
    _shots_dir()
    tok = {u: await token_for(sqlite_url, u) for u in (f"commander.{CITY}", f"duty.{COUNTY}")}
    city_tok, county_tok = tok[f"commander.{CITY}"], tok[f"duty.{COUNTY}"]
    async with httpx.AsyncClient(base_url=live_server.url + "/api/v1", timeout=15) as client, chromium() as browser:
        incident = await _flood_incident(client, county_tok)

        county = await _open(browser, live_server, f"duty.{COUNTY}", "/tasks", width=390, height=844)
        await county.context.grant_permissions(["geolocation"], origin=live_server.url)
        await county.context.set_geolocation({"latitude": 25.8512, "longitude": 114.9203, "accuracy": 20})
        city = await _open(browser, live_server, f"commander.{CITY}", "/tasks", width=1366, height=900)
        # Nothing yet: the county's inbox says so.
        await county.locator("#inbox-empty:visible").wait_for()
        assert await county.locator("#tab-inbox").get_attribute("aria-selected") == "true"

        # The city launches the flood plan (GZ-FX) at level IV: its tasks go out, one to Zhanggong.
        suggestions = await _api(client, city_tok, "GET", f"/incidents/{incident['id']}/plan-suggestions")
        plan = next(s for s in suggestions if s["code"] == "GZ-FX")
        await _api(client, city_tok, "POST", f"/incidents/{incident['id']}/activations",
                   {"plan_id": plan["plan_id"], "level": 4, "reason": "章江水位超警戒 0.5 米"})
        listed = await _api(client, city_tok, "GET", f"/tasks?unit={COUNTY}")
        task = next(t for t in listed if t["title"] == COUNTY_TASK)
        assert task["source"] == "plan" and task["from_unit"] == CITY and task["status"] == "dispatched"
        tid = task["id"]

        # The county's phone: the task arrives by itself, first, with its sign-for countdown.
        card = county.locator(f"#inbox-{tid}")
        await card.wait_for()
        assert await county.locator("#inbox > li").first.get_attribute("id") == f"inbox-{tid}"
        assert await card.get_attribute("data-status") == "dispatched"
        text = await card.inner_text()
        assert COUNTY_TASK in text and "待签收" in text and "预案" in text and "赣州市" in text
        due = card.locator(".due")
        shown = (await due.inner_text()).strip()
        assert COUNTDOWN.fullmatch(shown), shown
        await county.wait_for_function("([el, was]) => el.textContent.trim() !== was",
                                       arg=[await due.element_handle(), shown], timeout=3000)
        assert "1 待签收" in await county.locator("#tab-inbox").inner_text()
        sign = card.locator('[data-action="sign"]')
        box = await sign.bounding_box()
        assert box and box["height"] >= 48 and box["width"] >= 300, box  # a thumb, in the rain
        await _no_sideways_scroll(county, "county inbox")
        await _thumb_sized(county, "county inbox")
        await _shot(county, "tasks-county-arrived-zh-phone")

        # The dispatcher's board: the plan's tasks, counted by status; Zhanggong's still unsigned.
        await city.locator("#tab-outbox").click()
        board = city.locator(f"#outbox-{tid}")
        await board.wait_for()
        assert await board.get_attribute("data-status") == "dispatched"
        assert await city.locator('#status-counts .count[data-status="dispatched"] .n').inner_text() == "5"

        # One tap signs for it; the board shows it signed for, live.
        await sign.click()
        await county.locator(f'#inbox-{tid}[data-status="acknowledged"]').wait_for()
        await city.locator(f'#outbox-{tid}[data-status="acknowledged"]').wait_for()
        assert "已签收" in await board.locator(".tag.s-acknowledged").inner_text()
        assert re.search(r"\d{2}:\d{2} 签收", await board.inner_text())

        # Feedback in place: text, progress, figures, a photo from the camera, the location.
        await card.locator('[data-action="feedback"]').click()
        form = card.locator("form.feedback-form")
        await form.wait_for()
        assert await form.locator('input[type="file"]').get_attribute("capture") == "environment"
        assert await form.locator('input[type="file"]').get_attribute("accept") == "image/*"
        await form.locator('textarea[name="text"]').fill("已转移埠上村低洼地带群众 126 人，3 人仍被困，消防正在施救。")
        await form.locator('input[name="progress_n"]').fill("60")
        await form.locator('input[data-fact="evacuated"]').fill("126")
        await form.locator('input[data-fact="trapped"]').fill("3")
        await form.locator('input[type="file"]').set_input_files(
            files=[{"name": "现场.png", "mimeType": "image/png", "buffer": _png()}])
        await form.locator(".previews img").wait_for()
        await form.locator('[data-action="locate"]').click()
        await form.locator(".where", has_text="25.85120").wait_for()
        await _no_sideways_scroll(county, "feedback form")
        await _thumb_sized(county, "feedback form")
        await _shot(county, "tasks-county-feedback-form-zh-phone")
        await form.locator('[data-action="send-progress"]').click()
        await form.wait_for(state="detached")
        await county.locator(f'#inbox-{tid}[data-status="in_progress"]').wait_for()
        await card.locator(".fb-photos img").wait_for()

        # The dispatcher sees the feedback arrive: text, figures waiting for a decision, the photo.
        await city.locator(f'#outbox-{tid}[data-status="in_progress"]').wait_for()
        entry = board.locator('li.fb[data-kind="progress"]')
        await entry.wait_for()
        entry_text = await entry.inner_text()
        assert "126 人" in entry_text and "紧急转移 126人" in entry_text and "数据待采纳" in entry_text, entry_text
        assert "60%" in await board.locator(".task-progress .pct").inner_text()
        photo = entry.locator(".fb-photos img")
        await photo.wait_for()
        await city.wait_for_function("img => img.complete && img.naturalWidth === 4", arg=await photo.element_handle())
        assert "位置" in entry_text and "25.85120" in entry_text
        assert "1 数据待采纳" in await city.locator("#tab-outbox").inner_text()
        await entry.locator('[data-action="accept"]').click()
        await entry.locator(".tag.fs-accepted").wait_for()
        after = await _api(client, city_tok, "GET", f"/incidents/{incident['id']}")
        assert after["facts"]["evacuated"] == 126 and after["facts"]["trapped"] == 3

        # The county reports it done; the board puts it first, awaiting verification.
        await card.locator('[data-action="feedback"]').click()
        await form.locator('textarea[name="text"]').fill("低洼地带群众已全部转移，被困 3 人已获救。")
        await form.locator('[data-action="send-done"]').click()
        await county.locator(f'#inbox-{tid}[data-status="feedback_submitted"]').wait_for()
        assert "等待下达单位核验" in await card.inner_text()
        await city.locator(f'#outbox-{tid}[data-status="feedback_submitted"]').wait_for()
        assert await city.locator("#outbox > li").first.get_attribute("id") == f"outbox-{tid}"
        assert "1 待核验" in await city.locator("#tab-outbox").inner_text()
        await _shot(city, "tasks-city-board-zh-desk")

        # 退回 needs a reason; with one, the task goes back to the county, which sees why at once.
        await board.locator('[data-action="return"]').click()
        reason_form = board.locator("form.return-form")
        await reason_form.locator('[data-action="return-submit"]').click()
        assert await reason_form.is_visible()  # nothing sent without a reason
        assert (await _api(client, city_tok, "GET", f"/tasks/{tid}"))["status"] == "feedback_submitted"
        reason = "请补充被困人员获救后的安置地点和身体状况。"
        await reason_form.locator("textarea").fill(reason)
        await reason_form.locator('[data-action="return-submit"]').click()
        await city.locator(f'#outbox-{tid}[data-status="in_progress"]').wait_for()

        await county.locator(f'#inbox-{tid}[data-status="in_progress"]').wait_for()
        returned = card.locator(".return-box")
        await returned.wait_for()
        assert reason in await returned.inner_text() and "退回原因" in await returned.inner_text()
        assert "已退回 1 次" in await card.locator(".tag.returned").inner_text()
        # Back to where the county's last progress report left it, not the returned "done".
        assert await card.locator(".task-progress .pct").inner_text() == "60%"
        await _shot(county, "tasks-county-returned-zh-phone")
        await _shot(city, "tasks-city-returned-zh-desk")

        # The record, as the API keeps it.
        doc = await _api(client, city_tok, "GET", f"/tasks/{tid}")
        assert doc["status"] == "in_progress" and doc["returns"] == 1
        assert [f["kind"] for f in doc["feedback"]] == ["progress", "complete", "return"]
        progress = doc["feedback"][0]
        assert progress["progress"] == 60 and progress["facts"] == {"evacuated": 126, "trapped": 3}
        assert progress["facts_status"] == "accepted"
        assert progress["lat"] == pytest.approx(25.8512) and progress["lon"] == pytest.approx(114.9203)
        assert [a["content_type"] for a in progress["attachments"]] == ["image/png"]
        assert doc["feedback"][2]["text"] == reason
        await _not_reloaded(county)
        await _not_reloaded(city)
        await county.context.close()
        await city.context.close()

        # English, complete: the same screens in English (what people typed stays as written).
        for user, width, height, name in ((f"duty.{COUNTY}", 390, 844, "tasks-county-en-phone"),
                                          (f"commander.{CITY}", 1366, 900, "tasks-city-en-desk")):
            page = await new_page(browser, width=width, height=height, lang="en-GB")
            await page.goto(live_server.url + "/login")
            await page.locator("a.lang").click()
            await page.locator("#username").press_sequentially(user)
            await page.locator("#password").press_sequentially(DEMO_PASSWORD)
            await page.locator("#password").press("Enter")
            await page.wait_for_url(live_server.url + "/")
            await page.goto(live_server.url + ("/tasks#outbox" if user.startswith("commander") else "/tasks"))
            await wait_connected(page)
            await page.locator(f"li.task[data-id='{tid}']").first.wait_for()
            await page.locator(f"li.task[data-id='{tid}'] .more").first.click()  # the full history too
            await page.locator(f"li.task[data-id='{tid}'] li.fb").nth(2).wait_for()
            if width < 500:  # the county's form too: labels, figures, buttons
                await page.locator(f"#inbox-{tid} [data-action='feedback']").click()
                await page.locator(f"#inbox-{tid} form.feedback-form").wait_for()
            await _shot(page, name)
            await _no_sideways_scroll(page, name)
            for selector in CHROME:
                texts = await page.eval_on_selector_all(selector, "els => els.filter(e => e.offsetParent !== null)"
                                                                  ".map(e => e.dataset.i18nData ? '' : e.innerText)")
                for text in texts:
                    assert not CJK.search(text), f"{name}: untranslated {selector}: {text!r}"
            assert page.js_errors == [], page.js_errors
            await page.context.close()


TEAM = "360702-T01"       # 章贡区综合应急救援大队
TEAM_NAME = "章贡区综合应急救援大队"
TEAM2 = "360702-T02"      # 章贡区森林防火专业队
SHANGHAI = ZoneInfo("Asia/Shanghai")


def _wall(d: datetime) -> str:
    """What a person types into a datetime-local input: the unit's wall clock."""
    return d.astimezone(SHANGHAI).strftime("%Y-%m-%dT%H:%M")


async def _fall_due(sqlite_url: str, task_id: str, kind: str, **task_clock: datetime) -> None:
    """Time passes: the task's own clock and its `kind` timer fall due; the live server's runner fires it."""
    db = Database(sqlite_url)
    try:
        async with db.write() as uow:
            if task_clock:
                await uow.session.execute(update(Task).where(Task.id == task_id).values(**task_clock))
            await uow.session.execute(update(Timer).where(Timer.kind == kind, Timer.ref == task_id)
                                      .values(due_at=utcnow() - timedelta(seconds=2)))
    finally:
        await db.dispose()


async def _stats_row(page: Any, unit: str) -> dict[str, str]:
    return dict(await page.eval_on_selector_all(
        f"#stats tr[data-unit='{unit}'] td", "tds => tds.map(td => [td.dataset.k, td.innerText.trim()])"))


async def test_redispatch_escalation_and_stats_live(live_server: LiveServer, sqlite_url: str) -> None:
    _shots_dir()
    tok = {u: await token_for(sqlite_url, u) for u in (f"commander.{CITY}", f"duty.{COUNTY}")}
    city_tok, county_tok = tok[f"commander.{CITY}"], tok[f"duty.{COUNTY}"]
    async with httpx.AsyncClient(base_url=live_server.url + "/api/v1", timeout=15) as client, chromium() as browser:
        county = await _open(browser, live_server, f"duty.{COUNTY}", "/tasks", width=390, height=844)
        city = await _open(browser, live_server, f"commander.{CITY}", "/tasks", width=1366, height=900)
        await city.locator("#tab-outbox").click()

        # The city sends Zhanggong two tasks: one with a deadline, one nobody will sign for.
        due = (utcnow() + timedelta(hours=3)).replace(second=0, microsecond=0)
        whole = await _api(client, city_tok, "POST", "/tasks", {
            "unit": COUNTY, "title": "组织沙石镇低洼地带群众转移", "priority": "urgent", "ack_minutes": 30,
            "instructions": "逐户核查，重点关注独居老人，每小时反馈一次。", "due_at": due.isoformat()})
        unsigned = await _api(client, city_tok, "POST", "/tasks", {
            "unit": COUNTY, "title": "上报辖区水库巡查情况", "priority": "high", "ack_minutes": 30})
        pid, uid = whole["id"], unsigned["id"]
        card = county.locator(f"#inbox-{pid}")
        await card.wait_for()

        # 转派 from the phone: the form in place, my own units and teams only, a deadline no later than the task's.
        button = card.locator('[data-action="redispatch"]')
        box = await button.bounding_box()
        assert box and box["height"] >= 44 and box["width"] >= 300, box
        await button.click()
        form = card.locator("form.redispatch-form")
        await form.wait_for()
        offered = await form.locator('select[name="unit"] option').evaluate_all("os => os.map(o => o.value)")
        assert offered == ["", TEAM, TEAM2], offered
        assert await form.locator('input[name="title"]').input_value() == whole["title"]
        await form.locator('select[name="unit"]').select_option(TEAM)
        await form.locator('textarea[name="instructions"]').fill("负责沙石镇埠上村片区，逐户核查转移到位情况。")
        await form.locator('select[name="ack_minutes"]').select_option("15")
        await form.locator('input[name="due_at"]').fill(_wall(due + timedelta(hours=1)))
        await form.locator('[data-action="redispatch-submit"]').click()
        await form.locator(".form-status", has_text="不能晚于原任务").wait_for()  # nothing sent
        assert (await _api(client, county_tok, "GET", f"/tasks/{pid}"))["children"] == []
        await form.locator('input[name="due_at"]').fill(_wall(due - timedelta(hours=1)))
        await _no_sideways_scroll(county, "redispatch form")
        await _thumb_sized(county, "redispatch form")
        await _shot(county, "tasks2-county-redispatch-form-zh-phone")
        await form.locator('[data-action="redispatch-submit"]').click()
        await form.wait_for(state="detached")

        # The child under the parent, at once; the parent signed for by handing it on.
        child_row = card.locator("li.child")
        await child_row.wait_for()
        doc = await _api(client, county_tok, "GET", f"/tasks/{pid}")
        [child] = doc["children"]
        cid = child["id"]
        assert child["unit"] == TEAM and child["from_unit"] == COUNTY and child["parent_id"] == pid
        assert child["source"] == "redispatch" and child["due_at"] is not None
        assert datetime.fromisoformat(child["due_at"]) == due - timedelta(hours=1)
        assert doc["status"] == "acknowledged"
        assert await child_row.get_attribute("data-id") == cid
        row_text = await child_row.inner_text()
        assert TEAM_NAME in row_text and "待签收" in row_text and "0%" in row_text, row_text
        await county.locator(f'#inbox-{pid}[data-status="acknowledged"]').wait_for()
        # ... in the county's dispatched tab, as any task it dispatched ...
        assert await county.locator(f"#outbox-{cid}").count() == 1
        # ... and on the city's board, under the task it sent.
        await city.locator(f"#outbox-{pid} li.child[data-id='{cid}']").wait_for()
        assert TEAM_NAME in await city.locator(f"#outbox-{pid} li.child").inner_text()
        await _shot(county, "tasks2-county-children-zh-phone")

        # The team reports half done (the county records it): the parent's progress follows, both sides.
        await _api(client, county_tok, "POST", f"/tasks/{cid}/feedback",
                   {"text": "埠上村已核查 42 户，转移 86 人。", "progress": 50})
        await city.locator(f"#outbox-{pid} .task-side .task-progress .pct", has_text="50%").wait_for()
        await city.locator(f"#outbox-{pid} li.child .pct", has_text="50%").wait_for()
        await card.locator(".task-side .task-progress .pct", has_text="50%").wait_for()
        assert "按转派任务汇总" in await city.locator(f"#outbox-{pid}").inner_text()

        # The county's dispatched tab: the child, with the task it came from; verified there.
        await _api(client, county_tok, "POST", f"/tasks/{cid}/complete", {"text": "埠上村片区群众已全部转移。"})
        await county.locator(f'#inbox-{pid} li.child[data-status="feedback_submitted"]').wait_for()
        await county.locator(f"#inbox-{pid} li.child [data-action='show-child']").click()
        assert await county.locator("#tab-outbox").get_attribute("aria-selected") == "true"
        out_card = county.locator(f"#outbox-{cid}")
        await out_card.wait_for()
        out_text = await out_card.inner_text()
        assert "原任务" in out_text and whole["title"] in out_text and "转派" in out_text, out_text
        assert await out_card.get_attribute("data-status") == "feedback_submitted"
        await _no_sideways_scroll(county, "county outbox")
        await _thumb_sized(county, "county outbox")
        await _shot(county, "tasks2-county-outbox-zh-phone")
        await out_card.locator('[data-action="verify"]').click()
        await county.locator(f'#outbox-{cid}[data-status="done"]').wait_for(state="attached")  # among the closed
        await city.locator(f"#outbox-{pid} li.child[data-status='done']").wait_for()
        await city.locator(f"#outbox-{pid} .task-side .task-progress .pct", has_text="100%").wait_for()
        assert "1/1 已完成" in await city.locator(f"#outbox-{pid} .children-head").inner_text()

        # Nobody signs for the other task: its window passes, the ACK timer fires, the ladder's first
        # rung shows on the city's board (and the county's phone) by itself, and it sorts with the late ones.
        await _fall_due(sqlite_url, uid, ACK_TIMER, ack_due_at=utcnow() - timedelta(minutes=1))
        rung = city.locator(f'#outbox-{uid} .rung[data-step="assignee_leader"]')
        await rung.wait_for()
        ladder = (await _api(client, city_tok, "GET", f"/tasks/{uid}"))["escalations"]
        assert [r["step"] for r in ladder] == ["assignee_leader"]
        first = ladder[0]
        assert first["to_unit"] == COUNTY and first["to_post"] == "leader", first
        text = await rung.inner_text()
        assert text.startswith("已报 章贡区 带班领导"), text
        if first["to_name"]:
            assert first["to_name"] in text and (first["to_phone"] or "") in text, text
        assert re.search(r"· \d{2}:\d{2}$", text), text
        assert "live" in (await rung.get_attribute("class") or "")
        assert await city.locator("#outbox > li").first.get_attribute("id") == f"outbox-{uid}"
        await county.locator(f'#inbox-{uid} .rung[data-step="assignee_leader"]').wait_for(state="attached")
        # Still nobody: the next rung goes to the city's own duty chief.
        await _fall_due(sqlite_url, uid, ESCALATE_TIMER)
        chief = city.locator(f'#outbox-{uid} .rung[data-step="dispatcher_chief"]')
        await chief.wait_for()
        assert (await chief.inner_text()).startswith("已报 赣州市 值班长"), await chief.inner_text()
        await _shot(city, "tasks2-city-escalated-zh-desk")
        await county.locator(f'#inbox-{uid} .rung[data-step="dispatcher_chief"]').wait_for(state="attached")
        await county.locator("#tab-inbox").click()
        await county.evaluate("window.scrollTo(0, 0)")
        await _shot(county, "tasks2-county-escalated-zh-phone")

        # 统计: per unit, today, the counts of what this test did; live as tasks move.
        await city.locator("#tab-stats").click()
        await city.locator(f"#stats tr[data-unit='{COUNTY}']").wait_for()
        expected = {COUNTY: {"dispatched": "2", "acknowledged": "1", "done": "0", "returns": "0", "open": "2",
                             "overdue": "0", "ack_late": "1"},
                    TEAM: {"dispatched": "1", "acknowledged": "1", "done": "1", "returns": "0", "open": "0",
                           "overdue": "0", "ack_late": "0"}}
        for unit, want in expected.items():
            got = await _stats_row(city, unit)
            assert {k: got[k] for k in want} == want, (unit, got)
        assert (await _stats_row(city, TEAM))["minutes_to_complete"] != "—"
        assert (await _stats_row(city, COUNTY))["minutes_to_complete"] == "—"
        assert await city.locator("#stats tbody tr").count() == 2
        assert (await _stats_row(city, "total"))["dispatched"] == "3"
        assert "章贡区" in await city.locator(f"#stats tr[data-unit='{COUNTY}'] th").inner_text()
        api_rows = {r["unit"]: r for r in await _api(client, city_tok, "GET", "/tasks/stats")}
        assert api_rows[COUNTY]["ack_late"] == 1 and api_rows[TEAM]["done"] == 1
        # A new task to the forest fire team: its row appears by itself.
        await _api(client, city_tok, "POST", "/tasks", {"unit": TEAM2, "title": "巡查峰山林区火险隐患"})
        await city.locator(f"#stats tr[data-unit='{TEAM2}'] td[data-k='dispatched']", has_text="1").wait_for()
        await city.locator("#stats tfoot td[data-k='dispatched']", has_text="4").wait_for()
        for period in ("7d", "30d", "today"):
            await city.locator(f".period-btn[data-period='{period}']").click()
            await city.locator(f"#stats[data-period='{period}']").wait_for()
            assert (await _stats_row(city, COUNTY))["dispatched"] == "2"
        await _shot(city, "tasks2-city-stats-zh-desk")
        # The county's phone: the same figures, one unit a card, nothing sideways.
        await county.locator("#tab-stats").click()
        await county.locator(f"#stats tr[data-unit='{TEAM2}']").wait_for()
        assert (await _stats_row(county, COUNTY))["ack_late"] == "1"
        await _no_sideways_scroll(county, "county stats")
        await _thumb_sized(county, "county stats")
        await _shot(county, "tasks2-county-stats-zh-phone")
        await _not_reloaded(county)
        await _not_reloaded(city)
        await county.context.close()
        await city.context.close()

        # English: the same screens, every interface word translated.
        for user, width, height, tab, name in (
                (f"duty.{COUNTY}", 390, 844, "inbox", "tasks2-county-en-phone"),
                (f"commander.{CITY}", 1366, 900, "outbox", "tasks2-city-en-desk"),
                (f"duty.{COUNTY}", 390, 844, "stats", "tasks2-county-stats-en-phone"),
                (f"commander.{CITY}", 1366, 900, "stats", "tasks2-city-stats-en-desk")):
            page = await new_page(browser, width=width, height=height, lang="en-GB")
            await page.goto(live_server.url + "/login")
            await page.locator("a.lang").click()
            await page.locator("#username").press_sequentially(user)
            await page.locator("#password").press_sequentially(DEMO_PASSWORD)
            await page.locator("#password").press("Enter")
            await page.wait_for_url(live_server.url + "/")
            await page.goto(f"{live_server.url}/tasks#{tab}")
            await wait_connected(page)
            if tab == "stats":
                await page.locator(f"#stats tr[data-unit='{COUNTY}']").wait_for()
                assert (await _stats_row(page, COUNTY))["ack_late"] == "1"
            else:
                await page.locator(f"#{tab}-{uid} .rung[data-step='dispatcher_chief']").wait_for()
                rung_text = await page.locator(f"#{tab}-{uid} .rung[data-step='assignee_leader']").inner_text()
                assert rung_text.startswith("Escalated to Zhanggong District duty leader"), rung_text
                await page.locator(f"#{tab}-{pid} li.child").wait_for()
                if tab == "inbox":
                    await page.locator(f"#inbox-{pid} [data-action='redispatch']").click()
                    await page.locator(f"#inbox-{pid} form.redispatch-form").wait_for()
            await _shot(page, name)
            await _no_sideways_scroll(page, name)
            for selector in [*CHROME, "th", "td", ".rung-verb", ".rung-post", ".children-head", ".stats-range",
                             ".period-btn", ".due-hint", ".form-title", ".rolled-up", ".task-form option"]:
                texts = await page.eval_on_selector_all(selector, "els => els.filter(e => e.offsetParent !== null)"
                                                                  ".map(e => e.dataset.i18nData ? '' : e.innerText)")
                for text in texts:
                    assert not CJK.search(text), f"{name}: untranslated {selector}: {text!r}"
            assert page.js_errors == [], page.js_errors
            await page.context.close()


COUNTIES3 = ("360702", "360703", "360704")  # 章贡区, 南康区, 赣县区
MANUAL_TASK = "排查城区易涝点并设置警示"


async def test_manual_dispatch_to_three_counties_live(live_server: LiveServer, sqlite_url: str) -> None:
    """下达任务 by hand: the city picks three counties, one task each; each county's phone sees its own
    arrive, one signs for it and the city's board shows that, all live. From an incident, the form
    opens by itself with the incident chosen."""
    _shots_dir()
    city_tok = await token_for(sqlite_url, f"commander.{CITY}")
    county_tok = await token_for(sqlite_url, f"duty.{COUNTY}")
    async with httpx.AsyncClient(base_url=live_server.url + "/api/v1", timeout=15) as client, chromium() as browser:
        incident = await _flood_incident(client, county_tok)
        phones = {
            "360702": await _open(browser, live_server, "duty.360702", "/tasks", width=390, height=844),
            "360703": await _open(browser, live_server, "duty.360703", "/duty", width=390, height=844),
            "360704": await _open(browser, live_server, "duty.360704", "/tasks", width=390, height=844),
        }
        city = await _open(browser, live_server, f"commander.{CITY}", "/tasks", width=1366, height=900)
        await city.locator("#tab-outbox").click()

        # Collapsed behind one button; opened, nothing is chosen yet.
        assert await city.locator("#dispatch-form").is_hidden()
        await city.locator("#dispatch-toggle").click()
        form = city.locator("#dispatch-form")
        await form.wait_for()
        assert await city.locator("#unit-picked").inner_text() == "尚未选择承办单位"
        # The units under the city: its counties, departments and teams; never the city itself.
        assert await city.locator(f"#unit-groups input[value='{CITY}']").count() == 0
        assert await city.locator("#unit-groups input[value='360700-SLJ']").count() == 1
        assert await city.locator("#unit-groups input[value='360702-T01']").count() == 1
        # Three counties: two by ticking, one found with the filter.
        await city.locator("#unit-groups input[value='360702']").check()
        await city.locator("#unit-groups input[value='360704']").check()
        await city.locator("#unit-filter").fill("南康")
        shown = await city.locator("#unit-groups label.unit-chip:visible").all_inner_texts()
        assert shown and all("南康" in x for x in shown), shown  # 南康区 and its teams
        await city.locator("#unit-groups input[value='360703']").check()
        await city.locator("#unit-filter").fill("")
        assert await city.locator("#d-submit").inner_text() == "下达给 3 个单位"
        assert "章贡区" in await city.locator("#unit-picked").inner_text()
        due = (datetime.now(SHANGHAI) + timedelta(hours=3)).replace(second=0, microsecond=0)
        await city.locator("#d-title").fill(MANUAL_TASK)
        await city.locator("#d-instr").fill("对辖区城区易涝点逐一排查，设置警示标志，安排专人值守，2 小时内反馈。")
        await city.locator(".prio-option.p-urgent").click()
        await city.locator("#d-ack").fill("20")
        # A typo says how to write it; the deadline is the unit's wall clock, 24-hour.
        await city.locator("#d-due").fill("明天下午")
        await city.locator("#d-submit").click()
        assert "24 小时制" in await city.locator("#d-status").inner_text()
        assert await city.locator("#d-due").evaluate("e => e === document.activeElement")
        await city.locator(".due-quick button[data-hours='2']").click()
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", await city.locator("#d-due").input_value())
        await city.locator("#d-due").fill(_wall(due).replace("T", " "))
        await city.locator("#d-files").set_input_files(
            [{"name": "易涝点清单.png", "mimeType": "image/png", "buffer": _png()}])
        await city.locator("#d-file-list li", has_text="易涝点清单.png").wait_for()
        await _shot(city, "tasks3-city-form-zh-desk")
        await city.locator("#d-submit").click()

        # One result per unit; the form is empty again, the three units still chosen.
        await city.locator("#d-results li.ok").nth(2).wait_for()
        assert await city.locator("#d-results li.failed").count() == 0
        assert await city.locator("#d-title").input_value() == ""
        assert await city.locator("#d-file-list li").count() == 0
        assert await city.locator("#unit-groups input:checked").count() == 3
        assert await city.locator("input[name=priority]:checked").get_attribute("value") == "high"
        await city.locator("#outbox li.task", has_text=MANUAL_TASK).nth(2).wait_for()
        await _shot(city, "tasks3-city-sent-zh-desk")

        # The API: one task per county, the same title, urgent, due when the person said.
        tasks = [t for t in await _api(client, city_tok, "GET", "/tasks") if t["title"] == MANUAL_TASK]
        assert sorted(t["unit"] for t in tasks) == sorted(COUNTIES3), tasks
        want_due = due.astimezone(ZoneInfo("UTC"))
        upload_ids: set[str] = set()
        for t in tasks:
            assert datetime.fromisoformat(t["due_at"].replace("Z", "+00:00")) == want_due, t["due_at"]
            assert t["priority"] == "urgent" and t["status"] == "dispatched" and t["incident_id"] is None
            assert t["from_unit"] == CITY
            full = await _api(client, city_tok, "GET", f"/tasks/{t['id']}")
            assert full["instructions"].startswith("对辖区城区易涝点")
            assert [a["filename"] for a in full["attachments"]] == ["易涝点清单.png"]
            upload_ids.add(full["attachments"][0]["id"])
            ack_window = (datetime.fromisoformat(t["ack_due_at"].replace("Z", "+00:00"))
                          - datetime.fromisoformat(t["dispatched_at"].replace("Z", "+00:00")))
            assert timedelta(minutes=19) < ack_window <= timedelta(minutes=20, seconds=1)
        # Each upload belongs to one task: every county has its own copy.
        assert len(upload_ids) == 3
        by_unit = {t["unit"]: t for t in tasks}

        # Each phone sees its own task, without a reload, and nobody else's.
        for code in ("360702", "360704"):
            phone = phones[code]
            card = phone.locator(f"#inbox-{by_unit[code]['id']}")
            await card.wait_for()
            assert await phone.locator("#inbox li.task", has_text=MANUAL_TASK).count() == 1
            assert "特急" in await card.locator(".task-tags").inner_text()
        await phones["360703"].locator("main", has_text=MANUAL_TASK).wait_for()
        await phones["360703"].locator("[data-action='sign-task']").first.wait_for()
        await _shot(phones["360703"], "tasks3-county-duty-zh-phone")
        await _shot(phones["360702"], "tasks3-county-inbox-zh-phone")

        # 赣县区 signs for it with one tap; the city's board shows it signed for, live.
        sid = by_unit["360704"]["id"]
        await phones["360704"].locator(f"#inbox-{sid} [data-action='sign']").click()
        await phones["360704"].locator(f"#inbox-{sid}[data-status='acknowledged']").wait_for()
        await city.locator(f"#outbox-{sid}[data-status='acknowledged']").wait_for()
        assert "赣县区" in await city.locator(f"#outbox-{sid} .assignee").inner_text()
        for code in ("360702", "360703"):
            await city.locator(f"#outbox-{by_unit[code]['id']}[data-status='dispatched']").wait_for()
        await _shot(city, "tasks3-city-signed-zh-desk")
        for code, phone in phones.items():
            await _no_sideways_scroll(phone, f"duty.{code}")
            await _not_reloaded(phone)
        await _not_reloaded(city)

        # From the incident: 下达任务 opens the form with the incident chosen.
        desk = await _open(browser, live_server, f"commander.{CITY}", f"/incidents/{incident['id']}",
                           width=1366, height=900)
        link = desk.locator("#dispatch-link")
        assert await link.get_attribute("href") == f"/tasks?incident={incident['id']}#outbox"
        await link.click()
        await desk.wait_for_url(f"**/tasks?incident={incident['id']}#outbox")
        await desk.locator("#dispatch-form").wait_for()
        await desk.locator(f"#d-incident option[value='{incident['id']}']").wait_for(state="attached")
        assert await desk.locator("#d-incident").input_value() == incident["id"]
        assert await desk.locator("#tab-outbox").get_attribute("aria-selected") == "true"
        assert await desk.locator("#dispatch-toggle").is_hidden()
        # The same on a phone, without the #outbox: the board and the open form, thumb-sized, nothing sideways.
        phone_desk = await _open(browser, live_server, f"commander.{CITY}", f"/tasks?incident={incident['id']}",
                                 width=390, height=844)
        await phone_desk.locator(f"#d-incident option[value='{incident['id']}']").wait_for(state="attached")
        assert await phone_desk.locator("#d-incident").input_value() == incident["id"]
        assert await phone_desk.locator("#tab-outbox").get_attribute("aria-selected") == "true"
        await phone_desk.locator("#unit-groups input[value='360702']").check()
        await phone_desk.locator("#d-title").fill("核查沙石镇低洼村庄转移情况")
        await phone_desk.locator("#d-title").blur()
        await phone_desk.evaluate("window.scrollTo(0, 0)")
        await _no_sideways_scroll(phone_desk, "dispatch form on a phone")
        await _thumb_sized(phone_desk, "dispatch form on a phone")
        await _shot(phone_desk, "tasks3-city-form-zh-phone")
        await phone_desk.locator("#d-submit").click()
        await phone_desk.locator("#d-results li.ok").wait_for()
        # Sent for the incident: it stays chosen for the next task.
        assert await phone_desk.locator("#d-incident").input_value() == incident["id"]
        mine = [t for t in await _api(client, city_tok, "GET", "/tasks") if t["title"] == "核查沙石镇低洼村庄转移情况"]
        assert [(t["unit"], t["incident_id"], t["due_at"]) for t in mine] == [("360702", incident["id"], None)]
        await phones["360702"].locator(f"#inbox-{mine[0]['id']}").wait_for()
        await _not_reloaded(phone_desk)
        assert desk.js_errors == [], desk.js_errors

        # English: the form says everything in English (unit names in their English names).
        page = await new_page(browser, width=390, height=844, lang="en-GB")
        await page.goto(live_server.url + "/login")
        await page.locator("a.lang").click()
        await page.locator("#username").press_sequentially(f"commander.{CITY}")
        await page.locator("#password").press_sequentially(DEMO_PASSWORD)
        await page.locator("#password").press("Enter")
        await page.wait_for_url(live_server.url + "/")
        await page.goto(f"{live_server.url}/tasks?incident={incident['id']}")
        await wait_connected(page)
        await page.locator(f"#d-incident option[value='{incident['id']}']").wait_for(state="attached")
        await page.locator("#unit-groups input[value='360703']").check()
        assert await page.locator("#d-submit").inner_text() == "Dispatch to Nankang District"
        await page.locator("#d-submit").click()
        assert await page.locator("#d-status").inner_text() == "Give the task a name"
        await page.evaluate("window.scrollTo(0, 0)")
        await _shot(page, "tasks3-city-form-en-phone")
        await _no_sideways_scroll(page, "dispatch form in English")
        for selector in [*CHROME, ".unit-group-name", ".unit-picked", ".form-title", ".task-form option", "#d-status"]:
            # What people typed (an incident's title) stays as written, also inside a label.
            texts = await page.eval_on_selector_all(selector, """els => els.filter(e => e.offsetParent !== null)
                .map(e => { if (e.dataset.i18nData) return '';
                            const c = e.cloneNode(true);
                            c.querySelectorAll('[data-i18n-data]').forEach(x => x.remove());
                            return c.textContent; })""")
            for text in texts:
                assert not CJK.search(text), f"dispatch form: untranslated {selector}: {text!r}"
        for attr in ("placeholder",):
            texts = await page.eval_on_selector_all(f"#dispatch-form [{attr}]", f"els => els.map(e => e.{attr})")
            assert not any(CJK.search(t) for t in texts), texts
        assert page.js_errors == [], page.js_errors
