"""PDFs printed by Debian's Chromium, headless: A4, running header and page numbers from the page's print
CSS, bookmarks (the outline) from its headings, and page numbers in the contents from a second pass.

One Chromium prints every report of a publish step, driven over the DevTools protocol on its pipe
(devtools.py; Debian's chromium, never a downloaded browser): starting a browser costs about as
much as printing a report, and PAGES reports print at once, one per core, each in a tab kept from
report to report. It prints in a thread beside the publish step (`Printer`), so each report is
printed while the next is assembled.

Chromium has no CSS target-counter(), so the contents' page numbers are found by printing
once, reading the page each named destination (an element id) landed on, filling the
numbers into the contents' reserved boxes (in the file, and in the page still loaded), and
printing again: the boxes keep their size, so the pages do not move. Likely numbers, filled in
before the first print, spare the second whenever they prove right: those of the PDF the print
replaces, or else those found for the last report of this step with the same contents entries
(the districts' reports of a year are alike). Without them the first print is an untagged
draft: tagging does not move a line, and only the PDF a reader gets needs it.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import queue
import re
import shutil
import signal
import tempfile
import threading
import zlib
from collections.abc import Awaitable, Callable
from html import unescape
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import InfrastructureError, JaarverslagError
from ..files import temporary, write_atomic
from .devtools import Browser, ProtocolError, Tab

if TYPE_CHECKING:
    import pikepdf

CHROMIUM = "chromium"
PDF = {"paperWidth": 8.27, "paperHeight": 11.7, "marginTop": 0, "marginBottom": 0, "marginLeft": 0, "marginRight": 0,
       "preferCSSPageSize": True, "generateDocumentOutline": True, "generateTaggedPDF": True}  # A4 in inches; the page CSS sets it
PAGES = min(os.cpu_count() or 2, 8)  # reports printed at once: one per core (measured on 2: 3 or 4 are slower)
TOC_PAGE = re.compile(r'<span class="toc-page" data-target="([^"]+)">[^<]*</span>')
FILL = """numbers => { for (const box of document.querySelectorAll('span.toc-page[data-target]'))
  if (box.getAttribute('data-target') in numbers) box.textContent = numbers[box.getAttribute('data-target')]; }"""
# pikepdf is imported where it is used: a run that prints nothing does not load it.
HEADING = re.compile(r"<h[1-6][^>]*>(.*?)</h[1-6]>", re.S)
TAG = re.compile(r"<[^>]+>")

TIMEOUT_BASE, TIMEOUT_PER_MB = 30.0, 30.0  # seconds: a report's print time grows with its size
LAUNCH_TIMEOUT, CLOSE_TIMEOUT = 30.0, 10.0


def timeout_for(html: Path) -> float:
    """How long Chromium may take for a step of this page: enough for a large report, not minutes for a hung small one."""
    return TIMEOUT_BASE + TIMEOUT_PER_MB * html.stat().st_size / 1e6


class Printer:
    """Prints reports as they are handed in, in a thread of its own beside the caller: Chromium lays out
    and prints one report while Python assembles the next, so a publish step costs about the larger
    of the two, not their sum.

        with Printer(site, site_url) as printer:
            printer.start()              # optional: the browser starts now, before the first report
            printer.add(html, pdf)       # returns at once
        printer.failures                 # by pdf, once the block is left

    Nothing is started until start() or add(). A report that fails (Chromium crashed, hung or
    refused) is printed once more, alone, after the others, in a Chromium started again if it
    died; if that fails too, its previous pdf stays. Leaving the block by an exception
    (SIGTERM, bad data) prints nothing more: the browser is killed and the reports not yet
    printed keep their previous PDF. Chromium missing is a set-up error. Links into the site
    point to site_url (see `web_links`).
    """

    def __init__(self, site: Path, site_url: str | None) -> None:
        self.site, self.site_url = site, site_url
        self.failures: dict[Path, InfrastructureError] = {}
        self._reports: queue.SimpleQueue[tuple[Path, Path] | None] = queue.SimpleQueue()
        self._stopped = threading.Event()
        self._thread: threading.Thread | None = None
        self._chromium: _Chromium | None = None
        self._error: BaseException | None = None
        self._numbers: dict[tuple[str, ...], dict[str, str]] = {}  # the last pages found per contents' targets

    def __enter__(self) -> Printer:
        return self

    def start(self) -> None:
        if self._thread is None:
            executable = shutil.which(CHROMIUM)
            if executable is None:
                raise JaarverslagError("chromium not found: install Debian's package (apt-get install chromium) to print PDFs")
            self._thread = threading.Thread(target=self._run, args=(executable,), name="jaarverslag-printer", daemon=True)
            self._thread.start()

    def add(self, html: Path, pdf: Path) -> None:
        self.start()
        self._reports.put((html, pdf))

    def __exit__(self, kind: type | None, *_: object) -> None:
        if self._thread is None:
            return
        self._reports.put(None)  # no more reports
        if kind is not None:
            self._stop()
            return
        try:
            self._thread.join()
        except BaseException:  # SIGTERM or Ctrl-C while the last reports print
            self._stop()
            raise
        if self._error is not None:
            raise self._error

    def _stop(self) -> None:
        """Print nothing more, and end before the caller goes on (and gives up the build lock)."""
        self._stopped.set()
        if self._chromium is not None:
            self._chromium.kill()  # what it prints now fails at once
        self._thread.join(CLOSE_TIMEOUT)

    def _run(self, executable: str) -> None:
        try:
            self.failures = asyncio.run(self._print_all(executable))
        except BaseException as exc:  # handed to the caller's thread
            self._error = exc

    async def _print_all(self, executable: str) -> dict[Path, InfrastructureError]:
        async def handed_in() -> tuple[Path, Path] | None:
            report = await asyncio.to_thread(self._reports.get)
            if report is None:
                self._reports.put(None)  # for the other printers
            return None if self._stopped.is_set() else report

        self._chromium = _Chromium(executable)
        try:
            pages: list[Tab | None] = [None] * PAGES  # a tab per report printed at once
            with contextlib.suppress(InfrastructureError):  # while the first report is assembled; if it fails, so does that report
                await self._chromium.get()
                pages = list(await asyncio.gather(*(self._chromium.new_page() for _ in pages)))
            again = iter(await self._each(handed_in, pages))  # printed again alone: it takes no other report down with it

            async def retried() -> tuple[Path, Path] | None:
                return None if self._stopped.is_set() else next(again, None)

            return {pdf: exc for (_, pdf), exc in (await self._each(retried, [None])).items()}
        finally:
            await self._chromium.close()

    async def _each(self, next_report: Callable[[], Awaitable[tuple[Path, Path] | None]],
                    pages: list[Tab | None]) -> dict[tuple[Path, Path], InfrastructureError]:
        """Print what next_report hands out until it hands out None, a report per tab of pages (None: opened when
        needed) at a time; the failures."""
        failed: dict[tuple[Path, Path], InfrastructureError] = {}

        async def printer(page: Tab | None) -> None:
            """Print in page, kept from report to report (a new one costs a renderer's start)."""
            try:
                while (report := await next_report()) is not None:
                    html, pdf = report
                    try:
                        if page is None or not page.browser.connected:
                            page = await self._chromium.new_page()
                        await _print_report(self._chromium, page, html, pdf, self.site, self.site_url, self._numbers)
                    except InfrastructureError as exc:
                        failed[report] = exc
                        await _close(page)
                        page = None
            finally:
                await _close(page)

        await asyncio.gather(*(printer(page) for page in pages))
        return failed


class _Chromium:
    """The one browser of a publish step, started when first needed and again after it died.

    Its command line carries a marker, so that a browser that hangs (and answers no close)
    is found and killed with its process group, helpers included, even while it starts; the
    groups are remembered, so the helpers of a browser that was killed go too. Each start
    has a profile folder of its own, removed at the end.
    """

    def __init__(self, executable: str) -> None:
        self.executable = executable
        self.browser: Browser | None = None
        self.starts, self.starting = 0, asyncio.Lock()
        self.groups: list[int] = []  # the process groups of the browsers started, helpers included
        self.profiles: list[str] = []

    @property
    def marker(self) -> str:
        return f"--jaarverslag-print={os.getpid()}-{self.starts}"

    async def get(self) -> Browser:
        async with self.starting:
            if self.browser is None or not self.browser.connected:
                self.kill()  # what is left of one that died: its helpers may outlive it a while
                self.starts += 1
                # in the run's scratch folder (engine/janitor.py): TMPDIR as it is now, not as tempfile first found it
                self.profiles.append(tempfile.mkdtemp(prefix="jaarverslag-chromium-", dir=os.environ.get("TMPDIR")))
                launch = Browser.launch(self.executable, [f"--user-data-dir={self.profiles[-1]}", self.marker])
                try:
                    self.browser = await asyncio.wait_for(launch, LAUNCH_TIMEOUT)
                except TimeoutError:
                    self.kill()
                    raise InfrastructureError(f"chromium did not start within {LAUNCH_TIMEOUT:.0f} s") from None
                except (ProtocolError, OSError) as exc:
                    self.kill()
                    raise InfrastructureError(f"chromium did not start: {exc}") from None
                self.groups += self._marked()
            return self.browser

    async def new_page(self) -> Tab:
        """A tab in a context of its own, showing pages in print media: a report is laid out once for print
        as it loads, not for the screen first (about a tenth less work per report)."""
        browser = await self.get()
        try:
            return await asyncio.wait_for(Tab.open(browser), LAUNCH_TIMEOUT)
        except TimeoutError:
            self.kill(browser)
            raise InfrastructureError(f"chromium did not open a page within {LAUNCH_TIMEOUT:.0f} s") from None
        except ProtocolError as exc:
            raise InfrastructureError(f"chromium did not open a page: {exc}") from None

    def kill(self, browser: Browser | None = None) -> None:
        """Kill the browser being started, or browser unless it has been replaced (after it died); from any thread."""
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
        if self.browser is not None:
            with contextlib.suppress(TimeoutError):
                await self.browser.close(CLOSE_TIMEOUT)
        self.kill()  # whatever did not close, and the helpers of a browser that died
        for profile in self.profiles:
            shutil.rmtree(profile, ignore_errors=True)


async def _print_report(chromium: _Chromium, page: Tab, html: Path, pdf: Path, site: Path, site_url: str | None,
                        found: dict[tuple[str, ...], dict[str, str]]) -> None:
    """Print html to pdf on page, twice when the contents reserve page numbers and the likely ones (of its previous
    edition, or in found: by targets, the last numbers of this step) prove wrong; pdf replaced only on success."""
    limit = timeout_for(html)
    draft = pdf.with_name(f".{pdf.stem}.draft.tmp{pdf.suffix}")  # a temporary name the build lock clears

    async def within(step: Awaitable) -> Any:
        try:
            return await asyncio.wait_for(step, limit)
        except TimeoutError:
            chromium.kill(page.browser)  # it may be the browser that hangs
            raise InfrastructureError(f"chromium did not finish printing {html} within {limit:.0f} s") from None

    try:
        text = filled = html.read_text(encoding="utf-8")
        targets = [m[1] for m in TOC_PAGE.finditer(text)]
        guess = await asyncio.to_thread(_likely_numbers, pdf, targets) or found.get(tuple(targets), {})
        await within(page.goto(html.resolve().as_uri()))
        if guess:
            await within(page.call(FILL, guess))
        # without likely numbers the first print is a draft that only finds them: untagged, a reader never gets it
        draft.write_bytes(await within(page.pdf(**{**PDF, "generateTaggedPDF": bool(guess) or not targets})))
        if targets:
            pages = await asyncio.to_thread(destination_pages, draft)
            numbers = found[tuple(targets)] = {target: str(pages.get(target, "")) for target in targets}
            if numbers != guess:  # a draft, or printed with numbers that moved: once more, with its own
                await within(page.call(FILL, numbers))
                draft.write_bytes(await within(page.pdf(**PDF)))
            filled = TOC_PAGE.sub(lambda m: f'<span class="toc-page" data-target="{m[1]}">{numbers[m[1]]}</span>', text)
            if filled != text:  # written first under a name that is no page: Pagefind may be reading the site meanwhile
                await asyncio.to_thread(write_atomic, html, filled, temporary(html.with_suffix("")))
        await asyncio.to_thread(finish, draft, filled if targets else None, site, site_url)
        os.replace(draft, pdf)
    except ProtocolError as exc:
        raise InfrastructureError(f"chromium could not print {html}: {exc}") from None
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


async def _close(page: Tab | None) -> None:
    """Close page and its context, if they still can be."""
    if page is not None and page.browser.connected:
        with contextlib.suppress(ProtocolError, TimeoutError):
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

    headings, changed = heading_titles(html), False
    for item in _outline_items(document.Root.get("/Outlines")):
        title = str(item.get("/Title", ""))
        better = headings.get(re.sub(r"\s+", "", title))
        if better and better != title:
            item.Title = pikepdf.String(better)
            changed = True
    return changed


def heading_titles(html: str) -> dict[str, str]:
    """Each heading's title as a reader sees it, by the title without white space (as Chromium may write it)."""
    headings: dict[str, str] = {}
    for heading in HEADING.findall(html):
        title = " ".join(unescape(TAG.sub("", heading)).replace("\u00ad", "").replace("¶", "").split())
        headings.setdefault(re.sub(r"\s+", "", title), title)
    return headings


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


def without_soft_hyphens(match: re.Match) -> bytes:
    """A SOFT_HYPHEN_TEXT match without its U+00AD."""
    units = [match[1][i:i + 4] for i in range(0, len(match[1]), 4)]
    return b"/ActualText <FEFF" + b"".join(u for u in units if u.upper() != b"00AD") + b">"


def whole_words(document: pikepdf.Pdf) -> bool:
    """Copying or searching a word gives the word: Chromium writes every soft hyphen it did not break at as a
    marked span whose text is U+00AD, so "woninginbraken" would be found nowhere. Those U+00AD go; the
    drawing stays as it is (a line broken at a soft hyphen keeps its visible hyphen). True when changed."""
    import pikepdf

    changed = False
    for page in document.pages:
        if "/Contents" not in page.obj:
            continue
        page.contents_coalesce()
        data = page.obj.Contents.read_bytes()
        cleaned = SOFT_HYPHEN_TEXT.sub(without_soft_hyphens, data)
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
