"""Headless Chromium for the browser tests: Debian's chromium (never a downloaded one), every wait
bounded, sign-in through the real login form."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from tests import services

ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
WAIT_MS = 10_000  # the longest any single browser wait may take


@asynccontextmanager
async def chromium(*extra_args: str) -> AsyncIterator[Any]:
    """A browser (with `extra_args` on its command line); skips (or fails under
    YINGJI_REQUIRE_SERVICES=1) when Chromium is missing."""
    services.need_chromium()
    from playwright.async_api import async_playwright

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=services.CHROMIUM, args=[*ARGS, *extra_args], headless=True,
                                           timeout=WAIT_MS)
        try:
            yield browser
        finally:
            await browser.close()


async def new_page(browser: Any, *, width: int = 1366, height: int = 800, lang: str = "zh-CN") -> Any:
    context = await browser.new_context(viewport={"width": width, "height": height}, locale=lang,
                                        timezone_id="Asia/Shanghai")
    context.set_default_timeout(WAIT_MS)
    page = await context.new_page()
    errors: list[str] = []
    # Uncaught exceptions and console errors (a failing live-event handler only logs) both count.
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.js_errors = errors  # type: ignore[attr-defined]
    return page


async def sign_in(page: Any, base_url: str, username: str, password: str, target: str = "/") -> None:
    """Open `target`, get bounced to the login page, type the credentials, press Enter, land back."""
    await page.goto(base_url + target)
    assert "/login" in page.url, page.url
    await page.locator("#username").press_sequentially(username)
    await page.locator("#password").press_sequentially(password)
    await page.locator("#password").press("Enter")
    await page.wait_for_url(base_url + target)


async def wait_connected(page: Any) -> None:
    await page.locator('#live-state[data-state="connected"]').wait_for(state="attached")
