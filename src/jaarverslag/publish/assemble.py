"""One report as one self-contained HTML page, assembled from the executed notebooks.

Nothing runs twice: a title page, a table of contents with working links, the chapters
in the batch's part order, and the provenance footer, converted by the same nbconvert
exporter as the chapters.
"""

from __future__ import annotations

from html import escape

import nbformat

from ..engine.layout import Layout
from ..engine.render import html_exporter
from ..inputs import Dataset
from ..inputs.params import Batch
from ..inputs.sources import demo_notice


def _markdown(text: str, name: str) -> nbformat.NotebookNode:
    """A cell of the report's own; a fixed id, so the same report is the same page byte for byte."""
    return nbformat.v4.new_markdown_cell(text, id=f"jaarverslag-{name}")


def assemble(batch: Batch, data: Dataset, layout: Layout, year: int, region: str, provenance: str) -> nbformat.NotebookNode:
    """One notebook holding the whole report of (year, region)."""
    region_name = data.region_name(region)
    rendered = layout.rendered(year, region, batch.notebooks)
    missing = [c for c in batch.notebooks if c not in rendered]
    chapters, toc = [], []
    for number, part in enumerate(batch.parts, 1):
        toc.append(f"- **{part.title}**")
        chapters.append(_markdown(f'<h1 class="part">{escape(part.title)}</h1>', f"deel-{number}"))
        first = True
        for chapter in (c.notebook for c in part.chapters if c.notebook in rendered):
            nb = nbformat.read(layout.notebook(year, region, chapter), as_version=4)
            title = nb.metadata.get("title", chapter)
            toc.append(f"    - [{title}](#hoofdstuk-{chapter})")
            anchor = f'<div class="chapter{" first" if first else ""}" id="hoofdstuk-{chapter}"></div>'
            chapters.append(_markdown(anchor, chapter))
            first = False
            chapters += nb.cells  # the exporter drops parameter and remove-cell cells
    gaps = f"\n\n*Niet beschikbaar in deze versie: {', '.join(missing)}.*" if missing else ""
    front = [
        _markdown(f'<div class="title-page">\n\n# Jaarverslag {year}\n\n## {region_name}\n\n</div>'
                  f'{demo_notice(data, year, region)}', "titel"),
        _markdown("## Inhoud\n\n" + "\n".join(toc) + gaps, "inhoud"),
    ]
    footer = _markdown(f'<footer class="provenance">\n\n{provenance}\n\n</footer>', "herkomst")
    report = nbformat.v4.new_notebook(cells=front + chapters + [footer])
    report.metadata.update({"title": f"Jaarverslag {year} – {region_name}", "kernelspec": {"name": "python3", "display_name": "Python 3"}})
    return report


def page(batch: Batch, data: Dataset, layout: Layout, year: int, region: str, provenance: str) -> str:
    """The report of (year, region) as HTML."""
    body, _ = html_exporter().from_notebook_node(assemble(batch, data, layout, year, region, provenance))
    return body
