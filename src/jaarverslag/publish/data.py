"""The data behind a report, published beside it: CSV tables and a Frictionless Data Package.

Per (year, region) the rows the report shows (its year and the year before): figures,
streefwaarden and goals always; the districts compared and the audit of the published
figures and of the text's claims when a chapter of the report shows them. Beside them the
indicators, themes, sources and regions their ids point to, so no id dangles.
datapackage.json (publish/datapackage.py) describes every column, its type and unit.

Each table is written twice. `<name>.csv` is the standard CSV the descriptor describes
(comma, decimal point, UTF-8): what Frictionless, pandas and R expect. `<name>-excel.csv`
is for Dutch Excel, which opens a CSV with the list separator and decimal sign of the
computer's region settings: it splits on `;` and reads `82,3`, so a comma CSV opens as
one column. A BOM alone only tells Excel the encoding; the variant has a BOM, `;` and
decimal commas. It stays outside the descriptor, so a Frictionless tool loads each table once.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from .. import __version__
from ..analysis.audit import audit
from ..analysis.claims import check
from ..analysis.districts import compare
from ..analysis.targets import evaluate
from ..engine.layout import Layout
from ..files import write_atomic
from ..inputs import Dataset
from ..inputs.catalog import shown_years
from ..inputs.params import Chapter
from .datapackage import TABLES, descriptor, resource

FLOAT = "%.10g"  # as many digits as the data has, never float noise such as 82.30000000000001
CORE = ("cijfers", "streefwaarden", "doelen")  # always written, even empty: the report's colophon links them
DECIMAL_TEXT = ("published_realisation",)  # figures kept as text for their printed precision ('0.3', '8')
CATALOGUE = {  # the tables ids point to, in an order where each comes after the tables that point to it
    "indicatoren": ("indicators", ["id", "theme", "kpi_group", "kpi_order", "label", "subject", "unit", "better"]),
    "themas": ("themes", ["order", "id", "label", "kind"]),
    "bronnen": ("sources", ["id", "title", "table_id", "period", "retrieved_at"]),
    "regios": ("regions", ["id", "name", "level", "parent"]),
}


def tables(data: Dataset, year: int, region: str, chapters: Iterable[Chapter] = ()) -> dict[str, pd.DataFrame]:
    """The report's tables, named as the published files are; chapters are those the report shows."""
    chapters = list(chapters)
    shown = figures(data, year, region)
    if any(c.compares_districts for c in chapters):
        shown["districten"] = districts(data, year, region)
    if any(c.audits for c in chapters):
        shown |= audits(data, year, region)
    shown = {name: frame for name, frame in shown.items() if name in CORE or not frame.empty}  # what the report shows
    for name, (table, columns) in CATALOGUE.items():
        pointing = _pointing(shown, name)
        if pointing:  # written even when empty: a key must not point to a table that is not there
            ids = set().union(*(set(column.dropna()) for column in pointing))
            shown[name] = _with_parents(getattr(data, table), ids)[columns]
    return shown


def figures(data: Dataset, year: int, region: str) -> dict[str, pd.DataFrame]:
    """Figures of the year and the year before, the year's streefwaarden and goals."""
    def rows(frame: pd.DataFrame, years: list[int]) -> pd.DataFrame:
        return frame[(frame["region"] == region) & frame["year"].isin(years)].drop(columns="region")

    indicators = data.indicators.rename(columns={"id": "indicator"})[["indicator", "label", "theme", "unit"]]
    observed = rows(data.observations, shown_years(year)).merge(indicators, on="indicator")
    targets = rows(data.targets, [year]).merge(indicators, on="indicator")
    return {
        "cijfers": observed[["indicator", "label", "theme", "unit", "year", "value", "qualifier", "source", "location"]],
        "streefwaarden": targets[["indicator", "label", "unit", "year", "kind", "value", "published_realisation", "source"]],
        "doelen": rows(data.goals, [year])[["year", "theme", "ambition_code", "ambition", "topic", "goal_id", "label",
                                             "target_kind", "target_value", "target_basis", "result_value", "result_basis",
                                             "basis_note", "unit", "status", "status_basis", "status_note", "source"]],
    }


def districts(data: Dataset, year: int, region: str) -> pd.DataFrame:
    """The districts side by side, as the chapter Districten vergeleken shows them, with each figure's source
    (while district figures are demo data, the rows say so)."""
    compared = compare(data, year, region).rename(columns={"current": "value"}).assign(year=year)
    obs = data.observations
    sources = obs.loc[obs["year"] == year, ["indicator", "region", "source"]]
    compared = compared.merge(sources, on=["indicator", "region"], how="left")
    return compared[["indicator", "label", "unit", "year", "region", "name", "value", "met", "share", "source"]]


def audits(data: Dataset, year: int, region: str) -> dict[str, pd.DataFrame]:
    """The published realisation figures recomputed, and the text's claims with their verdicts."""
    audited = audit(evaluate(data, year, region), year)  # a published realisation has a streefwaarde of its own
    audited = audited.rename(columns={"computed": "realisation", "published": "published_realisation"}).assign(year=year)
    claims = data.claims[(data.claims["year"] == year) & (data.claims["region"] == region)]
    checked = check(data, year, region).rename(columns={"data": "finding"})
    checked = checked.merge(claims[["id", "indicator", "goal", "source"]], on="id").assign(year=year)
    return {
        "controle": audited[["indicator", "label", "unit", "year", "realisation", "published_realisation", "agrees", "note"]],
        "beweringen": checked[["id", "year", "location", "claim", "indicator", "goal", "finding", "verdict", "reason", "source"]],
    }


def _pointing(shown: dict[str, pd.DataFrame], target: str) -> list[pd.Series]:
    """The columns of the shown tables that hold ids of the table target."""
    return [frame[column] for name, frame in shown.items()
            for column, (table, _) in TABLES[name].refers.items() if table == target and column in frame.columns]


def _with_parents(frame: pd.DataFrame, ids: set[str]) -> pd.DataFrame:
    """The rows of a catalogue table with these ids; in a table of regions also the regions they lie in."""
    if "parent" in frame.columns:
        parents = frame.set_index("id")["parent"].dropna()
        while missing := {parents[i] for i in ids if i in parents.index} - ids:
            ids = ids | missing
    return frame[frame["id"].isin(ids)]


def standard(frame: pd.DataFrame) -> str:
    """The CSV that datapackage.json describes."""
    return frame.to_csv(index=False, float_format=FLOAT)


def for_excel(frame: pd.DataFrame) -> str:
    """The same table as Dutch Excel opens it: BOM, semicolons, decimal commas (also in figures kept as text)."""
    commas = {c: frame[c].str.replace(".", ",", regex=False) for c in DECIMAL_TEXT if c in frame.columns}
    return "\ufeff" + frame.assign(**commas).to_csv(index=False, sep=";", decimal=",", float_format=FLOAT)


def excel_path(csv: Path) -> Path:
    """Where the Dutch Excel variant of a standard CSV is."""
    return csv.with_name(f"{csv.stem}-excel.csv")


def export(data: Dataset, layout: Layout, year: int, region: str, chapters: Iterable[Chapter] = ()) -> Path:
    """Write the report's tables, their Excel variants and datapackage.json; return the descriptor's path.

    chapters are the chapters the report shows: a table none of them shows is not written,
    and removed if an earlier package had it.
    """
    folder = layout.report_data(year, region)
    published = tables(data, year, region, chapters)
    for name, frame in published.items():
        write_atomic(folder / f"{name}.csv", standard(frame))
        write_atomic(excel_path(folder / f"{name}.csv"), for_excel(frame))
    for name in TABLES.keys() - published.keys():
        for path in (folder / f"{name}.csv", excel_path(folder / f"{name}.csv")):
            path.unlink(missing_ok=True)
    used = published["bronnen"]["title"]  # cijfers always names its sources
    titles = ", ".join(TABLES[name].title.lower() for name in published)
    package = descriptor(
        f"jaarverslag-{year}-{region}", f"Gegevens bij het jaarverslag {year} van {data.region_name(region)}",
        f"De gegevens waaruit het jaarverslag over {year} is opgebouwd ({titles}), met de cijfers over {year - 1} en "
        f"{year}, zoals gepubliceerd door jaarverslag {__version__}.",
        [resource(name, frame) for name, frame in published.items()], list(used),
    )
    path = folder / "datapackage.json"
    write_atomic(path, json.dumps(package, indent=1, ensure_ascii=False))
    return path


def downloads(package: Path) -> list[tuple[str, Path]]:
    """(title, standard CSV) of every table of the package described at package, in its order; none without one."""
    try:
        resources = json.loads(package.read_text(encoding="utf-8"))["resources"]
    except FileNotFoundError:
        return []
    return [(r["title"], package.parent / r["path"]) for r in resources]
