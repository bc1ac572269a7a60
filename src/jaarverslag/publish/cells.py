"""A notebook's cells as readers get them: what each cell shows, in plain HTML, and never its code.

nbconvert's page wraps every cell in JupyterLab's markup and ships its 240 KB of CSS; a report
page needs only the outputs. Each cell becomes a `<div class="cell">` (the print CSS keeps a
heading's cell with the next one); markdown is rendered with mistune, headings get the id
nbconvert gave them (their text, spaces as hyphens), so links into earlier editions still land;
charts are SVG files beside the page, loaded lazily, with their size and alt text.
"""

from __future__ import annotations

import hashlib
import re
from html import escape, unescape
from pathlib import Path

import mistune
import nbformat

from ..engine.tags import REMOVED_TAGS
from ..files import write_atomic

RICHEST = ("image/svg+xml", "text/html", "text/markdown", "image/png", "text/plain")  # what an output is shown as
TAG = re.compile(r"<[^>]+>")


def heading_id(html: str) -> str:
    """nbconvert's id for a heading: its text, spaces as hyphens."""
    return unescape(TAG.sub("", html)).replace(" ", "-")


class _Renderer(mistune.HTMLRenderer):
    def heading(self, text: str, level: int, **attrs: object) -> str:
        return f'<h{level} id="{escape(heading_id(text))}">{text}</h{level}>\n'


_MARKDOWN = mistune.create_markdown(escape=False, renderer=_Renderer(escape=False), plugins=["table", "strikethrough"])


def markdown(text: str) -> str:
    """Markdown as HTML; raw HTML in it passes (the library's own, and narratives it sanitised)."""
    return _MARKDOWN(text)


class Charts:
    """The SVG charts of a set of pages, written as files into folder, each named by its content: a chart
    that did not change keeps its name, and a reader's browser its cached copy."""

    def __init__(self, folder: Path, link: str) -> None:
        self.folder, self.link, self.written = folder, link, set()
        self.labels: dict[str, int] = {}

    def image(self, svg: str, alt: str, width: object, height: object) -> str:
        name = hashlib.sha256(svg.encode()).hexdigest()[:16] + ".svg"
        path = self.folder / name
        if name not in self.written and not (path.is_file() and path.read_text(encoding="utf-8") == svg):
            write_atomic(path, svg)
        self.written.add(name)
        size = f' width="{int(width)}" height="{int(height)}"' if width and height else ""
        # in a box of its own that scrolls sideways on a phone, rather than shrinking its labels below 12 px;
        # a region keyboard users can scroll, named after the chart (its title is quoted in the alt text)
        title = re.search(r"'([^']+)'", alt)
        label = f"Grafiek: {title[1]}" if title else "Grafiek"
        self.labels[label] = self.labels.get(label, 0) + 1
        label += f" ({self.labels[label]})" if self.labels[label] > 1 else ""
        return (f'<div class="chart-scroll" role="region" tabindex="0" aria-label="{escape(label, quote=True)}">'
                f'<img class="chart" src="{self.link}{name}" alt="{escape(alt, quote=True)}"{size} loading="lazy" decoding="async">'
                "</div>")

    def prune(self) -> None:
        """Remove the charts no page shows any more."""
        for path in self.folder.glob("*.svg"):
            if path.name not in self.written:
                path.unlink()


def cell(cell: nbformat.NotebookNode, charts: Charts) -> str:
    """What one cell shows; empty for a cell readers do not see (parameters, remove-cell, no output)."""
    if set(cell.metadata.get("tags", [])) & set(REMOVED_TAGS):
        return ""
    if cell.cell_type == "markdown":
        shown = markdown(cell.source)
    elif cell.cell_type == "code":
        shown = "".join(_output(output, charts) for output in cell.get("outputs", []))
    else:
        shown = ""
    return f'<div class="cell">\n{shown}</div>\n' if shown.strip() else ""


def _output(output: nbformat.NotebookNode, charts: Charts) -> str:
    data = output.get("data", {})
    if output.get("output_type") == "stream":
        return f"<pre>{escape(output.get('text', ''))}</pre>\n"
    kind = next((k for k in RICHEST if k in data), None)
    meta = output.get("metadata", {}).get(kind, {}) if kind else {}
    if kind == "image/svg+xml":
        return charts.image(data[kind], meta.get("alt", ""), meta.get("width"), meta.get("height")) + "\n"
    if kind == "text/html":
        return data[kind] + "\n"
    if kind == "text/markdown":
        return markdown(data[kind])
    if kind == "image/png":
        return f'<img src="data:image/png;base64,{data[kind].strip()}" alt="{escape(meta.get("alt", ""), quote=True)}">\n'
    if kind == "text/plain":
        return f"<pre>{escape(data[kind])}</pre>\n"
    return ""
