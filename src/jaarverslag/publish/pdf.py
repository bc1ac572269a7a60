"""PDFs printed by Debian's Chromium, headless: A4, running header and page numbers from the page's print
CSS, bookmarks (the outline) from its headings, and page numbers in the contents from a second pass.

Chromium has no CSS target-counter(), so the contents' page numbers are found by printing
once, reading the page each named destination (an element id) landed on, filling the
numbers into the contents' reserved boxes, and printing again: the boxes keep their size,
so the pages do not move.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import signal
import subprocess
import tempfile
from html import unescape
from pathlib import Path

from ..engine.owner import die_with_parent
from ..errors import InfrastructureError, JaarverslagError
from ..files import temporary, write_atomic

CHROMIUM = "chromium"
CHROMIUM_FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-pdf-header-footer", "--generate-pdf-document-outline",
)
TOC_PAGE = re.compile(r'<span class="toc-page" data-target="([^"]+)">[^<]*</span>')
logging.getLogger("pypdf").setLevel(logging.ERROR)  # Chromium's PDFs make pypdf warn about harmless trailer sizes
# pypdf is imported where a PDF is read: a run that prints nothing does not load it.
HEADING = re.compile(r"<h[1-6][^>]*>(.*?)</h[1-6]>", re.S)
TAG = re.compile(r"<[^>]+>")


TIMEOUT_BASE, TIMEOUT_PER_MB = 30.0, 30.0  # seconds: a report's print time grows with its size


def timeout_for(html: Path) -> float:
    """How long Chromium may take for this page: enough for a large report, not minutes for a hung small one."""
    return TIMEOUT_BASE + TIMEOUT_PER_MB * html.stat().st_size / 1e6


def print_pdf(html: Path, pdf: Path) -> None:
    """Print html to pdf with headless Chromium; pdf replaced only on success.

    Chromium missing is a set-up error; Chromium failing or hanging is an InfrastructureError.
    Chromium leads its own process group, killed whole on a timeout, and is killed by the OS
    when this process dies (it never prints on for a run that is gone).
    """
    if shutil.which(CHROMIUM) is None:
        raise JaarverslagError("chromium not found: install Debian's package (apt-get install chromium) to print PDFs")
    tmp, limit = temporary(pdf), timeout_for(html)
    # in the run's scratch folder (TMPDIR, see engine/janitor.py): gone with the run, however it ends
    with tempfile.TemporaryDirectory(prefix="jaarverslag-chromium-", dir=os.environ.get("TMPDIR")) as profile:
        command = [CHROMIUM, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", f"--print-to-pdf={tmp}", html.resolve().as_uri()]
        with subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                              start_new_session=True, preexec_fn=die_with_parent) as chromium:
            try:
                _, stderr = chromium.communicate(timeout=limit)
            except subprocess.TimeoutExpired:
                os.killpg(chromium.pid, signal.SIGKILL)
                chromium.communicate()
                tmp.unlink(missing_ok=True)
                raise InfrastructureError(f"chromium did not finish printing {html} within {limit:.0f} s") from None
    if chromium.returncode != 0 or not tmp.is_file():
        tmp.unlink(missing_ok=True)
        raise InfrastructureError(f"chromium could not print {html}: {stderr.strip()[-500:]}")
    os.replace(tmp, pdf)


def print_numbered(html: Path, pdf: Path, site: Path, site_url: str | None) -> None:
    """Print html to pdf; when its contents reserve page numbers, fill them in (html too) and print again.

    Both passes print beside pdf: a failure in either leaves the previous PDF as it was. Links
    into the site (site) point to site_url in the PDF (see `web_links`).
    """
    draft = pdf.with_name(f".{pdf.stem}.draft.tmp{pdf.suffix}")  # a temporary name the build lock clears
    try:
        print_pdf(html, draft)
        text = html.read_text(encoding="utf-8")
        if TOC_PAGE.search(text):
            pages = destination_pages(draft)
            filled = TOC_PAGE.sub(lambda m: f'<span class="toc-page" data-target="{m[1]}">{pages.get(m[1], "")}</span>', text)
            if filled != text:
                write_atomic(html, filled)
                print_pdf(html, draft)
            mend_outline(draft, filled)
        web_links(draft, site, site_url)
        whole_words(draft)
        os.replace(draft, pdf)
    finally:
        draft.unlink(missing_ok=True)


def mend_outline(pdf: Path, html: str) -> None:
    """Chromium drops the space where a heading wraps ("extremisme enradicalisering"): take each
    bookmark's title from the heading it was made from, matched without white space."""
    from pypdf import PdfWriter
    from pypdf.generic import NameObject, TextStringObject

    headings = {}
    for heading in HEADING.findall(html):
        title = " ".join(unescape(TAG.sub("", heading)).replace("\u00ad", "").replace("¶", "").split())
        headings.setdefault(re.sub(r"\s+", "", title), title)
    writer = PdfWriter(clone_from=pdf)
    changed = False
    for item in _outline_items(writer._root_object.get("/Outlines")):
        title = str(item.get("/Title", ""))
        better = headings.get(re.sub(r"\s+", "", title))
        if better and better != title:
            item[NameObject("/Title")] = TextStringObject(better)
            changed = True
    if changed:
        tmp = temporary(pdf)
        with open(tmp, "wb") as out:
            writer.write(out)
        os.replace(tmp, pdf)


def web_links(pdf: Path, site: Path, site_url: str | None) -> None:
    """A PDF travels without the site beside it: Chromium writes each relative link as a file: URL on
    the build machine, which no reader can open. A link into the site becomes the same path under
    site_url (ending in '/'); without site_url, or outside the site, the link is removed (its text stays)."""
    from pypdf import PdfWriter
    from pypdf.generic import ArrayObject, NameObject, TextStringObject

    root = site.resolve().as_uri() + "/"
    writer = PdfWriter(clone_from=pdf)
    changed = False
    for page in writer.pages:
        kept = ArrayObject()
        for reference in page.get("/Annots") or []:
            action = reference.get_object().get("/A")
            uri = str(action.get_object().get("/URI", "")) if action is not None else ""
            if uri.startswith("file:"):
                changed = True
                if not (site_url and uri.startswith(root)):
                    continue
                action.get_object()[NameObject("/URI")] = TextStringObject(site_url + uri.removeprefix(root))
            kept.append(reference)
        if "/Annots" in page:
            page[NameObject("/Annots")] = kept
    if changed:
        tmp = temporary(pdf)
        with open(tmp, "wb") as out:
            writer.write(out)
        os.replace(tmp, pdf)


SOFT_HYPHEN_TEXT = re.compile(rb"/ActualText <FEFF((?:[0-9A-Fa-f]{4})*)>")


def whole_words(pdf: Path) -> None:
    """Copying or searching a word gives the word: Chromium writes every soft hyphen it did not break at as a
    marked span whose text is U+00AD, so "woninginbraken" would be found nowhere. Those U+00AD go; the
    drawing stays as it is (a line broken at a soft hyphen keeps its visible hyphen)."""
    from pypdf import PdfWriter

    def without(match: re.Match) -> bytes:
        units = [match[1][i:i + 4] for i in range(0, len(match[1]), 4)]
        return b"/ActualText <FEFF" + b"".join(u for u in units if u.upper() != b"00AD") + b">"

    writer = PdfWriter(clone_from=pdf)
    changed = False
    for page in writer.pages:
        content = page.get_contents()
        if content is None:
            continue
        data = content.get_data()
        cleaned = SOFT_HYPHEN_TEXT.sub(without, data)
        if cleaned != data:
            content.set_data(cleaned)
            page.replace_contents(content)
            page.compress_content_streams()
            changed = True
    if changed:
        tmp = temporary(pdf)
        with open(tmp, "wb") as out:
            writer.write(out)
        os.replace(tmp, pdf)


def _outline_items(node: object) -> list:
    """Every bookmark below an outline node, depth first."""
    items = []
    child = node.get_object().get("/First") if node is not None else None
    while child is not None:
        child = child.get_object()
        items += [child, *_outline_items(child)]
        child = child.get("/Next")
    return items


def destination_pages(pdf: Path) -> dict[str, int]:
    """The page (from 1) of every named destination Chromium wrote for an element id."""
    from pypdf import PdfReader

    reader = PdfReader(pdf)
    return {str(name).lstrip("/"): reader.get_destination_page_number(dest) + 1
            for name, dest in reader.named_destinations.items()}
