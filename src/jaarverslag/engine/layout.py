"""Where everything under build/ lives: the one place that joins build paths.

    build/manifest.json                                   what was rendered, from what
    build/publications.json, build/status.json            what was published; how the last runs went
    build/cluster.log                                     Dask's own log lines of the runs on a cluster
    build/notebooks/<year>/<region>/<chapter>.ipynb        executed notebooks
    build/reports/<year>/<region>/<chapter>.html           each chapter on its own (nbconvert; for analysts)
    build/site/index.html                                 the index of every report (filterable)
    build/site/verantwoording.html, toegankelijkheidsverklaring.html, zoeken.html
    build/site/assets/, build/site/pagefind/               the site's script and stylesheet; the search index and UI
    build/site/<year>/<region>/index.html, <chapter>.html, bijlage.html, colofon.html
                                                          the report for readers: landing page, a page per chapter
    build/site/<year>/<region>/grafieken/                 their charts (SVG)
    build/site/<year>/<region>/jaarverslag-<year>-<region>.html|.pdf
                                                          the whole report on one page, and its PDF
    build/site/<year>/<region>/data/                      the report's data: CSV and datapackage.json
    build/quarto/<year>/<region>/                          a Quarto book project
    build/preview/                                         `jaarverslag preview`'s own build (the same layout)
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Layout:
    root: Path

    def __post_init__(self) -> None:
        object.__setattr__(self, "root", Path(self.root))

    @property
    def manifest(self) -> Path:
        return self.root / "manifest.json"

    @property
    def journal(self) -> Path:
        """Results of the running batch, one JSON line each, until they are merged into the manifest."""
        return self.root / "manifest.journal"

    @property
    def publications(self) -> Path:
        """What publish made of each report: the key it was assembled from, the HTML its PDF shows."""
        return self.root / "publications.json"

    @property
    def status(self) -> Path:
        """How the last runs of `jaarverslag run` went, for schedulers and people."""
        return self.root / "status.json"

    @property
    def cluster_log(self) -> Path:
        """What Dask logs while a run uses it (a lost scheduler's tracebacks), kept off the console."""
        return self.root / "cluster.log"

    @property
    def lock(self) -> Path:
        return self.root / ".lock"

    def notebook(self, year: int, region: str, chapter: str) -> Path:
        return self.root / "notebooks" / str(year) / region / f"{chapter}.ipynb"

    def page(self, year: int, region: str, chapter: str) -> Path:
        return self.root / "reports" / str(year) / region / f"{chapter}.html"

    def rendered(self, year: int, region: str, chapters: Iterable[str]) -> list[str]:
        """Those of chapters whose executed notebook exists for (year, region), in the given order."""
        return [chapter for chapter in chapters if self.notebook(year, region, chapter).is_file()]

    def unrendered(self, year: int, region: str, chapters: Iterable[str]) -> list[str]:
        """Those of chapters with no executed notebook for (year, region): what a report lacks."""
        chapters = list(chapters)
        rendered = self.rendered(year, region, chapters)
        return [chapter for chapter in chapters if chapter not in rendered]

    @property
    def preview(self) -> Layout:
        """A build of its own for `jaarverslag preview`, so previewing never touches the published site."""
        return Layout(self.root / "preview")

    @property
    def site(self) -> Path:
        return self.root / "site"

    @property
    def index(self) -> Path:
        return self.site / "index.html"

    @property
    def methodology(self) -> Path:
        return self.site / "verantwoording.html"

    @property
    def statement(self) -> Path:
        """The accessibility statement (toegankelijkheidsverklaring)."""
        return self.site / "toegankelijkheidsverklaring.html"

    @property
    def accessibility(self) -> Path:
        """The latest accessibility test results (written by the browser tests), for the statement page."""
        return self.root / "accessibility.json"

    def report(self, year: int, region: str) -> Path:
        return self.site / str(year) / region / f"jaarverslag-{year}-{region}.html"

    def site_root(self, year: int, region: str) -> str:
        """The link from a report's page back to the site's root ('../../')."""
        return Path(os.path.relpath(self.site, self.report(year, region).parent)).as_posix() + "/"

    @property
    def search(self) -> Path:
        """Pagefind's index and UI, and the page that uses them."""
        return self.site / "pagefind"

    @property
    def search_page(self) -> Path:
        return self.site / "zoeken.html"

    @property
    def assets(self) -> Path:
        """The site's own script."""
        return self.site / "assets"

    def pdf(self, year: int, region: str) -> Path:
        return self.report(year, region).with_suffix(".pdf")

    def report_data(self, year: int, region: str) -> Path:
        """The folder with the report's data: CSV tables and datapackage.json."""
        return self.report(year, region).parent / "data"

    @property
    def books(self) -> Path:
        return self.root / "quarto"

    def book(self, year: int, region: str) -> BookProject:
        return BookProject(self.books / str(year) / region)


@dataclass(frozen=True)
class BookProject:
    """The files of one generated Quarto book; chapter paths in its config are relative to root."""

    root: Path
    output_dir = "_book"

    @property
    def config(self) -> Path:
        return self.root / "_quarto.yml"

    @property
    def index(self) -> Path:
        return self.root / "index.qmd"

    def chapter(self, name: str) -> Path:
        return self.root / "chapters" / f"{name}.ipynb"

    @property
    def output(self) -> Path:
        return self.root / self.output_dir
