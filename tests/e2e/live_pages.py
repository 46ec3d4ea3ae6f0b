"""What the live two-browser tests share: calling the API as a demo user, a signed-in live page that
notices a reload or a navigation, screenshots for a person to look at, and phone-fit checks."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import httpx

from core.demo import DEMO_PASSWORD
from tests.e2e.browser import new_page, sign_in, wait_connected
from tests.support import LiveServer, bearer

SHOTS = Path("/tmp/shots")


async def api_call(client: httpx.AsyncClient, token: str, method: str, path: str, body: Any = None) -> Any:
    res = await client.request(method, path, json=body, headers={**bearer(token), "Idempotency-Key": str(uuid.uuid4())})
    assert res.status_code in (200, 201), (method, path, res.status_code, res.text)
    return res.json()


async def open_live(browser: Any, server: LiveServer, user: str, path: str, **size: int) -> Any:
    """A signed-in live page in its own context, marked so a reload or navigation would show."""
    page = await new_page(browser, **size)
    await sign_in(page, server.url, user, DEMO_PASSWORD, path)
    await wait_connected(page)
    await page.evaluate("window.__marker = 'kept'")
    page.navigations = []
    page.first_url = page.url.split("#")[0]
    page.on("framenavigated", lambda frame: page.navigations.append(frame.url) if frame == page.main_frame else None)
    return page


async def not_reloaded(page: Any) -> None:
    assert await page.evaluate("window.__marker") == "kept", "the page was reloaded"
    # Choosing a tab writes it into the address (#outbox): same document, not a navigation.
    assert [u for u in page.navigations if u.split("#")[0] != page.first_url] == [], page.navigations
    assert await page.locator("#live-state").get_attribute("data-state") == "connected"
    assert page.js_errors == [], page.js_errors


def shots_dir() -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    return SHOTS


async def shot(page: Any, name: str) -> None:
    await page.evaluate("document.fonts.ready")
    await page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


async def no_sideways_scroll(page: Any, what: str) -> None:
    size = await page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert size[0] <= size[1], f"{what}: {size[0]}px wide in a {size[1]}px window"


async def thumb_sized(page: Any, what: str) -> None:
    small = await page.eval_on_selector_all(
        "main button:not(.link):not(.remove), main input:not([type=checkbox]):not([type=hidden]):not([type=file]), "
        "main select, main label.photo-pick",
        "els => els.filter(e => e.offsetParent !== null && e.getBoundingClientRect().height < 44)"
        ".map(e => e.outerHTML.slice(0, 90))")
    assert small == [], (what, small)
