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
import subprocess
import tempfile
from html import unescape
from pathlib import Path

from pypdf import PdfReader, PdfWriter
from pypdf.generic import NameObject, TextStringObject

from ..errors import InfrastructureError, JaarverslagError
from ..files import temporary, write_atomic

CHROMIUM = "chromium"
CHROMIUM_FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-pdf-header-footer", "--generate-pdf-document-outline",
)
TOC_PAGE = re.compile(r'<span class="toc-page" data-target="([^"]+)">[^<]*</span>')
logging.getLogger("pypdf").setLevel(logging.ERROR)  # Chromium's PDFs make pypdf warn about harmless trailer sizes
HEADING = re.compile(r"<h[1-6][^>]*>(.*?)</h[1-6]>", re.S)
TAG = re.compile(r"<[^>]+>")


def print_pdf(html: Path, pdf: Path) -> None:
    """Print html to pdf with headless Chromium; pdf replaced only on success.

    Chromium missing is a set-up error; Chromium failing or hanging is an InfrastructureError.
    """
    if shutil.which(CHROMIUM) is None:
        raise JaarverslagError("chromium not found: install Debian's package (apt-get install chromium) to print PDFs")
    tmp = temporary(pdf)
    with tempfile.TemporaryDirectory(prefix="jaarverslag-chromium-") as profile:
        try:
            result = subprocess.run(
                [CHROMIUM, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", f"--print-to-pdf={tmp}", html.resolve().as_uri()],
                capture_output=True, text=True, timeout=180, check=False,
            )
        except subprocess.TimeoutExpired:
            tmp.unlink(missing_ok=True)
            raise InfrastructureError(f"chromium did not finish printing {html} within 180 s") from None
    if result.returncode != 0 or not tmp.is_file():
        tmp.unlink(missing_ok=True)
        raise InfrastructureError(f"chromium could not print {html}: {result.stderr.strip()[-500:]}")
    os.replace(tmp, pdf)


def print_numbered(html: Path, pdf: Path) -> None:
    """Print html to pdf; when its contents reserve page numbers, fill them in (html too) and print again."""
    print_pdf(html, pdf)
    text = html.read_text(encoding="utf-8")
    if not TOC_PAGE.search(text):
        return
    pages = destination_pages(pdf)
    filled = TOC_PAGE.sub(lambda m: f'<span class="toc-page" data-target="{m[1]}">{pages.get(m[1], "")}</span>', text)
    if filled != text:
        write_atomic(html, filled)
        print_pdf(html, pdf)
    mend_outline(pdf, filled)


def mend_outline(pdf: Path, html: str) -> None:
    """Chromium drops the space where a heading wraps ("extremisme enradicalisering"): take each
    bookmark's title from the heading it was made from, matched without white space."""
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
    reader = PdfReader(pdf)
    return {str(name).lstrip("/"): reader.get_destination_page_number(dest) + 1
            for name, dest in reader.named_destinations.items()}
