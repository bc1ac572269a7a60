"""PDFs printed by Debian's Chromium, headless: A4, running header and page numbers from the page's print
CSS, bookmarks (the outline) from its headings, and page numbers in the contents from a second pass.

One Chromium prints every report of a publish step, driven over the DevTools protocol by Playwright
(never a downloaded browser): starting a browser costs about as much as printing a report, and PAGES
reports print at once, one per core, each in a tab kept from report to report.

Chromium has no CSS target-counter(), so the contents' page numbers are found by printing
once, reading the page each named destination (an element id) landed on, filling the
numbers into the contents' reserved boxes (in the file, and in the page still loaded), and
printing again: the boxes keep their size, so the pages do not move. When a PDF is printed
anew, the one it replaces gives the likely numbers: filled in before the first print, they
spare the second whenever the pages did not move.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import shutil
import signal
import zlib
from collections.abc import Awaitable
from concurrent.futures import ThreadPoolExecutor
from html import unescape
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import InfrastructureError, JaarverslagError
from ..files import temporary, write_atomic

if TYPE_CHECKING:
    import pikepdf
    from playwright.async_api import Browser, Page, Playwright

CHROMIUM = "chromium"
CHROMIUM_FLAGS = ("--disable-gpu",)  # Playwright adds headless, no sandbox, no first run, no background networking
PDF = {"format": "A4", "prefer_css_page_size": True, "display_header_footer": False, "outline": True, "tagged": True}
PAGES = 2  # reports printed at once
TOC_PAGE = re.compile(r'<span class="toc-page" data-target="([^"]+)">[^<]*</span>')
FILL = """numbers => { for (const box of document.querySelectorAll('span.toc-page[data-target]'))
  if (box.getAttribute('data-target') in numbers) box.textContent = numbers[box.getAttribute('data-target')]; }"""
# pikepdf and Playwright are imported where they are used: a run that prints nothing loads neither.
HEADING = re.compile(r"<h[1-6][^>]*>(.*?)</h[1-6]>", re.S)
TAG = re.compile(r"<[^>]+>")

TIMEOUT_BASE, TIMEOUT_PER_MB = 30.0, 30.0  # seconds: a report's print time grows with its size
LAUNCH_TIMEOUT, CLOSE_TIMEOUT = 30.0, 10.0


def timeout_for(html: Path) -> float:
    """How long Chromium may take for a step of this page: enough for a large report, not minutes for a hung small one."""
    return TIMEOUT_BASE + TIMEOUT_PER_MB * html.stat().st_size / 1e6


def print_numbered(reports: list[tuple[Path, Path]], site: Path, site_url: str | None) -> dict[Path, InfrastructureError]:
    """Print each (html, pdf) with the page numbers of its contents filled in (in html too); return the failures by pdf.

    Chromium missing is a set-up error. A report that fails (Chromium crashed, hung or
    refused) is printed once more, alone, in a Chromium started again if it died; if that
    fails too, its previous pdf stays. Links into the site point to site_url (see `web_links`).
    """
    executable = shutil.which(CHROMIUM)
    if executable is None:
        raise JaarverslagError("chromium not found: install Debian's package (apt-get install chromium) to print PDFs")
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(_print_all(executable, reports, site, site_url))
    with ThreadPoolExecutor(1) as beside:  # the caller runs an event loop (a notebook, Playwright's sync API): not in it
        return beside.submit(asyncio.run, _print_all(executable, reports, site, site_url)).result()


async def _print_all(executable: str, reports: list[tuple[Path, Path]], site: Path,
                     site_url: str | None) -> dict[Path, InfrastructureError]:
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        chromium = _Chromium(playwright, executable)
        try:
            failed = await _each(chromium, reports, PAGES, site, site_url)
            # alone: a report that brings Chromium down again takes no other report with it
            return await _each(chromium, [r for r in reports if r[1] in failed], 1, site, site_url)
        finally:
            await chromium.close()


async def _each(chromium: _Chromium, reports: list[tuple[Path, Path]], at_once: int, site: Path,
                site_url: str | None) -> dict[Path, InfrastructureError]:
    queue, failed = iter(reports), {}

    async def printer() -> None:
        page = None  # one tab per printer, kept from report to report: a new one costs a renderer's start
        try:
            for html, pdf in queue:
                try:
                    if page is None or not page.context.browser.is_connected():
                        page = await chromium.new_page()
                    await _print_report(chromium, page, html, pdf, site, site_url)
                except InfrastructureError as exc:
                    failed[pdf] = exc
                    await _close(page)
                    page = None
        finally:
            await _close(page)

    await asyncio.gather(*(printer() for _ in range(min(at_once, len(reports)))))
    return failed


class _Chromium:
    """The one browser of a publish step, started when first needed and again after it died.

    Its command line carries a marker, so that a browser that hangs (and answers no close)
    is found and killed with its process group, helpers included, even while it starts; the
    groups are remembered, so the helpers of a browser that was killed go too.
    """

    def __init__(self, playwright: Playwright, executable: str) -> None:
        self.playwright, self.executable = playwright, executable
        self.browser: Browser | None = None
        self.starts, self.starting = 0, asyncio.Lock()
        self.groups: list[int] = []  # the process groups of the browsers started, helpers included

    @property
    def marker(self) -> str:
        return f"--jaarverslag-print={os.getpid()}-{self.starts}"

    async def get(self) -> Browser:
        from playwright.async_api import Error

        async with self.starting:
            if self.browser is None or not self.browser.is_connected():
                self.kill()  # what is left of one that died: its helpers may outlive it a while
                self.starts += 1
                launch = self.playwright.chromium.launch(executable_path=self.executable, args=[*CHROMIUM_FLAGS, self.marker], timeout=0)
                try:
                    self.browser = await asyncio.wait_for(launch, LAUNCH_TIMEOUT)
                except TimeoutError:
                    self.kill()
                    raise InfrastructureError(f"chromium did not start within {LAUNCH_TIMEOUT:.0f} s") from None
                except Error as exc:
                    self.kill()
                    raise InfrastructureError(f"chromium did not start: {exc.message.splitlines()[0]}") from None
                self.groups += self._marked()
            return self.browser

    async def new_page(self) -> Page:
        """A tab in a context of its own."""
        from playwright.async_api import Error

        browser = await self.get()
        try:
            return await asyncio.wait_for(browser.new_page(), LAUNCH_TIMEOUT)
        except TimeoutError:
            self.kill(browser)
            raise InfrastructureError(f"chromium did not open a page within {LAUNCH_TIMEOUT:.0f} s") from None
        except Error as exc:
            raise InfrastructureError(f"chromium did not open a page: {exc.message.splitlines()[0]}") from None

    def kill(self, browser: Browser | None = None) -> None:
        """Kill the browser being started, or browser unless it has been replaced (after it died)."""
        if browser is not None and browser is not self.browser:
            return
        self.browser = None  # the next report starts another
        for group in {*self.groups, *self._marked()}:  # a helper stays in its group when the browser is gone
            with contextlib.suppress(OSError):
                os.killpg(group, signal.SIGKILL)
        self.groups = []

    def _marked(self) -> list[int]:
        """The browser of the current start, found by its marker: Chromium leads its process group."""
        marker, found = self.marker.encode(), []
        for entry in Path("/proc").iterdir():
            with contextlib.suppress(OSError):
                if entry.name.isdigit() and marker in (entry / "cmdline").read_bytes().split(b"\0"):
                    found.append(int(entry.name))
        return found

    async def close(self) -> None:
        from playwright.async_api import Error

        if self.browser is not None and self.browser.is_connected():
            with contextlib.suppress(Error, TimeoutError):
                await asyncio.wait_for(self.browser.close(), CLOSE_TIMEOUT)
        self.kill()  # whatever did not close, and the helpers of a browser that died


async def _print_report(chromium: _Chromium, page: Page, html: Path, pdf: Path, site: Path, site_url: str | None) -> None:
    """Print html to pdf on page, twice when the contents reserve page numbers; pdf replaced only on success."""
    from playwright.async_api import Error

    limit = timeout_for(html)
    draft = pdf.with_name(f".{pdf.stem}.draft.tmp{pdf.suffix}")  # a temporary name the build lock clears

    async def within(step: Awaitable) -> Any:
        try:
            return await asyncio.wait_for(step, limit)
        except TimeoutError:
            chromium.kill(page.context.browser)  # it may be the browser that hangs
            raise InfrastructureError(f"chromium did not finish printing {html} within {limit:.0f} s") from None

    try:
        text = filled = html.read_text(encoding="utf-8")
        targets = [m[1] for m in TOC_PAGE.finditer(text)]
        guess = await asyncio.to_thread(_likely_numbers, pdf, targets)  # from the edition this print replaces
        await within(page.goto(html.resolve().as_uri(), timeout=0))
        if guess:
            await within(page.evaluate(FILL, guess))
        draft.write_bytes(await within(page.pdf(**PDF)))
        if targets:
            pages = await asyncio.to_thread(destination_pages, draft)
            numbers = {target: str(pages.get(target, "")) for target in targets}
            if numbers != guess:  # printed without its own page numbers: once more, with them
                await within(page.evaluate(FILL, numbers))
                draft.write_bytes(await within(page.pdf(**PDF)))
            filled = TOC_PAGE.sub(lambda m: f'<span class="toc-page" data-target="{m[1]}">{numbers[m[1]]}</span>', text)
            if filled != text:
                await asyncio.to_thread(write_atomic, html, filled)
        await asyncio.to_thread(finish, draft, filled if targets else None, site, site_url)
        os.replace(draft, pdf)
    except Error as exc:
        raise InfrastructureError(f"chromium could not print {html}: {exc.message.splitlines()[0]}") from None
    finally:
        draft.unlink(missing_ok=True)


def _likely_numbers(pdf: Path, targets: list[str]) -> dict[str, str]:
    """The page of each of targets in the edition a print replaces; {} when there is none, it cannot be read or
    lacks a target. Printed with them, a report whose pages did not move needs one print, not two (checked on
    the new PDF, and printed again when they moved)."""
    import pikepdf

    if not targets:
        return {}
    try:
        pages = destination_pages(pdf) if pdf.is_file() else {}
    except (pikepdf.PdfError, OSError, KeyError, IndexError, TypeError):  # a damaged file: printed twice, as without one
        return {}
    return {t: str(pages[t]) for t in targets} if all(t in pages for t in targets) else {}


async def _close(page: Page | None) -> None:
    """Close page and its context, if they still can be."""
    from playwright.async_api import Error

    if page is not None:
        with contextlib.suppress(Error, TimeoutError):
            await asyncio.wait_for(page.close(), CLOSE_TIMEOUT)


def finish(pdf: Path, html: str | None, site: Path, site_url: str | None) -> None:
    """Mend the outline (when html, the page printed, has contents), make its links work on the web and its
    words whole: one rewrite, by qpdf (pikepdf), in a tenth of the time pypdf took."""
    import pikepdf

    with pikepdf.open(pdf) as document:
        mended = mend_outline(document, html) if html is not None else False
        linked, whole = web_links(document, site, site_url), whole_words(document)
        if mended or linked or whole:
            tmp = temporary(pdf)
            document.save(tmp)
    if mended or linked or whole:
        os.replace(tmp, pdf)


def mend_outline(document: pikepdf.Pdf, html: str) -> bool:
    """Chromium drops the space where a heading wraps ("extremisme enradicalisering"): take each
    bookmark's title from the heading it was made from, matched without white space. True when changed."""
    import pikepdf

    headings = {}
    for heading in HEADING.findall(html):
        title = " ".join(unescape(TAG.sub("", heading)).replace("\u00ad", "").replace("¶", "").split())
        headings.setdefault(re.sub(r"\s+", "", title), title)
    changed = False
    for item in _outline_items(document.Root.get("/Outlines")):
        title = str(item.get("/Title", ""))
        better = headings.get(re.sub(r"\s+", "", title))
        if better and better != title:
            item.Title = pikepdf.String(better)
            changed = True
    return changed


def web_links(document: pikepdf.Pdf, site: Path, site_url: str | None) -> bool:
    """A PDF travels without the site beside it: Chromium writes each relative link as a file: URL on
    the build machine, which no reader can open. A link into the site becomes the same path under
    site_url (ending in '/'); without site_url, or outside the site, the link is removed (its text stays).
    True when changed."""
    import pikepdf

    root = site.resolve().as_uri() + "/"
    changed = False
    for page in document.pages:
        if "/Annots" not in page.obj:
            continue
        kept = pikepdf.Array()
        for annotation in page.obj.Annots:
            action = annotation.get("/A")
            uri = str(action.get("/URI", "")) if action is not None else ""
            if uri.startswith("file:"):
                changed = True
                if not (site_url and uri.startswith(root)):
                    continue
                action.URI = pikepdf.String(site_url + uri.removeprefix(root))
            kept.append(annotation)
        page.obj.Annots = kept
    return changed


SOFT_HYPHEN_TEXT = re.compile(rb"/ActualText <FEFF((?:[0-9A-Fa-f]{4})*)>")


def whole_words(document: pikepdf.Pdf) -> bool:
    """Copying or searching a word gives the word: Chromium writes every soft hyphen it did not break at as a
    marked span whose text is U+00AD, so "woninginbraken" would be found nowhere. Those U+00AD go; the
    drawing stays as it is (a line broken at a soft hyphen keeps its visible hyphen). True when changed."""
    import pikepdf

    def without(match: re.Match) -> bytes:
        units = [match[1][i:i + 4] for i in range(0, len(match[1]), 4)]
        return b"/ActualText <FEFF" + b"".join(u for u in units if u.upper() != b"00AD") + b">"

    changed = False
    for page in document.pages:
        if "/Contents" not in page.obj:
            continue
        page.contents_coalesce()
        data = page.obj.Contents.read_bytes()
        cleaned = SOFT_HYPHEN_TEXT.sub(without, data)
        if cleaned != data:
            page.obj.Contents.write(zlib.compress(cleaned), filter=pikepdf.Name.FlateDecode)
            changed = True
    return changed


def _outline_items(node: object) -> list:
    """Every bookmark below an outline node, depth first."""
    items = []
    child = node.get("/First") if node is not None else None
    while child is not None:
        items += [child, *_outline_items(child)]
        child = child.get("/Next")
    return items


def destination_pages(pdf: Path) -> dict[str, int]:
    """The page (from 1) of every named destination Chromium wrote for an element id (the catalogue's /Dests,
    or a /Names tree as other writers use)."""
    import pikepdf

    with pikepdf.open(pdf) as document:
        pages = {page.obj.objgen: number for number, page in enumerate(document.pages, 1)}
        named = dict(document.Root.Dests.items()) if "/Dests" in document.Root else {}
        if "/Names" in document.Root and "/Dests" in document.Root.Names:
            named |= dict(pikepdf.NameTree(document.Root.Names.Dests).items())
        found = {}
        for name, destination in named.items():
            target = destination.get("/D") if isinstance(destination, pikepdf.Dictionary) else destination
            found[str(name).lstrip("/")] = pages.get(target[0].objgen, 0)
        return found
