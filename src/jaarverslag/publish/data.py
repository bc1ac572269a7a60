"""The data behind a report, published beside it: CSV tables and a Frictionless Data Package.

Per (year, region) the rows the report can show (its year and the year before), with the
labels, units and sources a reader needs to use them without our code. datapackage.json
describes every column, its type and unit, and the sources, so the tables can be
validated and loaded by any Frictionless tool.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from .. import __version__
from ..engine.layout import Layout
from ..files import write_atomic
from ..inputs import Dataset
from ..inputs.catalog import shown_years

UNITS = {"count": "aantal", "percentage": "procent (0-100)", "euro": "euro", "kilogram": "kilogram",
         "fte": "fte (voltijdbanen)", "districts": "aantal districten"}
FIELDS = {
    "indicator": ("string", "Id van de indicator (data/indicators.csv)"),
    "label": ("string", "Omschrijving van de indicator of het doel"),
    "theme": ("string", "Id van het thema (data/themes.csv)"),
    "unit": ("string", "Eenheid van de waarde: " + ", ".join(f"{k} = {v}" for k, v in UNITS.items())),
    "year": ("integer", "Jaar"),
    "value": ("number", "Waarde in de eenheid van de rij"),
    "qualifier": ("string", "Zo gepubliceerd: circa, ruim of meer dan"),
    "kind": ("string", "Soort streefwaarde: not_above_previous_year, at_least of at_most"),
    "published_realisation": ("string", "Realisatie zoals het oorspronkelijke jaarverslag die afdrukte"),
    "ambition_code": ("string", "Code van de ambitie"),
    "ambition": ("string", "Ambitie"),
    "topic": ("string", "Onderwerp"),
    "goal_id": ("string", "Id van het doel"),
    "target_kind": ("string", "Soort streefwaarde: at_least of at_most"),
    "target_value": ("number", "Streefwaarde"),
    "target_basis": ("string", "Staat de streefwaarde zo in de bron (stated) of is die afgeleid (derived)"),
    "result_value": ("number", "Resultaat"),
    "result_basis": ("string", "Staat het resultaat zo in de bron (stated) of is het afgeleid (derived)"),
    "basis_note": ("string", "Hoe een afgeleid getal uit de bron volgt"),
    "status": ("string", "Status volgens de bron: gerealiseerd, deels, niet of onbekend"),
    "source": ("string", "Bron van de rij (id in de bronnenlijst van dit pakket)"),
    "location": ("string", "Waar de bron het cijfer noemt (hoofdstuk > paragraaf); leeg bij demodata en CBS"),
}


def tables(data: Dataset, year: int, region: str) -> dict[str, pd.DataFrame]:
    """The report's rows, named as the published files are."""
    def rows(frame: pd.DataFrame, years: list[int]) -> pd.DataFrame:
        return frame[(frame["region"] == region) & frame["year"].isin(years)].drop(columns="region")

    indicators = data.indicators.rename(columns={"id": "indicator"})[["indicator", "label", "theme", "unit"]]
    figures = rows(data.observations, shown_years(year)).merge(indicators, on="indicator")
    targets = rows(data.targets, [year]).merge(indicators, on="indicator")
    return {
        "cijfers": figures[["indicator", "label", "theme", "unit", "year", "value", "qualifier", "source", "location"]],
        "streefwaarden": targets[["indicator", "label", "unit", "year", "kind", "value", "published_realisation", "source"]],
        "doelen": rows(data.goals, [year])[["year", "theme", "ambition_code", "ambition", "topic", "goal_id", "label",
                                             "target_kind", "target_value", "target_basis", "result_value", "result_basis",
                                             "basis_note", "unit", "status", "source"]],
    }


def export(data: Dataset, layout: Layout, year: int, region: str) -> Path:
    """Write the report's tables and datapackage.json; return the descriptor's path."""
    folder = layout.report_data(year, region)
    published = tables(data, year, region)
    used = set().union(*(set(frame["source"]) for frame in published.values()))
    sources = data.sources[data.sources["id"].isin(used)]
    resources = []
    for name, frame in published.items():
        write_atomic(folder / f"{name}.csv", frame.to_csv(index=False, float_format="%.10g"))
        resources.append({
            "name": name, "path": f"{name}.csv", "format": "csv", "mediatype": "text/csv", "encoding": "utf-8",
            "schema": {"fields": [{"name": c, "type": FIELDS[c][0], "description": FIELDS[c][1]} for c in frame.columns]},
        })
    package = {
        "name": f"jaarverslag-{year}-{region}",
        "title": f"Gegevens bij het jaarverslag {year} van {data.region_name(region)}",
        "description": f"De cijfers over {year - 1} en {year}, de streefwaarden en de doelen waaruit het jaarverslag is "
                       f"opgebouwd, zoals gepubliceerd door jaarverslag {__version__}.",
        "sources": [{"title": row.title} for row in sources.itertuples()],
        "resources": resources,
    }
    descriptor = folder / "datapackage.json"
    write_atomic(descriptor, json.dumps(package, indent=1, ensure_ascii=False))
    return descriptor
