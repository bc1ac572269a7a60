"""The DevTools connection printing uses: a page printed, a page that does not load named with Chromium's
reason, and a browser that is gone once closed."""

import asyncio
import os
from concurrent.futures import ThreadPoolExecutor

import pytest
from pypdf import PdfReader

from conftest import CHROMIUM
from jaarverslag.publish.devtools import Browser, ProtocolError, Tab
from jaarverslag.publish.pdf import PDF

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium")


def test_a_page_is_printed_a_missing_one_named_and_the_closed_browser_is_gone(tmp_path):
    page = tmp_path / "page.html"
    page.write_text('<!doctype html><meta charset="utf-8"><h1 id="begin">Woninginbraken</h1><p id="n"></p>', encoding="utf-8")

    async def session() -> tuple[int, bytes, str]:
        browser = await Browser.launch(str(CHROMIUM), [f"--user-data-dir={tmp_path / 'profile'}"])
        try:
            tab = await Tab.open(browser)
            with pytest.raises(ProtocolError, match=r"missing\.html did not load: net::ERR_FILE_NOT_FOUND"):
                await tab.goto((tmp_path / "missing.html").as_uri())
            await tab.goto(page.as_uri())
            await tab.call("text => { document.getElementById('n').textContent = text; }", "95.782 & 82,3%")
            printed = await tab.pdf(**PDF)
            with pytest.raises(ProtocolError, match="a script failed"):
                await tab.call("() => { throw new Error('no'); }", None)
            await tab.close()
        finally:
            await browser.close(5.0)
        with pytest.raises(ProtocolError, match="chromium closed the connection"):
            await browser.send("Browser.getVersion")
        return browser.pid, printed, tab.url

    with ThreadPoolExecutor(1) as thread:  # as the printer does: the session's Playwright may run a loop in this thread
        pid, printed, url = thread.submit(asyncio.run, session()).result()
    assert url == page.as_uri()
    (tmp_path / "page.pdf").write_bytes(printed)
    reader = PdfReader(tmp_path / "page.pdf")
    assert "Woninginbraken" in reader.pages[0].extract_text() and "95.782 & 82,3%" in reader.pages[0].extract_text()
    assert [item.title for item in reader.outline] == ["Woninginbraken"]  # generateDocumentOutline
    box = reader.pages[0].mediabox
    assert (float(box.width), float(box.height)) == pytest.approx((595.3, 841.9), abs=1.5)  # A4, in points
    with pytest.raises(ChildProcessError):  # reaped, not a zombie
        os.waitpid(pid, os.WNOHANG)
