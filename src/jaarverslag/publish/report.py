"""Per (year, region) one self-contained HTML report and its PDF, plus the index page.

A report is assembled from the batch's executed notebooks (nothing runs twice): a title
page, a table of contents with working links, the chapters in the batch's part order,
and a provenance footer taken from the manifest.
"""

from __future__ import annotations

from html import escape

import nbformat

from ..engine.layout import Layout
from ..engine.manifest import Manifest
from ..engine.render import html_exporter
from ..files import write_atomic
from ..inputs import Dataset
from ..inputs.params import Batch
from ..inputs.sources import demo_notice
from .index import Report, published, render_index
from .pdf import print_pdf
from .provenance import Provenance


def _markdown(text: str, name: str) -> nbformat.NotebookNode:
    """A cell of the report's own; a fixed id, so the same report is the same page byte for byte."""
    return nbformat.v4.new_markdown_cell(text, id=f"jaarverslag-{name}")


def assemble(batch: Batch, data: Dataset, layout: Layout, manifest: Manifest, year: int, region: str
             ) -> nbformat.NotebookNode:
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
    footer_text = Provenance.of(manifest, year, region, rendered).text(data.data_dir)
    footer = _markdown(f'<footer class="provenance">\n\n{footer_text}\n\n</footer>', "herkomst")
    report = nbformat.v4.new_notebook(cells=front + chapters + [footer])
    report.metadata.update({"title": f"Jaarverslag {year} – {region_name}", "kernelspec": {"name": "python3", "display_name": "Python 3"}})
    return report


def publish(batch: Batch, data: Dataset, layout: Layout, pdf: bool = True, index_batch: Batch | None = None) -> list[Report]:
    """Assemble every (year, region) report of batch that has rendered chapters, print its PDF, write the index.

    The index lists every report of index_batch (default: batch) found in the site, so
    publishing a single year keeps the other years' links.
    """
    exporter = html_exporter()
    manifest = Manifest(layout)
    reports = []
    for year, region in batch.reports():
        if not layout.rendered(year, region, batch.notebooks):
            continue
        html = layout.report(year, region)
        body, _ = exporter.from_notebook_node(assemble(batch, data, layout, manifest, year, region))
        write_atomic(html, body)
        if pdf:
            print_pdf(html, layout.pdf(year, region))
        reports.append(Report.of(batch, data, layout, year, region))
    write_atomic(layout.index, render_index(published(index_batch or batch, data, layout), layout.site))
    return reports
