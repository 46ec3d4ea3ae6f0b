"""The county hands a city task on (转派) to its rescue team from the phone; the child shows under the
task it came from, on both sides, and in the county's dispatched tab, where it is verified and the
parent's progress rolls up; a task nobody signs for climbs the escalation ladder on screen; the 统计
tab counts it all, live. No reload on either side. Screenshots go to /tmp/shots/."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import update

from command.tasks.models import Task
from command.tasks.service import ACK_TIMER, ESCALATE_TIMER
from core.db import Database
from core.demo import DEMO_PASSWORD
from core.orm import utcnow
from core.timers.models import Timer
from tests.e2e.browser import chromium, new_page, wait_connected
from tests.e2e.live_pages import api_call, no_sideways_scroll, not_reloaded, open_live, shot, shots_dir, thumb_sized
from tests.support import LiveServer, token_for

pytestmark = pytest.mark.browser

from tests.e2e.test_tasks_terminal import CHROME, CITY, CJK, COUNTY, _wall  # noqa: E402

TEAM = "360702-T01"       # 章贡区综合应急救援大队
TEAM_NAME = "章贡区综合应急救援大队"
TEAM2 = "360702-T02"      # 章贡区森林防火专业队




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
    shots_dir()
    tok = {u: await token_for(sqlite_url, u) for u in (f"commander.{CITY}", f"duty.{COUNTY}")}
    city_tok, county_tok = tok[f"commander.{CITY}"], tok[f"duty.{COUNTY}"]
    async with httpx.AsyncClient(base_url=live_server.url + "/api/v1", timeout=15) as client, chromium() as browser:
        county = await open_live(browser, live_server, f"duty.{COUNTY}", "/tasks", width=390, height=844)
        city = await open_live(browser, live_server, f"commander.{CITY}", "/tasks", width=1366, height=900)
        await city.locator("#tab-outbox").click()

        # The city sends Zhanggong two tasks: one with a deadline, one nobody will sign for.
        due = (utcnow() + timedelta(hours=3)).replace(second=0, microsecond=0)
        whole = await api_call(client, city_tok, "POST", "/tasks", {
            "unit": COUNTY, "title": "组织沙石镇低洼地带群众转移", "priority": "urgent", "ack_minutes": 30,
            "instructions": "逐户核查，重点关注独居老人，每小时反馈一次。", "due_at": due.isoformat()})
        unsigned = await api_call(client, city_tok, "POST", "/tasks", {
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
        assert (await api_call(client, county_tok, "GET", f"/tasks/{pid}"))["children"] == []
        await form.locator('input[name="due_at"]').fill(_wall(due - timedelta(hours=1)))
        await no_sideways_scroll(county, "redispatch form")
        await thumb_sized(county, "redispatch form")
        await shot(county, "tasks2-county-redispatch-form-zh-phone")
        await form.locator('[data-action="redispatch-submit"]').click()
        await form.wait_for(state="detached")

        # The child under the parent, at once; the parent signed for by handing it on.
        child_row = card.locator("li.child")
        await child_row.wait_for()
        doc = await api_call(client, county_tok, "GET", f"/tasks/{pid}")
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
        await shot(county, "tasks2-county-children-zh-phone")

        # The team reports half done (the county records it): the parent's progress follows, both sides.
        await api_call(client, county_tok, "POST", f"/tasks/{cid}/feedback",
                   {"text": "埠上村已核查 42 户，转移 86 人。", "progress": 50})
        await city.locator(f"#outbox-{pid} .task-side .task-progress .pct", has_text="50%").wait_for()
        await city.locator(f"#outbox-{pid} li.child .pct", has_text="50%").wait_for()
        await card.locator(".task-side .task-progress .pct", has_text="50%").wait_for()
        assert "按转派任务汇总" in await city.locator(f"#outbox-{pid}").inner_text()

        # The county's dispatched tab: the child, with the task it came from; verified there.
        await api_call(client, county_tok, "POST", f"/tasks/{cid}/complete", {"text": "埠上村片区群众已全部转移。"})
        await county.locator(f'#inbox-{pid} li.child[data-status="feedback_submitted"]').wait_for()
        await county.locator(f"#inbox-{pid} li.child [data-action='show-child']").click()
        assert await county.locator("#tab-outbox").get_attribute("aria-selected") == "true"
        out_card = county.locator(f"#outbox-{cid}")
        await out_card.wait_for()
        out_text = await out_card.inner_text()
        assert "原任务" in out_text and whole["title"] in out_text and "转派" in out_text, out_text
        assert await out_card.get_attribute("data-status") == "feedback_submitted"
        await no_sideways_scroll(county, "county outbox")
        await thumb_sized(county, "county outbox")
        await shot(county, "tasks2-county-outbox-zh-phone")
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
        ladder = (await api_call(client, city_tok, "GET", f"/tasks/{uid}"))["escalations"]
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
        await shot(city, "tasks2-city-escalated-zh-desk")
        await county.locator(f'#inbox-{uid} .rung[data-step="dispatcher_chief"]').wait_for(state="attached")
        await county.locator("#tab-inbox").click()
        await county.evaluate("window.scrollTo(0, 0)")
        await shot(county, "tasks2-county-escalated-zh-phone")

        # 统计: per unit, today, the counts of what this test did; live as tasks move. The task not signed
        # for in its window is overdue here as on the board and the ladder (one rule: tasks.models.is_overdue).
        await city.locator("#tab-stats").click()
        await city.locator(f"#stats tr[data-unit='{COUNTY}']").wait_for()
        expected = {COUNTY: {"dispatched": "2", "acknowledged": "1", "done": "0", "returns": "0", "open": "2",
                             "overdue": "1", "ack_late": "1"},
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
        api_rows = {r["unit"]: r for r in await api_call(client, city_tok, "GET", "/tasks/stats")}
        assert api_rows[COUNTY]["ack_late"] == 1 and api_rows[TEAM]["done"] == 1
        # A new task to the forest fire team: its row appears by itself.
        await api_call(client, city_tok, "POST", "/tasks", {"unit": TEAM2, "title": "巡查峰山林区火险隐患"})
        await city.locator(f"#stats tr[data-unit='{TEAM2}'] td[data-k='dispatched']", has_text="1").wait_for()
        await city.locator("#stats tfoot td[data-k='dispatched']", has_text="4").wait_for()
        for period in ("7d", "30d", "today"):
            await city.locator(f".period-btn[data-period='{period}']").click()
            await city.locator(f"#stats[data-period='{period}']").wait_for()
            assert (await _stats_row(city, COUNTY))["dispatched"] == "2"
        await shot(city, "tasks2-city-stats-zh-desk")
        # The county's phone: the same figures, one unit a card, nothing sideways.
        await county.locator("#tab-stats").click()
        await county.locator(f"#stats tr[data-unit='{TEAM2}']").wait_for()
        assert (await _stats_row(county, COUNTY))["ack_late"] == "1"
        await no_sideways_scroll(county, "county stats")
        await thumb_sized(county, "county stats")
        await shot(county, "tasks2-county-stats-zh-phone")
        await not_reloaded(county)
        await not_reloaded(city)
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
            await shot(page, name)
            await no_sideways_scroll(page, name)
            for selector in [*CHROME, "th", "td", ".rung-verb", ".rung-post", ".children-head", ".stats-range",
                             ".period-btn", ".due-hint", ".form-title", ".rolled-up", ".task-form option"]:
                texts = await page.eval_on_selector_all(selector, "els => els.filter(e => e.offsetParent !== null)"
                                                                  ".map(e => e.dataset.i18nData ? '' : e.innerText)")
                for text in texts:
                    assert not CJK.search(text), f"{name}: untranslated {selector}: {text!r}"
            assert page.js_errors == [], page.js_errors
            await page.context.close()


