"""Tasks in two real browsers against one real server, on a flood night: the city launches its flood
plan on a Zhanggong incident; the county duty officer, on a phone, sees the plan's task arrive with
its sign-for countdown, signs for it with one tap and reports back with figures, a photo from the
camera and the phone's location; the city dispatcher, at a desk, watches the status and the
feedback arrive, accepts the figures, and returns the completed task with a reason, which the
county sees at once. No reload on either side. Screenshots go to /tmp/shots/ for a person to look at."""

from __future__ import annotations

import re
import struct
import uuid
import zlib
from pathlib import Path
from typing import Any

import httpx
import pytest

from core.demo import DEMO_PASSWORD
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
