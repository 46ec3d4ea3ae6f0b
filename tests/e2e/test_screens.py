"""Every page in both languages, on a desk screen and a phone, with the wall at 1080p: screenshots
into test-artifacts/ for a person to look at, and the layout rules a machine can check (no sideways
scrolling, English complete, times as "2026-11-23 08:30", the wall large, fixed and never scrolling)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from core.demo import CITY_AGENCIES, COUNTIES, DEMO_PASSWORD
from tests.e2e.browser import chromium, new_page, wait_connected
from tests.support import ROOT, LiveServer

LANDED = re.compile(r"^http://[^/]+/(duty|incidents|tasks|hall)?$")  # sign-in lands where the role starts

pytestmark = pytest.mark.browser

ARTIFACTS = ROOT / "test-artifacts"
VIEWPORTS = {"desk": (1366, 800), "phone": (390, 844)}
CJK = re.compile(r"[\u3400-\u9fff\u3000-\u303f\uff00-\uffef]")
TIME = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}")

# The navigation's own words: the top nav, and the phone's bottom bar without the signed-in person's name
# (data) and the switch to the other language (written in that language on purpose).
NAV = "nav.nav, nav.tabbar > a, nav.tabbar summary, .tab-menu a:not(.tab-lang)"
# Interface text (not data such as people's and units' names) that must be English on English pages.
CHROME = {
    "login": ["h1", "label", "button", ".login-hint"],
    "home": [NAV, "h2", "h3", "dt", "#roles", "#live-state", ".topbar form"],
    "journal": [NAV, "h1", "th", ".card-tools", "p.muted", "#live-state", "#journal-more"],
    "hall": ["h2", ".empty-region", ".counter-label", ".hall-mode", "#live-state", ".map-legend-text"],
}

SMALL_TEXT_JS = """() => {
  const small = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const el = n.parentElement;
    if (!n.textContent.trim() || el.closest("script, [hidden]")) continue;
    const r = el.getBoundingClientRect();
    if (!r.width || !r.height || getComputedStyle(el).visibility === "hidden") continue;
    const size = parseFloat(getComputedStyle(el).fontSize);
    const cls = el.className.baseVal ?? el.className;
    if (size < 24) small.push(`${el.tagName}.${cls} ${size}px: ${n.textContent.trim()}`);
  }
  return small;
}"""


async def _shot(page: Any, name: str, full_page: bool = True) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    await page.evaluate("document.fonts.ready")
    await page.screenshot(path=str(path), full_page=full_page)
    return path


async def _no_sideways_scroll(page: Any, what: str) -> None:
    width = await page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1], f"{what}: page is {width[0]}px wide in a {width[1]}px window"


async def _chrome_is_english(page: Any, what: str) -> None:
    for selector in CHROME[what]:
        for text in await page.eval_on_selector_all(selector, "els => els.map(e => e.textContent)"):
            # People's names (the signed-in user) are data; take them out of the sign-out form.
            assert not CJK.search(text), f"{what}: untranslated {selector}: {text!r}"


async def _visit_pages(browser: Any, server: LiveServer, lang: str, device: str) -> None:
    width, height = VIEWPORTS[device]
    page = await new_page(browser, width=width, height=height, lang="en-GB" if lang == "en" else "zh-CN")
    tag = f"{lang}-{device}"

    await page.goto(server.url + "/login")
    if lang == "en":
        await page.locator("a.lang").click()
        await page.wait_for_url(re.compile(r"/login"))
    assert await page.get_attribute("html", "lang") == ("en" if lang == "en" else "zh-CN")
    await _shot(page, f"login-{tag}")
    await _no_sideways_scroll(page, "login")
    if lang == "en":
        await _chrome_is_english(page, "login")
    if device == "phone":  # thumb-sized targets on the county terminal
        for selector in ("#username", "#password", "button[type=submit]"):
            box = await page.locator(selector).bounding_box()
            assert box and box["height"] >= 44, (selector, box)

    await page.locator("#username").press_sequentially("duty.360700")
    await page.locator("#password").press_sequentially(DEMO_PASSWORD)
    await page.locator("#password").press("Enter")
    await page.wait_for_url(server.url + "/duty")  # a duty officer lands on the duty console
    await page.goto(server.url + "/")
    await wait_connected(page)
    await page.locator("#recent li").first.wait_for()
    await _shot(page, f"home-{tag}")
    await _no_sideways_scroll(page, "home")
    for text in await page.eval_on_selector_all("#recent time", "els => els.map(e => e.textContent)"):
        assert TIME.fullmatch(text), text
    if lang == "en":
        await _chrome_is_english(page, "home")
        assert "Ganzhou" in await page.locator(".facts").inner_text()  # units by their English names

    await page.goto(server.url + "/journal")
    await wait_connected(page)
    await page.locator("#journal-body tr").first.wait_for()
    await _shot(page, f"journal-{tag}", full_page=False)
    await _no_sideways_scroll(page, "journal")
    for text in await page.eval_on_selector_all("#journal-body td.c-time", "els => els.map(e => e.textContent)"):
        assert TIME.fullmatch(text), text
    if lang == "en":
        await _chrome_is_english(page, "journal")

    # The drill journal: its own stream, marked as drill, and empty in the demo, which it says.
    await page.goto(server.url + "/journal?exercise=1")
    await wait_connected(page)
    await page.locator("#journal-empty").wait_for()
    assert await page.locator(".drill-band").is_visible()
    assert await page.locator("#journal-body tr").count() == 0
    assert await page.locator("#journal-loading").is_hidden()
    await _shot(page, f"journal-drill-{tag}", full_page=False)
    if lang == "en":
        await _chrome_is_english(page, "journal")
    assert page.js_errors == []
    await page.context.close()


async def _failed_sign_in(browser: Any, server: LiveServer) -> None:
    page = await new_page(browser)
    await page.goto(server.url + "/login")
    await page.locator("#username").press_sequentially("lead.360700")
    await page.locator("#password").press_sequentially("not-the-password")
    await page.locator("#password").press("Enter")
    await page.locator(".error[role=alert]").wait_for()
    assert await page.locator("#username").input_value() == "lead.360700"  # kept, to correct the password
    await _shot(page, "login-error-zh-desk")
    await page.context.close()


async def _visit_county_drill_wall(browser: Any, server: LiveServer) -> None:
    """A county's wall in drill mode: few subordinate units (its teams), the drill marked on the title."""
    page = await new_page(browser, width=1920, height=1080)
    await page.goto(server.url + "/login")
    await page.locator("#username").press_sequentially("duty.360702")
    await page.locator("#password").press_sequentially(DEMO_PASSWORD)
    await page.locator("#password").press("Enter")
    await page.wait_for_url(LANDED)
    await page.goto(server.url + "/hall?exercise=1")
    await wait_connected(page)
    await page.locator("#hall-map svg").wait_for()
    await page.locator("#hall-ticker-empty").wait_for()  # no drill events: the region says so
    await _shot(page, "hall-county-drill-zh", full_page=False)
    assert await page.locator(".hall-title .tag.drill").is_visible()
    assert await page.locator(".drill-band").is_visible()
    assert await page.locator("#hall-map circle[data-code]").count() == 3  # two teams and the county
    sizes = await page.evaluate("[document.documentElement.scrollHeight, document.documentElement.scrollWidth]")
    assert sizes[0] <= 1080 and sizes[1] <= 1920, f"the wall scrolls: {sizes}"
    assert await page.evaluate(SMALL_TEXT_JS) == []
    assert page.js_errors == []
    await page.context.close()


async def _visit_wall(browser: Any, server: LiveServer, lang: str) -> None:
    page = await new_page(browser, width=1920, height=1080)
    await page.goto(server.url + "/login")
    if lang == "en":
        await page.locator("a.lang").click()
        await page.wait_for_url(re.compile(r"/login"))
    await page.locator("#username").press_sequentially("commander.360700")
    await page.locator("#password").press_sequentially(DEMO_PASSWORD)
    await page.locator("#password").press("Enter")
    await page.wait_for_url(LANDED)
    await page.goto(server.url + "/hall")
    await wait_connected(page)
    await page.locator("#hall-map svg").wait_for()
    await page.locator("#hall-ticker li").first.wait_for()
    await _shot(page, f"hall-{lang}", full_page=False)

    sizes = await page.evaluate("[document.documentElement.scrollHeight, document.documentElement.scrollWidth]")
    assert sizes[0] <= 1080 and sizes[1] <= 1920, f"the wall scrolls: {sizes}"
    for region in await page.locator("section.region").all():
        box = await region.bounding_box()
        assert box and box["x"] >= 0 and box["y"] >= 0 and box["x"] + box["width"] <= 1920 \
            and box["y"] + box["height"] <= 1080, box
        assert box["height"] > 100, ("a region collapsed", box)
    assert await page.evaluate(SMALL_TEXT_JS) == []
    # Empty regions say so rather than collapse.
    for region in ("incidents", "tasks", "warnings"):
        assert await page.locator(f"section.region.{region} .empty-region").is_visible()
    # Every subordinate unit is on the duty list and on the map; every jurisdiction has its name there.
    n_units = await page.evaluate("JSON.parse(document.getElementById('page-data').textContent).subunits.length")
    assert n_units == len(COUNTIES) + len(CITY_AGENCIES) + 2  # the county-level units, agencies, two teams
    assert await page.locator("#hall-units li[data-code]:visible").count() == n_units
    assert await page.locator("#hall-units-more").is_hidden()
    assert await page.locator("#hall-map circle[data-code]").count() == n_units + 1  # and the city itself
    labels = await page.eval_on_selector_all("#hall-map text.map-label", "els => els.map(e => e.textContent)")
    assert len([label for label in labels if label]) >= 19, labels
    assert ("Zhanggong District" if lang == "en" else "章贡区") in labels
    if lang == "en":
        await _chrome_is_english(page, "hall")
    assert page.js_errors == []
    await page.context.close()


async def test_pages_in_both_languages_and_sizes(live_server: LiveServer) -> None:
    async with chromium() as browser:
        for lang in ("zh", "en"):
            for device in VIEWPORTS:
                await _visit_pages(browser, live_server, lang, device)
            await _visit_wall(browser, live_server, lang)
        await _failed_sign_in(browser, live_server)
        await _visit_county_drill_wall(browser, live_server)
