"""Page-image checks of a printed report, as a reader leafing through it would find fault.

- a heading in the last quarter of a page's text area with fewer than three lines after it on that page, or
  with a gap under what follows it (its table or chart was pushed to the next page);
- a page more than half empty that is not followed by the start of a part, chapter or appendix.

Headings are the PDF's bookmarks (Chromium makes one per heading, with its position); text lines come
from `pdftotext -bbox-layout`; the filled height of a page from its image (`pdftoppm`), so charts count.
"""

from __future__ import annotations

import re
import subprocess
import tempfile
from pathlib import Path

import numpy as np
from PIL import Image
from pypdf import PdfReader

TOP, BOTTOM = 18 / 25.4 * 72, 20 / 25.4 * 72  # pt: the report template's @page margins
FOOT = 0.25  # share of the text area at a page's foot where a heading may not end up alone
GAP = 0.08  # share of the text area left empty under a heading's last lines: what came next did not fit
LINE = re.compile(r'<line xMin="[\d.]+" yMin="([\d.]+)"')


def bookmarks(reader: PdfReader, items: list | None = None, depth: int = 0):
    """(depth, title, page from 0, top in pt) of every bookmark, in outline order."""
    for item in reader.outline if items is None else items:
        if isinstance(item, list):
            yield from bookmarks(reader, item, depth + 1)
        else:
            yield depth, " ".join(item.title.split()), reader.get_destination_page_number(item), float(item["/Top"])


def _lines(pdf: Path) -> dict[int, list[float]]:
    """Top of every text line (pt from the page top), per page (from 0)."""
    xml = subprocess.run(["pdftotext", "-bbox-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    return {number: [float(y) for y in LINE.findall(page)] for number, page in enumerate(xml.split("<page ")[1:])}


def _filled(pdf: Path, pages: int, height: float) -> list[float]:
    """How far down each page's text area is filled (0 to 1), from page images: the lowest non-white pixel row."""
    filled = []
    with tempfile.TemporaryDirectory() as folder:
        subprocess.run(["pdftoppm", "-r", "30", "-gray", "-png", str(pdf), f"{folder}/p"], check=True)
        for image in sorted(Path(folder).glob("p-*.png"))[:pages]:
            pixels = np.asarray(Image.open(image).convert("L"))
            scale = pixels.shape[0] / height
            top, bottom = round(TOP * scale), round((height - BOTTOM) * scale)
            rows = np.flatnonzero(pixels[top:bottom].min(axis=1) < 200)
            filled.append(rows[-1] / (bottom - top) if len(rows) else 0.0)
    return filled


def defects(pdf: Path) -> list[str]:
    reader = PdfReader(pdf)
    height = float(reader.pages[0].mediabox.height)
    area = height - TOP - BOTTOM
    lines, marks = _lines(pdf), list(bookmarks(reader))
    filled = _filled(pdf, len(reader.pages), height)
    found = []
    starts = {page for depth, _, page, top in marks if depth <= 1 and height - top < TOP + 0.1 * area}
    for _, title, page, top in marks:
        y = height - top  # from the page top
        after = [line for line in lines.get(page, []) if y + 4 < line < height - BOTTOM]  # not itself, not the footer
        ends = page + 1 in starts  # the next page opens a part or chapter: all the section has is on this page
        if y - TOP > (1 - FOOT) * area and (len(after) < 3 or filled[page] < 1 - GAP) and not ends:
            found.append(f"p. {page + 1}: heading '{title}' at the foot of the page, what follows it on the next")
    for page, share in enumerate(filled[:-1]):
        if share < 0.5 and page + 1 not in starts:
            found.append(f"p. {page + 1}: {round(100 * (1 - share))}% empty before p. {page + 2}, which starts no part or chapter")
    return found


if __name__ == "__main__":  # python tests/pages.py REPORT.pdf ...: list what a reader would find
    import sys

    for argument in sys.argv[1:]:
        print(argument, *defects(Path(argument)) or ["no defects"], sep="\n  ")
