"""The CAP import page in real Chromium: a pasted message the XSD refuses shows each complaint under
the line it names and imports nothing; an uploaded valid one imports and links to its warning; the
same file again says it changed nothing."""

from __future__ import annotations

import pytest

from tests.e2e.browser import chromium, new_page, sign_in
from tests.integrations.test_cap_api import message
from tests.support import LiveServer

pytestmark = pytest.mark.browser


async def test_paste_errors_in_place_then_upload_imports(live_server: LiveServer) -> None:
    async with chromium() as browser:
        page = await new_page(browser, width=1280, height=900)
        await sign_in(page, live_server.url, "lead.360700", "demo-2026", "/warnings/cap/import")

        bad = message("36070041600000_20260901080000_0").replace("<urgency>Expected</urgency>",
                                                                  "<urgency>Soon</urgency>")
        await page.locator("#cap-text").fill(bad)
        await page.locator("#cap-submit").click()
        await page.locator("#cap-result.bad").wait_for()
        assert "/alert/info[1]/urgency" in await page.locator("#cap-result").inner_text()
        marked = page.locator("#cap-lines li.bad")
        assert await marked.count() == 1
        text = await marked.inner_text()
        assert "<urgency>Soon</urgency>" in text and "urgency" in text.split("</urgency>", 1)[1]
        # The complaint sits under the very line that holds the bad value.
        line_no = bad.splitlines().index(next(ln for ln in bad.splitlines() if "<urgency>" in ln)) + 1
        assert await page.locator(f"#cap-lines li:nth-child({line_no}).bad").count() == 1

        good = message("36070041600000_20260901080000_1").encode()
        await page.locator("#cap-clear").click()
        await page.locator("#cap-file").set_input_files(
            files=[{"name": "typhoon.cap", "mimeType": "application/xml", "buffer": good}])
        await page.locator("#cap-submit").click()
        await page.locator("#cap-result.ok").wait_for()
        result = await page.locator("#cap-result").inner_text()
        assert "已导入" in result
        href = await page.locator("#cap-result a").get_attribute("href")
        assert href and href.startswith("/warnings/")
        assert await page.locator("#cap-lines").is_hidden()

        await page.locator("#cap-submit").click()
        await page.locator("#cap-result.ok >> text=未作改动").wait_for()
        # Chromium logs the refused POST (422) itself; nothing else may have failed.
        assert [e for e in page.js_errors if "status of 422" not in e] == []
