"""The index page: every published report by year and region (latest year first, filterable), with links
to HTML, PDF and every file of its data: each table as CSV and for Dutch Excel, and the descriptor."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import jinja2

from .. import __version__
from ..analysis.districts import peers
from ..engine.layout import Layout
from ..inputs import Dataset
from ..inputs.params import Batch
from ..inputs.sources import shows_demo_data
from .data import downloads, excel_path

SITE_TEMPLATES = Path(__file__).parents[1] / "templates" / "site"


@cache
def site_templates() -> jinja2.Environment:
    """The site's templates, compiled once per process (a template edited meanwhile is reloaded)."""
    return jinja2.Environment(loader=jinja2.FileSystemLoader(SITE_TEMPLATES), autoescape=True)


@dataclass(frozen=True)
class Report:
    year: int
    region: str
    region_name: str
    html: Path
    pdf: Path | None
    package: Path | None  # the data package's descriptor (datapackage.json)
    tables: tuple[tuple[str, Path], ...]  # (title, standard CSV) of every table in the package, figures first
    missing: tuple[str, ...]  # chapters of the batch not rendered for this report
    demo: bool
    demo_districts: bool = False  # its own figures are real, but it compares districts whose figures are demo

    @classmethod
    def of(cls, batch: Batch, data: Dataset, layout: Layout, year: int, region: str) -> Report:
        pdf, package = layout.pdf(year, region), layout.report_data(year, region) / "datapackage.json"
        missing = tuple(layout.unrendered(year, region, batch.notebooks))
        comparing = any(c.compares_districts and c.notebook not in missing for c in batch.chapters)
        return cls(year, region, data.region_name(region), layout.report(year, region), pdf if pdf.is_file() else None,
                   package if package.is_file() else None, tuple(downloads(package)), missing,
                   shows_demo_data(data, year, region),
                   comparing and any(shows_demo_data(data, year, d) for d in peers(data, region)))


def published(batch: Batch, data: Dataset, layout: Layout) -> list[Report]:
    """The reports of batch that exist in the site."""
    return [Report.of(batch, data, layout, y, r) for y, r in batch.reports() if layout.report(y, r).is_file()]


def render_index(reports: list[Report], root: Path) -> str:
    """The index page; links relative to root (the site directory)."""
    env = site_templates()
    years = sorted({r.year for r in reports}, reverse=True)
    rows = {
        year: [
            {
                "region": r.region,
                "name": r.region_name,
                "html": r.html.with_name("index.html").relative_to(root).as_posix(),  # the report's landing page
                "pdf": r.pdf.relative_to(root).as_posix() if r.pdf else None,
                "package": r.package.relative_to(root).as_posix() if r.package else None,
                "tables": [{"title": title, "csv": csv.relative_to(root).as_posix(),
                            "excel": excel_path(csv).relative_to(root).as_posix()} for title, csv in r.tables],
                "missing": r.missing,
                "demo": r.demo,
                "demo_districts": r.demo_districts,
            }
            for r in reports if r.year == year
        ]
        for year in years
    }
    regions = {r.region: r.region_name for r in reports}  # in the batch's order, each once
    return env.get_template("index.html.j2").render(rows=rows, regions=regions, version=__version__)
