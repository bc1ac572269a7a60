"""Publication of the site: per (year, region) the report's HTML and PDF; the index, the site's own
pages and the search index.

Incremental to the end: a report is assembled again only when its key changes (the
manifest keys of its chapters, the report's structure, its provenance and the library's
code) and printed again only when its HTML changed; the index and other pages are
rewritten only when their content differs, and the search index only when a page
changed. What was published is kept in build/publications.json (publish/state.py), so a
run with nothing changed starts no Chromium and imports no nbconvert. Chromium starts with the
first report assembled anew and prints each report while the next is assembled (pdf.Printer).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from ..engine.hashing import library_digest, sha
from ..engine.layout import Layout
from ..engine.manifest import Manifest
from ..engine.progress import line
from ..errors import InfrastructureError
from ..files import write_atomic, write_changed
from ..inputs import Dataset
from ..inputs.params import Batch
from . import pages, search, sitemap
from .data import export
from .index import Report, published, render_index
from .pdf import Printer
from .provenance import Provenance
from .state import Publications


@dataclass(frozen=True)
class Publication:
    report: Report
    assembled: bool  # the HTML was written anew
    printed: bool  # the PDF was printed anew
    failed: str = ""  # why the PDF could not be printed (the previous one, if any, stays)


def report_key(batch: Batch, manifest: Manifest, year: int, region: str, rendered: list[str], provenance: str,
               library: str) -> str:
    """What a report's HTML depends on; its chapters' content is in their manifest keys."""
    structure = [(part.title, [c.notebook for c in part.chapters]) for part in batch.parts]
    chapters = [(c, manifest.get(f"{year}/{region}/{c}").get("key")) for c in rendered]
    return sha(json.dumps([library, structure, chapters, provenance]).encode())


def _assemble(batch: Batch, data: Dataset, layout: Layout, year: int, region: str, provenance: Provenance) -> None:
    """Write the report's pages, its one-page edition and charts; remove the pages and charts it no longer has."""
    from .assemble import CHARTS, book, pages_of, write  # nbformat and mistune: only when a report changed
    from .cells import Charts

    html = layout.report(year, region)
    charts = Charts(html.parent / CHARTS, f"{CHARTS}/")
    report = book(batch, data, layout, year, region, provenance, charts)
    write_atomic(html, write(report, layout, batch, write_changed))
    charts.prune()
    keep = {html.name, *pages_of(report)}
    for page in html.parent.glob("*.html"):
        if page.name not in keep:
            page.unlink()


def publish(batch: Batch, data: Dataset, layout: Layout, pdf: bool = True, index_batch: Batch | None = None,
            force: bool = False, pages_only: bool = False) -> list[Publication]:
    """Bring every report of batch that has rendered chapters up to date, then the index.

    The index lists every report of index_batch (default: batch) found in the site, so
    publishing a single year keeps the other years' links. Chromium failing is retried
    once; a report whose PDF still fails keeps its previous PDF and says so in its
    Publication (`failed`), and everything else is published all the same. pages_only (for
    `jaarverslag preview`, with pdf False): the pages, without data package or search index, so
    no Chromium or Pagefind is started and a narrative edit costs no data export.
    """
    manifest, state, library = Manifest(layout), Publications(layout), library_digest()
    pages.write(data, layout)  # the stylesheet first: the PDFs are printed with it
    link = (batch.base_url or "").encode()  # the PDF's links to the site: a new address prints it again
    assembled: dict[tuple[int, str], bool] = {}
    printing: dict[tuple[int, str], Path] = {}
    unsearched: InfrastructureError | None = None  # pagefind's failure, told once the PDFs are printed
    try:
        with Printer(layout.site, batch.base_url) as printer:  # prints each report while the next is assembled
            for year, region in batch.reports():
                rendered = layout.rendered(year, region, batch.notebooks)
                if not rendered:
                    continue
                name, html = f"{year}/{region}", layout.report(year, region)
                provenance = Provenance.of(manifest, year, region, rendered)
                key = report_key(batch, manifest, year, region, rendered, provenance.text(data.data_dir), library)
                entry = state.entries.get(name, {})
                fresh = assembled[year, region] = force or entry.get("key") != key or not html.is_file()
                if pdf and fresh:
                    printer.start()  # a report assembled anew is likely printed anew: the browser starts meanwhile
                if not pages_only and (fresh or not (layout.report_data(year, region) / "datapackage.json").is_file()):
                    export(data, layout, year, region, [batch.chapter(c) for c in rendered])
                if fresh:
                    _assemble(batch, data, layout, year, region, provenance)
                    entry = {"key": key}
                state.entries[name] = entry
                if pdf and (force or entry.get("pdf") != sha(html.read_bytes(), link) or not layout.pdf(year, region).is_file()):
                    printer.add(html, layout.pdf(year, region))
                    printing[year, region] = html
            if not pages_only:  # while the last reports print: the one-page editions they number are not indexed
                try:
                    search.index(layout, state)  # also after --force, only when an indexed page changed
                except InfrastructureError as exc:
                    unsearched = exc
        failures = printer.failures
        for (year, region), html in printing.items():
            entry = state.entries[f"{year}/{region}"]
            if failure := failures.get(layout.pdf(year, region)):  # this report's PDF only: the others, index and search go on
                entry.pop("pdf", None)  # printed again next run
                line(f"publish: {year}/{region}: PDF not printed, the previous one stays: {failure}")
            else:
                entry["pdf"] = sha(html.read_bytes(), link)  # with the contents' page numbers filled in
    finally:
        state.save()
    done = []
    for (year, region), fresh in assembled.items():
        failure = failures.get(layout.pdf(year, region))
        done.append(Publication(Report.of(batch, data, layout, year, region), fresh,
                                (year, region) in printing and failure is None, str(failure or "")))
    index = render_index(published(index_batch or batch, data, layout), layout.site)
    write_changed(layout.index, index)
    sitemap.write(layout, batch.base_url)
    if unsearched is not None:
        raise unsearched
    return done

