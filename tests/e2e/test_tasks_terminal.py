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
import zlib
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from core.demo import DEMO_PASSWORD
from tests.e2e.browser import chromium, new_page, wait_connected
from tests.e2e.live_pages import api_call, no_sideways_scroll, not_reloaded, open_live, shot, shots_dir, thumb_sized
from tests.support import LiveServer, token_for

LANDED = re.compile(r"^http://[^/]+/(duty|incidents|tasks|hall)?$")  # sign-in lands where the role starts

pytestmark = pytest.mark.browser

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


async def _flood_incident(client: httpx.AsyncClient, county: str) -> dict[str, Any]:
    """The county takes the call and verifies it; the river is 0.5 m over the warning level."""
    intake = await api_call(client, county, "POST", "/intakes", {
        "source": "phone", "caller": "沙石镇应急办 王建华", "callback": "13907971234", "title": "章江沙石段水位超警戒",
        "category": "natural.flood", "location_unit": COUNTY, "address": "章贡区沙石镇埠上村",
        "facts": {"trapped": 13}})
    incident = await api_call(client, county, "POST", f"/intakes/{intake['id']}/verify", {})
    await api_call(client, county, "POST", f"/incidents/{incident['id']}/facts", {"facts": {"water_level_over": 0.5}})
    return dict(incident)


async def test_plan_task_signed_for_reported_and_returned_live(live_server: LiveServer, sqlite_url: str) -> None:
    shots_dir()
    tok = {u: await token_for(sqlite_url, u) for u in (f"commander.{CITY}", f"duty.{COUNTY}")}
    city_tok, county_tok = tok[f"commander.{CITY}"], tok[f"duty.{COUNTY}"]
    async with httpx.AsyncClient(base_url=live_server.url + "/api/v1", timeout=15) as client, chromium() as browser:
        incident = await _flood_incident(client, county_tok)

        county = await open_live(browser, live_server, f"duty.{COUNTY}", "/tasks", width=390, height=844)
        await county.context.grant_permissions(["geolocation"], origin=live_server.url)
        await county.context.set_geolocation({"latitude": 25.8512, "longitude": 114.9203, "accuracy": 20})
        city = await open_live(browser, live_server, f"commander.{CITY}", "/tasks", width=1366, height=900)
        # Nothing yet: the county's inbox says so.
        await county.locator("#inbox-empty:visible").wait_for()
        assert await county.locator("#tab-inbox").get_attribute("aria-selected") == "true"

        # The city launches the flood plan (GZ-FX) at level IV: its tasks go out, one to Zhanggong.
        suggestions = await api_call(client, city_tok, "GET", f"/incidents/{incident['id']}/plan-suggestions")
        plan = next(s for s in suggestions if s["code"] == "GZ-FX")
        await api_call(client, city_tok, "POST", f"/incidents/{incident['id']}/activations",
                   {"plan_id": plan["plan_id"], "level": 4, "reason": "章江水位超警戒 0.5 米"})
        listed = await api_call(client, city_tok, "GET", f"/tasks?unit={COUNTY}")
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
        await no_sideways_scroll(county, "county inbox")
        await thumb_sized(county, "county inbox")
        await shot(county, "tasks-county-arrived-zh-phone")

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
        await no_sideways_scroll(county, "feedback form")
        await thumb_sized(county, "feedback form")
        await shot(county, "tasks-county-feedback-form-zh-phone")
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
        after = await api_call(client, city_tok, "GET", f"/incidents/{incident['id']}")
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
        await shot(city, "tasks-city-board-zh-desk")

        # 退回 needs a reason; with one, the task goes back to the county, which sees why at once.
        await board.locator('[data-action="return"]').click()
        reason_form = board.locator("form.return-form")
        await reason_form.locator('[data-action="return-submit"]').click()
        assert await reason_form.is_visible()  # nothing sent without a reason
        assert (await api_call(client, city_tok, "GET", f"/tasks/{tid}"))["status"] == "feedback_submitted"
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
        await shot(county, "tasks-county-returned-zh-phone")
        await shot(city, "tasks-city-returned-zh-desk")

        # The record, as the API keeps it.
        doc = await api_call(client, city_tok, "GET", f"/tasks/{tid}")
        assert doc["status"] == "in_progress" and doc["returns"] == 1
        assert [f["kind"] for f in doc["feedback"]] == ["progress", "complete", "return"]
        progress = doc["feedback"][0]
        assert progress["progress"] == 60 and progress["facts"] == {"evacuated": 126, "trapped": 3}
        assert progress["facts_status"] == "accepted"
        assert progress["lat"] == pytest.approx(25.8512) and progress["lon"] == pytest.approx(114.9203)
        assert [a["content_type"] for a in progress["attachments"]] == ["image/png"]
        assert doc["feedback"][2]["text"] == reason
        await not_reloaded(county)
        await not_reloaded(city)
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
            await page.wait_for_url(LANDED)
            await page.goto(live_server.url + ("/tasks#outbox" if user.startswith("commander") else "/tasks"))
            await wait_connected(page)
            await page.locator(f"li.task[data-id='{tid}']").first.wait_for()
            await page.locator(f"li.task[data-id='{tid}'] .more").first.click()  # the full history too
            await page.locator(f"li.task[data-id='{tid}'] li.fb").nth(2).wait_for()
            if width < 500:  # the county's form too: labels, figures, buttons
                await page.locator(f"#inbox-{tid} [data-action='feedback']").click()
                await page.locator(f"#inbox-{tid} form.feedback-form").wait_for()
            await shot(page, name)
            await no_sideways_scroll(page, name)
            for selector in CHROME:
                texts = await page.eval_on_selector_all(selector, "els => els.filter(e => e.offsetParent !== null)"
                                                                  ".map(e => e.dataset.i18nData ? '' : e.innerText)")
                for text in texts:
                    assert not CJK.search(text), f"{name}: untranslated {selector}: {text!r}"
            assert page.js_errors == [], page.js_errors
            await page.context.close()


SHANGHAI = ZoneInfo("Asia/Shanghai")
COUNTIES3 = ("360702", "360703", "360704")  # 章贡区, 南康区, 赣县区


def _wall(d: datetime) -> str:
    """What a person types into a datetime-local input: the unit's wall clock."""
    return d.astimezone(SHANGHAI).strftime("%Y-%m-%dT%H:%M")


MANUAL_TASK = "排查城区易涝点并设置警示"


async def test_manual_dispatch_to_three_counties_live(live_server: LiveServer, sqlite_url: str) -> None:
    """下达任务 by hand: the city picks three counties, one task each; each county's phone sees its own
    arrive, one signs for it and the city's board shows that, all live. From an incident, the form
    opens by itself with the incident chosen."""
    shots_dir()
    city_tok = await token_for(sqlite_url, f"commander.{CITY}")
    county_tok = await token_for(sqlite_url, f"duty.{COUNTY}")
    async with httpx.AsyncClient(base_url=live_server.url + "/api/v1", timeout=15) as client, chromium() as browser:
        incident = await _flood_incident(client, county_tok)
        phones = {
            "360702": await open_live(browser, live_server, "duty.360702", "/tasks", width=390, height=844),
            "360703": await open_live(browser, live_server, "duty.360703", "/duty", width=390, height=844),
            "360704": await open_live(browser, live_server, "duty.360704", "/tasks", width=390, height=844),
        }
        city = await open_live(browser, live_server, f"commander.{CITY}", "/tasks", width=1366, height=900)
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
        await shot(city, "tasks3-city-form-zh-desk")
        await city.locator("#d-submit").click()

        # One result per unit, naming what was sent; the form is empty again and no unit is left ticked,
        # so one more click sends nothing.
        await city.locator("#d-results li.ok").nth(2).wait_for()
        assert await city.locator("#d-results li.failed").count() == 0
        assert MANUAL_TASK in await city.locator("#d-results").inner_text()
        assert await city.locator("#d-title").input_value() == ""
        assert await city.locator("#d-file-list li").count() == 0
        assert await city.locator("#unit-groups input:checked").count() == 0
        assert await city.locator("input[name=priority]:checked").get_attribute("value") == "high"
        await city.locator("#outbox li.task", has_text=MANUAL_TASK).nth(2).wait_for()
        await shot(city, "tasks3-city-sent-zh-desk")
        # The same task to the same unit again at once: the server refuses, the page asks; dismissed, none goes.
        await city.locator("#unit-groups input[value='360702']").check()
        await city.locator("#d-title").fill(MANUAL_TASK)
        await city.locator("#d-instr").fill("对辖区城区易涝点逐一排查，设置警示标志，安排专人值守，2 小时内反馈。")
        asked: list[str] = []

        async def dismiss(dialog: Any) -> None:
            asked.append(dialog.message)
            await dialog.dismiss()
        city.once("dialog", dismiss)
        await city.locator("#d-submit").click()
        await city.locator("#d-results li.failed").wait_for()
        assert asked and "章贡区" in asked[0], asked
        assert "未重复下达" in await city.locator("#d-results li.failed").inner_text()
        # the refused request is the only thing the console reports (Chromium logs every 4xx)
        assert city.js_errors and all("409" in e for e in city.js_errors), city.js_errors
        city.js_errors.clear()

        # The API: one task per county, the same title, urgent, due when the person said.
        tasks = [t for t in await api_call(client, city_tok, "GET", "/tasks") if t["title"] == MANUAL_TASK]
        assert sorted(t["unit"] for t in tasks) == sorted(COUNTIES3), tasks
        want_due = due.astimezone(ZoneInfo("UTC"))
        upload_ids: set[str] = set()
        for t in tasks:
            assert datetime.fromisoformat(t["due_at"].replace("Z", "+00:00")) == want_due, t["due_at"]
            assert t["priority"] == "urgent" and t["status"] == "dispatched" and t["incident_id"] is None
            assert t["from_unit"] == CITY
            full = await api_call(client, city_tok, "GET", f"/tasks/{t['id']}")
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
        await shot(phones["360703"], "tasks3-county-duty-zh-phone")
        await shot(phones["360702"], "tasks3-county-inbox-zh-phone")

        # 赣县区 signs for it with one tap; the city's board shows it signed for, live.
        sid = by_unit["360704"]["id"]
        await phones["360704"].locator(f"#inbox-{sid} [data-action='sign']").click()
        await phones["360704"].locator(f"#inbox-{sid}[data-status='acknowledged']").wait_for()
        await city.locator(f"#outbox-{sid}[data-status='acknowledged']").wait_for()
        assert "赣县区" in await city.locator(f"#outbox-{sid} .assignee").inner_text()
        for code in ("360702", "360703"):
            await city.locator(f"#outbox-{by_unit[code]['id']}[data-status='dispatched']").wait_for()
        await shot(city, "tasks3-city-signed-zh-desk")
        for code, phone in phones.items():
            await no_sideways_scroll(phone, f"duty.{code}")
            await not_reloaded(phone)
        await not_reloaded(city)

        # From the incident: 下达任务 opens the form with the incident chosen.
        desk = await open_live(browser, live_server, f"commander.{CITY}", f"/incidents/{incident['id']}",
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
        phone_desk = await open_live(browser, live_server, f"commander.{CITY}", f"/tasks?incident={incident['id']}",
                                 width=390, height=844)
        await phone_desk.locator(f"#d-incident option[value='{incident['id']}']").wait_for(state="attached")
        assert await phone_desk.locator("#d-incident").input_value() == incident["id"]
        assert await phone_desk.locator("#tab-outbox").get_attribute("aria-selected") == "true"
        await phone_desk.locator("#unit-groups input[value='360702']").check()
        await phone_desk.locator("#d-title").fill("核查沙石镇低洼村庄转移情况")
        await phone_desk.locator("#d-title").blur()
        await phone_desk.evaluate("window.scrollTo(0, 0)")
        await no_sideways_scroll(phone_desk, "dispatch form on a phone")
        await thumb_sized(phone_desk, "dispatch form on a phone")
        await shot(phone_desk, "tasks3-city-form-zh-phone")
        await phone_desk.locator("#d-submit").click()
        await phone_desk.locator("#d-results li.ok").wait_for()
        # Sent for the incident: it stays chosen for the next task.
        assert await phone_desk.locator("#d-incident").input_value() == incident["id"]
        listed = await api_call(client, city_tok, "GET", "/tasks")
        mine = [t for t in listed if t["title"] == "核查沙石镇低洼村庄转移情况"]
        assert [(t["unit"], t["incident_id"], t["due_at"]) for t in mine] == [("360702", incident["id"], None)]
        await phones["360702"].locator(f"#inbox-{mine[0]['id']}").wait_for()
        await not_reloaded(phone_desk)
        assert desk.js_errors == [], desk.js_errors

        # English: the form says everything in English (unit names in their English names).
        page = await new_page(browser, width=390, height=844, lang="en-GB")
        await page.goto(live_server.url + "/login")
        await page.locator("a.lang").click()
        await page.locator("#username").press_sequentially(f"commander.{CITY}")
        await page.locator("#password").press_sequentially(DEMO_PASSWORD)
        await page.locator("#password").press("Enter")
        await page.wait_for_url(LANDED)
        await page.goto(f"{live_server.url}/tasks?incident={incident['id']}")
        await wait_connected(page)
        await page.locator(f"#d-incident option[value='{incident['id']}']").wait_for(state="attached")
        await page.locator("#unit-groups input[value='360703']").check()
        assert await page.locator("#d-submit").inner_text() == "Dispatch to Nankang District"
        await page.locator("#d-submit").click()
        assert await page.locator("#d-status").inner_text() == "Give the task a name"
        await page.evaluate("window.scrollTo(0, 0)")
        await shot(page, "tasks3-city-form-en-phone")
        await no_sideways_scroll(page, "dispatch form in English")
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
