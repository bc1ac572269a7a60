"""The descriptor of a report's data: datapackage.json, as the Frictionless Data Package standard has it.

Every table a report's data can hold, with a Dutch title and description, the Dutch title
and description of each column (its name stays the English column name, as in data/), its
type, the table's key and the tables its ids point to, so a Frictionless tool can check
that no id dangles. The licence is CC BY 4.0: one of the two licences data.overheid.nl
recommends, and the only one of them that the data allows, for figures from CBS open data
are published under CC BY 4.0 and may not be passed on without naming CBS.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import pandas as pd

UNITS = {"count": "aantal", "percentage": "procent (0-100)", "euro": "euro", "kilogram": "kilogram",
         "fte": "fte (voltijdbanen)", "districts": "aantal districten"}
LICENCE = {"name": "CC-BY-4.0", "path": "https://creativecommons.org/licenses/by/4.0/",
           "title": "Creative Commons Naamsvermelding 4.0 Internationaal"}
EXCEL = ("Elke tabel staat er ook in een versie voor Nederlandse Excel: <naam>-excel.csv, met een byte order mark "
         "(zodat Excel UTF-8 herkent), puntkomma's tussen de kolommen en een decimale komma.")


@dataclass(frozen=True)
class Field:
    type: str
    title: str  # Dutch column title
    description: str


FIELDS = {
    "indicator": Field("string", "Indicator", "Id van de indicator (indicatoren.csv)"),
    "label": Field("string", "Omschrijving", "Omschrijving van de indicator of het doel"),
    "theme": Field("string", "Thema", "Id van het thema (themas.csv)"),
    "unit": Field("string", "Eenheid", "Eenheid van de waarde: " + ", ".join(f"{k} = {v}" for k, v in UNITS.items())),
    "year": Field("integer", "Jaar", "Jaar"),
    "value": Field("number", "Waarde", "Waarde in de eenheid van de rij"),
    "qualifier": Field("string", "Benadering", "Zo gepubliceerd: circa, ruim of meer dan"),
    "kind": Field("string", "Soort streefwaarde", "Soort streefwaarde: not_above_previous_year, at_least of at_most"),
    "published_realisation": Field("string", "Gepubliceerde realisatie",
                                   "Realisatie zoals het oorspronkelijke jaarverslag die afdrukte, zonder teken"),
    "ambition_code": Field("string", "Code ambitie", "Code van de ambitie"),
    "ambition": Field("string", "Ambitie", "Ambitie"),
    "topic": Field("string", "Onderwerp", "Onderwerp"),
    "goal_id": Field("string", "Doel", "Id van het doel"),
    "target_kind": Field("string", "Soort streefwaarde", "Soort streefwaarde: at_least of at_most"),
    "target_value": Field("number", "Streefwaarde", "Streefwaarde"),
    "target_basis": Field("string", "Herkomst streefwaarde",
                          "Staat de streefwaarde zo in de bron (stated) of is die afgeleid (derived)"),
    "result_value": Field("number", "Resultaat", "Resultaat"),
    "result_basis": Field("string", "Herkomst resultaat", "Staat het resultaat zo in de bron (stated) of is het afgeleid (derived)"),
    "basis_note": Field("string", "Toelichting afleiding", "Hoe een afgeleid getal uit de bron volgt"),
    "status": Field("string", "Status", "Status: gerealiseerd, deels, niet, onbekend of niet-vergelijkbaar"),
    "status_basis": Field("string", "Herkomst status",
                          "Noemt de bron de status (stated) of is die ons oordeel uit haar cijfers en tekst (derived); "
                          "leeg bij demodata"),
    "status_note": Field("string", "Toelichting status", "Waarom de status ons oordeel is, of waarom het doel niet vergelijkbaar is"),
    "source": Field("string", "Bron", "Bron van de rij (id in bronnen.csv)"),
    "location": Field("string", "Vindplaats", "Waar de bron het cijfer noemt (hoofdstuk > paragraaf); leeg bij demodata en CBS"),
}


@dataclass(frozen=True)
class Table:
    """One table of the package: what it holds, its key, where its ids point, its own columns."""

    title: str
    description: str
    key: tuple[str, ...]
    refers: dict[str, tuple[str, str]] = field(default_factory=dict)  # column -> (table, column); "" is itself
    fields: dict[str, Field] = field(default_factory=dict)  # columns named only here, or meaning something else here


TABLES = {
    "cijfers": Table("Cijfers", "De cijfers van het verslagjaar en het jaar ervoor.", ("indicator", "year"),
                     {"indicator": ("indicatoren", "id"), "theme": ("themas", "id"), "source": ("bronnen", "id")}),
    "streefwaarden": Table("Streefwaarden", "De streefwaarden van het verslagjaar.", ("indicator", "year"),
                           {"indicator": ("indicatoren", "id"), "source": ("bronnen", "id")}),
    "doelen": Table("Doelen", "De doelen uit het jaarplan: streefwaarde, resultaat en status.", ("goal_id",),
                    {"theme": ("themas", "id"), "source": ("bronnen", "id")}),
    "districten": Table(
        "Districten vergeleken", "De districten naast elkaar, zoals het hoofdstuk Districten vergeleken ze toont.",
        ("indicator", "region"), {"indicator": ("indicatoren", "id"), "region": ("regios", "id"), "source": ("bronnen", "id")},
        {"region": Field("string", "District", "Id van het district (regios.csv)"),
         "name": Field("string", "Naam district", "Naam van het district"),
         "value": Field("number", "Waarde", "Het cijfer van het district in het verslagjaar, in de eenheid van de rij"),
         "met": Field("boolean", "Gehaald", "Haalde het district zijn streefwaarde; leeg zonder streefwaarde of cijfer"),
         "share": Field("number", "Aandeel", "Aandeel van het district in het geheel, in procenten; alleen bij "
                                             "aantallen, bedragen en gewichten")}),
    "controle": Table(
        "Controle realisatiecijfers", "Elk realisatiecijfer dat het jaarverslag afdrukte, opnieuw berekend uit de data.",
        ("indicator",), {"indicator": ("indicatoren", "id")},
        {"realisation": Field("number", "Berekende realisatie",
                              "Realisatie berekend uit de data, met teken: bij aantallen en bedragen in procenten, bij "
                              "percentages in procentpunten"),
         "agrees": Field("boolean", "Klopt", "Volgt het afgedrukte cijfer uit de data"),
         "note": Field("string", "Toelichting", "Toelichting bij een cijfer dat afwijkt")}),
    "beweringen": Table(
        "Beweringen in de tekst", "De beweringen in de tekst van het jaarverslag, elk getoetst aan de data en aan de "
                                  "andere beweringen.", ("id",),
        {"indicator": ("indicatoren", "id"), "goal": ("doelen", "goal_id"), "source": ("bronnen", "id")},
        {"id": Field("string", "Bewering", "Id van de bewering"),
         "location": Field("string", "Vindplaats", "Waar het jaarverslag de bewering doet (hoofdstuk > paragraaf)"),
         "claim": Field("string", "Bewering", "De bewering, kort en in eigen woorden"),
         "goal": Field("string", "Doel", "Id van het doel waar de bewering over gaat (doelen.csv)"),
         "finding": Field("string", "Wat de data zegt", "Wat de data zegt over het cijfer van de bewering"),
         "verdict": Field("string", "Oordeel", "klopt, in strijd met de data, in strijd met een andere bewering of "
                                               "niet te controleren"),
         "reason": Field("string", "Toelichting", "Waarom, en wat de bewering zelf toelicht")}),
    "indicatoren": Table(
        "Indicatoren", "Elke indicator waar een andere tabel naar verwijst.", ("id",), {"theme": ("themas", "id")},
        {"id": Field("string", "Indicator", "Id van de indicator"),
         "kpi_group": Field("string", "Groep in het veiligheidsbeeld", "Groep in de tabel van het veiligheidsbeeld; "
                                                                        "leeg voor indicatoren daarbuiten"),
         "kpi_order": Field("integer", "Volgorde in het veiligheidsbeeld", "Plaats in de tabel van het veiligheidsbeeld"),
         "label": Field("string", "Omschrijving", "Omschrijving van de indicator"),
         "subject": Field("string", "Onderwerp in zinnen", "Hoe gegenereerde zinnen de indicator noemen"),
         "better": Field("string", "Beter is", "Wat beter is: lower (lager), higher (hoger) of none (geen van beide)")}),
    "themas": Table(
        "Thema's", "Elk thema waar een andere tabel naar verwijst.", ("id",), {},
        {"order": Field("integer", "Volgorde", "Plaats in het jaarverslag"),
         "id": Field("string", "Thema", "Id van het thema"),
         "label": Field("string", "Naam", "Naam van het thema"),
         "kind": Field("string", "Soort", "overzicht, strategisch of ontwikkelagenda")}),
    "bronnen": Table(
        "Bronnen", "Elke bron waar een rij van een andere tabel uit komt.", ("id",), {},
        {"id": Field("string", "Bron", "Id van de bron"),
         "title": Field("string", "Titel", "Titel van de bron"),
         "table_id": Field("string", "Tabel", "Id van een gedownloade tabel (CBS)"),
         "period": Field("string", "Periode", "Periode die de bron beschrijft"),
         "retrieved_at": Field("string", "Opgehaald", "Wanneer een gedownloade tabel is opgehaald (ISO 8601, UTC)")}),
    "regios": Table(
        "Regio's", "Elke regio waar een andere tabel naar verwijst, met de regio's waar die onder valt.", ("id",),
        {"parent": ("", "id")},
        {"id": Field("string", "Regio", "Id van de regio"),
         "name": Field("string", "Naam", "Naam van de regio"),
         "level": Field("string", "Niveau", "eenheid, district, basisteam of gemeente"),
         "parent": Field("string", "Valt onder", "Id van de regio waar deze onder valt; leeg voor de eenheid")}),
}


def field_of(table: str, column: str) -> Field:
    return TABLES[table].fields.get(column) or FIELDS[column]


def resource(name: str, frame: pd.DataFrame) -> dict[str, Any]:
    """A table's resource: the standard CSV (comma, dot, UTF-8 without BOM) and its schema."""
    table = TABLES[name]
    fields = [{"name": column, **asdict(field_of(name, column))} for column in frame.columns]
    keys = [{"fields": column, "reference": {"resource": target, "fields": target_column}}
            for column, (target, target_column) in table.refers.items() if column in frame.columns]
    return {
        "name": name, "title": table.title, "description": table.description, "path": f"{name}.csv", "format": "csv",
        "mediatype": "text/csv", "encoding": "utf-8",
        "schema": {"fields": fields, "primaryKey": list(table.key), **({"foreignKeys": keys} if keys else {})},
    }


def descriptor(name: str, title: str, description: str, resources: list[dict[str, Any]],
               sources: list[str]) -> dict[str, Any]:
    """The package: its resources, sources and licence."""
    return {
        "name": name, "title": title, "description": f"{description} {EXCEL}",
        "licenses": [LICENCE],
        "sources": [{"title": s} for s in sources],
        "resources": resources,
    }
