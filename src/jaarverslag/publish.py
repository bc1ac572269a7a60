"""Publication: per (year, region) one self-contained HTML report and its PDF, plus an index.

A report is assembled from the batch's executed notebooks (nothing runs twice): a
title page, a table of contents with working links, the chapters in the batch's part
order, and a provenance footer (data version, code version, render date). Chromium
from Debian prints the PDF (A4, page numbers from CSS).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from datetime import date
from html import escape
from pathlib import Path

import jinja2
import nbformat
from babel.dates import format_date

from . import __version__
from .batch import library_digest, load_manifest
from .contract import Dataset
from .demo import DEMO_NOTICE, shows_demo_data
from .errors import JaarverslagError
from .files import temporary, write_atomic
from .params import Batch
from .render import html_exporter, outputs

CHROMIUM = "chromium"
CHROMIUM_FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-pdf-header-footer",
)
SITE_TEMPLATES = Path(__file__).parent / "templates" / "site"


@dataclass(frozen=True)
class Report:
    year: int
    region: str
    region_name: str
    html: Path
    pdf: Path | None
    missing: tuple[str, ...]
    demo: bool


def report_paths(build_dir: Path, year: int, region: str) -> tuple[Path, Path]:
    folder = Path(build_dir) / "site" / str(year) / region
    return folder / f"jaarverslag-{year}-{region}.html", folder / f"jaarverslag-{year}-{region}.pdf"


def _markdown(text: str, **metadata) -> nbformat.NotebookNode:
    cell = nbformat.v4.new_markdown_cell(text)
    cell.metadata.update(metadata)
    return cell


def provenance(data: Dataset, build_dir: Path, year: int, region: str) -> str:
    """Data version (the manifest's data hash), code version and render date, in Dutch."""
    manifest = load_manifest(build_dir)
    hashes = {e["hashes"]["data"] for n, e in manifest.items() if n.startswith(f"{year}/{region}/")}
    data_version = ", ".join(sorted(h[:12] for h in hashes)) or "onbekend"
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True,
                                cwd=Path(__file__).parent).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        commit = "onbekend"
    today = format_date(date.today(), format="long", locale="nl_NL")
    return (
        f"Herkomst: gegevensversie `{data_version}` (inhoud van {data.data_dir}), code jaarverslag {__version__} "
        f"(commit `{commit}`, bibliotheek `{library_digest()[:12]}`), gemaakt op {today}."
    )


def assemble(batch: Batch, data: Dataset, build_dir: Path, year: int, region: str) -> tuple[nbformat.NotebookNode, list[str]]:
    """One notebook holding the whole report; also the chapters that were not rendered."""
    region_name = data.region_name(region)
    chapters, toc, missing = [], [], []
    for part in batch.parts:
        toc.append(f"- **{part.title}**")
        chapters.append(_markdown(f'<h1 class="part">{escape(part.title)}</h1>'))
        first = True
        for theme in part.themes:
            executed, _ = outputs(build_dir, year, region, theme)
            if not executed.is_file():
                missing.append(theme)
                continue
            nb = nbformat.read(executed, as_version=4)
            title = nb.metadata.get("title", theme)
            toc.append(f"    - [{title}](#hoofdstuk-{theme})")
            chapters.append(_markdown(f'<div class="chapter{" first" if first else ""}" id="hoofdstuk-{theme}"></div>'))
            first = False
            chapters += nb.cells  # the exporter drops parameter and remove-cell cells
    notice = f"\n\n> {DEMO_NOTICE}" if shows_demo_data(data, year, region) else ""
    gaps = f"\n\n*Niet beschikbaar in deze versie: {', '.join(missing)}.*" if missing else ""
    front = [
        _markdown(f'<div class="title-page">\n\n# Jaarverslag {year}\n\n## {region_name}\n\n</div>{notice}'),
        _markdown("## Inhoud\n\n" + "\n".join(toc) + gaps),
    ]
    footer = _markdown(f'<footer class="provenance">\n\n{provenance(data, build_dir, year, region)}\n\n</footer>')
    report = nbformat.v4.new_notebook(cells=front + chapters + [footer])
    report.metadata.update({"title": f"Jaarverslag {year} – {region_name}", "kernelspec": {"name": "python3", "display_name": "Python 3"}})
    return report, missing


def print_pdf(html: Path, pdf: Path) -> None:
    """Print html to pdf with headless Chromium; pdf replaced only on success."""
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
            raise JaarverslagError(f"chromium did not finish printing {html} within 180 s") from None
    if result.returncode != 0 or not tmp.is_file():
        tmp.unlink(missing_ok=True)
        raise JaarverslagError(f"chromium could not print {html}: {result.stderr.strip()[-500:]}")
    os.replace(tmp, pdf)


def publish(batch: Batch, data: Dataset, build_dir: Path, pdf: bool = True, index_batch: Batch | None = None) -> list[Report]:
    """Assemble every (year, region) report of batch, print its PDF, and write the index page.

    The index lists every report of index_batch (default: batch) found in build/site, so
    publishing a single year keeps the other years' links.
    """
    exporter = html_exporter()
    reports = []
    for year in batch.years:
        for region in batch.regions:
            nb, missing = assemble(batch, data, build_dir, year, region)
            if len(missing) == len(batch.themes):
                continue  # nothing rendered for this (year, region)
            html_path, pdf_path = report_paths(build_dir, year, region)
            body, _ = exporter.from_notebook_node(nb)
            write_atomic(html_path, body)
            if pdf:
                print_pdf(html_path, pdf_path)
            reports.append(_report(data, build_dir, batch, year, region, missing))
    index_batch = index_batch or batch
    listed = [
        _report(data, build_dir, index_batch, year, region)
        for year in index_batch.years for region in index_batch.regions
        if report_paths(build_dir, year, region)[0].is_file()
    ]
    index = Path(build_dir) / "site" / "index.html"
    write_atomic(index, render_index(listed, index.parent))
    return reports


def _report(data: Dataset, build_dir: Path, batch: Batch, year: int, region: str, missing=None) -> Report:
    html, pdf = report_paths(build_dir, year, region)
    if missing is None:
        missing = [t for t in batch.themes if not outputs(build_dir, year, region, t)[0].is_file()]
    return Report(year, region, data.region_name(region), html, pdf if pdf.is_file() else None, tuple(missing),
                  shows_demo_data(data, year, region))


def render_index(reports: list[Report], root: Path) -> str:
    """The index page: every report by year and region, with links to HTML and PDF."""
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(SITE_TEMPLATES), autoescape=True)
    years = sorted({r.year for r in reports}, reverse=True)
    rows = {
        year: [
            {
                "name": r.region_name,
                "html": r.html.relative_to(root).as_posix(),
                "pdf": r.pdf.relative_to(root).as_posix() if r.pdf else None,
                "missing": r.missing,
                "demo": r.demo,
            }
            for r in reports if r.year == year
        ]
        for year in years
    }
    return env.get_template("index.html.j2").render(rows=rows, version=__version__)
