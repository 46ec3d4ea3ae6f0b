"""The duty and command pages with a morning's work in them, in both languages, on a desk screen
(1366x900) and the county console on a phone (390x844): screenshots into test-artifacts/ for a
person to look at, and what a machine can check (no sideways scrolling, thumb-sized targets on the
phone, English pages in English, times as "2026-11-23 08:30", clean A4 print pages)."""

from __future__ import annotations

import re
import uuid
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from core.demo import DEMO_PASSWORD
from tests.e2e.browser import chromium, new_page, wait_connected
from tests.support import ROOT, LiveServer, bearer, token_for

LANDED = re.compile(r"^http://[^/]+/(duty|incidents|tasks|hall)?$")  # sign-in lands where the role starts

pytestmark = pytest.mark.browser

ARTIFACTS = ROOT / "test-artifacts"
SHANGHAI = ZoneInfo("Asia/Shanghai")
CJK = re.compile(r"[\u3400-\u9fff\u3000-\u303f\uff00-\uffef]")
TIME = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}")

# Interface text that must be English on English pages (data such as people's names and incident
# titles are what people typed: they stay as written).
CHROME = ["nav.nav", ".subnav", "h2", "thead th", "label", "legend", "button", ".empty", "#live-state",
          ".todo-item strong", ".tag", ".due", ".filters option", "td.rc", "td.rep", "td.term", ".rc-summary",
          "table.rules tbody th", "table.rules td.source", ".report-form h3", ".next strong", "#reports li",
          ".clocks dt", ".ih-meta strong", ".q-actions", ".recipients li", ".notice-list .muted", ".next",
          "#editor", ".inbox .actions", ".facts-line", "table.timeliness thead"]

# Selectors whose text is a time (or contains one) in the unit's zone, 24-hour.
TIMES = ["#incidents-body td.num:last-child", ".clocks dd", "#timeline time"]


def _idem() -> dict[str, str]:
    return {"Idempotency-Key": str(uuid.uuid4())}


async def _post(client: httpx.AsyncClient, token: str, path: str, body: Any = None) -> dict[str, Any]:
    res = await client.post(path, json=body if body is not None else {}, headers={**bearer(token), **_idem()})
    assert res.status_code in (200, 201), (path, res.status_code, res.text)
    return dict(res.json()) if res.content else {}


async def _seed(server: LiveServer, db_url: str) -> dict[str, str]:
    """A morning's work: a roll-call, a zero report, a notice, a duty log, intakes, an incident
    with its 首报 in the city's inbox and a 续报 being drafted."""
    tok = {u: await token_for(db_url, u) for u in ("lead.360700", "duty.360702", "lead.360702", "duty.360703")}
    now = datetime.now(SHANGHAI)
    async with httpx.AsyncClient(base_url=server.url + "/api/v1", timeout=10) as c:
        await _post(c, tok["duty.360703"], "/duty/daily-reports", {"unit": "360703", "kind": "zero"})
        notice = await _post(c, tok["lead.360700"], "/notices", {
            "title": "关于做好强降雨防范工作的通知", "body": "请各地落实24小时值班和领导带班制度，加强巡查。",
            "urgency": "urgent", "units": ["360702", "360703", "360704"], "reply_required": False,
            "signfor_minutes": 30})
        await _post(c, tok["duty.360703"], f"/notices/{notice['id']}/sign")
        await _post(c, tok["lead.360700"], "/notices", {
            "title": "关于报送山洪灾害隐患排查情况的通知", "body": "请于今日 12:00 前回复辖区隐患点排查情况。",
            "urgency": "extra_urgent", "units": ["360702", "360703"], "reply_required": True,
            "signfor_minutes": 10})
        first = await _post(c, tok["duty.360702"], "/duty/log", {
            "unit": "360702", "kind": "call_in", "counterpart": "沙石镇应急办 王建华 13907971234",
            "summary": "报沙石镇埠上村山洪，12人被困"})
        await _post(c, tok["duty.360702"], "/duty/log", {
            "unit": "360702", "kind": "instruction_out", "counterpart": "区消防救援大队",
            "summary": "转达区领导指示：立即组织救援，做好群众转移"})
        await _post(c, tok["duty.360702"], "/duty/log", {
            "unit": "360702", "kind": "call_in", "counterpart": "沙石镇应急办 王建华 13907971234",
            "summary": "报沙石镇埠上村山洪，13人被困", "corrects": first["id"]})
        intake = await _post(c, tok["duty.360702"], "/intakes", {
            "source": "phone", "caller": "沙石镇应急办 王建华", "callback": "13907971234",
            "title": "沙石镇埠上村山洪围困群众", "category": "natural.flood",
            "description": "山洪冲毁进村道路，13人被困于村委会二楼。", "location_unit": "360702",
            "address": "章贡区沙石镇埠上村三组", "occurred_at": (now - timedelta(minutes=50)).isoformat(),
            "facts": {"trapped": 13, "evacuated": 35, "injured": 2}})
        incident = await _post(c, tok["duty.360702"], f"/intakes/{intake['id']}/verify")
        report = await _post(c, tok["lead.360702"], f"/incidents/{incident['id']}/reports", {"kind": "initial"})
        await _post(c, tok["lead.360702"], f"/reports/{report['id']}/sign")
        await _post(c, tok["lead.360702"], f"/incidents/{incident['id']}/reports", {"kind": "follow_up"})
        await _post(c, tok["duty.360702"], f"/incidents/{incident['id']}/entries", {
            "kind": "situation", "text": "消防救援大队到达现场，开始转移被困群众", "significant": True})
        await _post(c, tok["duty.360702"], "/intakes", {
            "source": "public", "caller": "群众", "callback": "13800001111", "title": "水东镇一民房墙体开裂",
            "category": "natural.geological.collapse", "location_unit": "360702", "facts": {}})
        await _post(c, tok["duty.360703"], "/intakes", {
            "source": "lower_report", "title": "南康区唐江镇道路积水", "category": "natural.waterlogging",
            "location_unit": "360703", "facts": {"evacuated": 6}})
        await _post(c, tok["lead.360700"], "/tasks", {
            "unit": "360702", "title": "核查沙石镇低洼村庄人员转移情况", "priority": "urgent",
            "incident_id": incident["id"], "instructions": "逐户核查，2 小时内反馈。"})
        plans = (await c.get("/plans", params={"q": "GZ-FX"}, headers=bearer(tok["lead.360700"]))).json()
        # Last, so it is still open when the pages are shown: Nankang answered, Zhanggong has not yet.
        rc = await _post(c, tok["lead.360700"], "/rollcalls", {"window_s": 900})
        await _post(c, tok["duty.360703"], f"/rollcalls/{rc['id']}/answer")
    return {"incident": incident["id"], "report": report["id"], "plan": plans[0]["id"]}


async def _sign_in(browser: Any, server: LiveServer, user: str, lang: str, width: int, height: int) -> Any:
    page = await new_page(browser, width=width, height=height, lang="en-GB" if lang == "en" else "zh-CN")
    await page.goto(server.url + "/login")
    if lang == "en":
        await page.locator("a.lang").click()
        await page.wait_for_url(re.compile(r"/login"))
    await page.locator("#username").press_sequentially(user)
    await page.locator("#password").press_sequentially(DEMO_PASSWORD)
    await page.locator("#password").press("Enter")
    await page.wait_for_url(LANDED)
    return page


async def _shot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    await page.evaluate("document.fonts.ready")
    await page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


async def _check(page: Any, what: str, lang: str) -> None:
    size = await page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert size[0] <= size[1], f"{what}: {size[0]}px wide in a {size[1]}px window"
    if lang == "en":
        for selector in CHROME:
            for text in await page.eval_on_selector_all(selector, "els => els.filter(e => e.offsetParent !== null)"
                                                                  ".map(e => e.dataset.i18nData ? '' : e.innerText)"):
                assert not CJK.search(_without_data(text)), f"{what}: untranslated {selector}: {text!r}"
    for selector in TIMES:
        for text in await page.eval_on_selector_all(selector, "els => els.map(e => e.textContent.trim())"):
            assert not text or text == "—" or TIME.fullmatch(text), f"{what}: {selector} shows {text!r}"
    assert page.js_errors == [], (what, page.js_errors)


# What the seed typed (titles, places, text) and the demo's unit names: data, not interface.
DATA = ["关于做好强降雨防范工作的通知", "关于报送山洪灾害隐患排查情况的通知", "沙石镇埠上村山洪围困群众",
        "水东镇一民房墙体开裂", "南康区唐江镇道路积水", "章贡区沙石镇埠上村三组", "核查沙石镇低洼村庄人员转移情况",
        "逐户核查，2 小时内反馈。",
        "消防救援大队到达现场，开始转移被困群众", "赣州市", "章贡区", "南康区"]


def _without_data(text: str) -> str:
    """Interface text minus what people typed in the seed (titles, places) and people's names."""
    for word in DATA:
        text = text.replace(word, "")
    # People's names: two or three CJK characters standing alone (separated by spaces or punctuation).
    return re.sub(r"(?<![\u3400-\u9fff])[\u3400-\u9fff]{2,3}(?![\u3400-\u9fff])", "", text)


async def _visit(page: Any, server: LiveServer, path: str, name: str, lang: str, ready: str) -> None:
    await page.goto(server.url + path)
    if not path.endswith("/print") and "/print" not in path:
        await wait_connected(page)
    await page.locator(ready).first.wait_for()
    await _shot(page, name)
    await _check(page, name, lang)


async def _print_pages(page: Any, server: LiveServer, ids: dict[str, str], lang: str) -> None:
    for path, name in ((f"/reports/{ids['report']}/print", "report-print"),
                       ("/duty/log/print?unit=360702", "duty-log-print")):
        await page.goto(server.url + path)
        await _shot(page, f"{name}-{lang}")  # on screen: the A4 sheet as it will print
        if lang == "en":
            for text in await page.eval_on_selector_all("th, h1, .subtitle, .meta-label, .printed, td.empty",
                                                        "els => els.map(e => e.innerText)"):
                assert not CJK.search(_without_data(text)), f"{name}: untranslated {text!r}"
        for text in await page.eval_on_selector_all("td, .signatures, .printed", "els => els.map(e => e.innerText)"):
            assert not re.search(r"\d{4}-\d{2}-\d{2}T\d", text), f"{name}: a raw ISO time {text!r}"
        # Printed: nothing of the screen chrome, nothing wider than the sheet, one A4 page.
        await page.emulate_media(media="print")
        assert await page.locator(".topbar, nav, button, #live-state").count() == 0
        width = await page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        assert width[0] <= width[1], (name, width)
        pdf = await page.pdf(format="A4", prefer_css_page_size=True)
        assert pdf[:4] == b"%PDF"
        assert len(re.findall(rb"/Type\s*/Page\b(?!s)", pdf)) == 1, f"{name}: not one A4 page"
        await page.emulate_media(media="screen")
    assert page.js_errors == [], page.js_errors


async def test_duty_and_command_pages_in_both_languages(live_server: LiveServer, sqlite_url: str) -> None:
    ids = await _seed(live_server, sqlite_url)
    incident = f"/incidents/{ids['incident']}"
    async with chromium() as browser:
        for lang in ("zh", "en"):
            city = await _sign_in(browser, live_server, "lead.360700", lang, 1366, 900)
            for path, name, ready in (
                    ("/duty", "duty-console-city", "#todo-empty, #todo > li"),
                    ("/duty/board", "duty-board", '#board-body td.rc[data-state="answered"]'),
                    ("/duty/roster", "duty-roster", "#roster-body tr"),
                    ("/duty/notices", "duty-notices", "#outbox > li"),
                    ("/duty/rules", "duty-rules", "table.rules tbody tr"),
                    ("/intake", "intake", "#queue > li"),
                    ("/incidents", "incidents", "#incidents-body tr"),
                    (incident, "incident-city", "#reports li"),
                    ("/reports/inbox", "inbox", "#inbox > li.unread"),
                    ("/tasks", "tasks", "li.task:visible, .task-pane:not([hidden]) .empty:visible"),
                    ("/plans", "plans", "#plans-body tr"),
                    (f"/plans/{ids['plan']}", "plan", "#versions > li"),
                    ("/plans/new", "plan-editor", ".verdict.good")):
                await _visit(city, live_server, path, f"{name}-{lang}-desk", lang, ready)
            await _print_pages(city, live_server, ids, lang)
            await city.context.close()

            leader = await _sign_in(browser, live_server, "lead.360702", lang, 1366, 900)
            await _visit(leader, live_server, incident, f"incident-draft-{lang}-desk", lang, "#editor form.report-form")
            await leader.context.close()

            officer = await _sign_in(browser, live_server, "duty.360702", lang, 390, 844)
            for path, name, ready in (
                    ("/duty", "duty-console", '#todo > li[data-kind="rollcall"]'),
                    ("/duty/notices", "duty-notices", "#inbox > li"),
                    ("/intake", "intake", "#queue > li"),
                    ("/incidents", "incidents", "#incidents-body tr"),
                    (incident, "incident", "#reports li"),
                    ("/tasks", "tasks", "li.task:visible")):
                await _visit(officer, live_server, path, f"{name}-{lang}-phone", lang, ready)
                if path == "/duty":
                    # Thumb-first: every button and field of the console is at least 44 px tall.
                    small = await officer.eval_on_selector_all(
                        "main button:not(.link), main input:not([type=checkbox]):not([type=hidden]), main select",
                        "els => els.filter(e => e.offsetParent !== null && e.getBoundingClientRect().height < 44)"
                        ".map(e => e.outerHTML.slice(0, 80))")
                    assert small == [], small
            await officer.context.close()

            # A county with nothing going on: every list says so, in the page's language.
            quiet = await _sign_in(browser, live_server, "duty.360722", lang, 1366, 900)
            for path, name, empty in (
                    ("/intake", "intake-empty", "#queue-empty"),
                    ("/incidents", "incidents-empty", "#incidents-empty"),
                    ("/duty/notices", "duty-notices-empty", "#inbox-empty"),
                    ("/reports/inbox", "inbox-empty", "#inbox-empty")):
                await _visit(quiet, live_server, path, f"{name}-{lang}-desk", lang, f"{empty}:visible")
            assert await quiet.locator("#timeliness-empty").is_visible()
            await quiet.goto(live_server.url + "/duty/log/print?unit=360722")
            await quiet.locator("td.empty").wait_for()
            await quiet.context.close()
