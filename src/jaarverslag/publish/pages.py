"""The site's own pages beside the reports: the verantwoording (how the figures are made, from the
data contract and sources.csv), the toegankelijkheidsverklaring (from the latest recorded
accessibility test results, with the known gaps), the search page, and the site's one script and stylesheet."""

from __future__ import annotations

import json

from .. import __version__, formatting
from ..analysis.claims import MARGIN
from ..engine.layout import Layout
from ..files import write_changed
from ..inputs import Dataset
from ..inputs.sources import DEMO, DEMO_TITLE
from .index import SITE_TEMPLATES, site_templates

SCRIPT, STYLESHEET = SITE_TEMPLATES / "assets" / "jaarverslag.js", SITE_TEMPLATES / "assets" / "jaarverslag.css"

METHOD = (
    "De realisatie meet een cijfer aan zijn streefwaarde: bij aantallen en bedragen als procentuele afwijking, "
    "bij percentages als verschil in procentpunten. Een streefwaarde 'niet hoger dan vorig jaar' gebruikt het "
    "cijfer van het jaar ervoor. Een kerncijfer dat een doel uit het jaarplan meet, wordt aan de streefwaarde van dat "
    "doel gemeten ('(doel)'), en het doel toont dat cijfer als resultaat. De bron noemt de status van maar een deel "
    "van de doelen zelf; de andere statussen zijn ons oordeel op grond van haar cijfers en tekst, en bij elk doel "
    "staat welke van de twee het is en waarom. Meet een resultaat iets anders dan de streefwaarde, dan is het doel "
    "'niet vergelijkbaar' en geven we geen oordeel. Een getal van een doel dat de "
    "bron niet letterlijk noemt maar dat wij uit haar tekst afleiden, heet '(afgeleid)' en wordt toegelicht. "
    "De beweringen in de tekst van het jaarverslag houden we tegen de cijfers en tegen elkaar; een getal geldt "
    f"daarbij als alles wat erop afrondt, 'circa' en 'ruim' laten {formatting.percent(MARGIN * 100, 0)} ruimte."
)
KINDS = {
    "niet hoger dan vorig jaar": "Gehaald als het cijfer van dit jaar niet hoger is dan dat van het jaar ervoor.",
    "ten minste": "Gehaald als het cijfer de streefwaarde haalt of overtreft.",
    "ten hoogste": "Gehaald als het cijfer niet boven de streefwaarde uitkomt.",
}
UNITS = {"count": "aantal", "percentage": "procent", "euro": "euro", "kilogram": "kilogram", "fte": "fte (voltijdbanen)",
         "districts": "aantal districten"}
GAPS = (
    "Zoeken werkt alleen met JavaScript en alleen als de site via een webserver wordt bekeken, niet als losse "
    "bestanden; het overzicht van alle verslagen werkt zonder.",
    "De PDF's zijn getagd, in het Nederlands en met alternatieve tekst bij elke figuur, maar niet getoetst aan "
    "PDF/UA: de koppeling van tabelkoppen in de structuur en de leesvolgorde van kop- en voettekst zijn niet "
    "nagelopen.",
)


def write(data: Dataset, layout: Layout) -> None:
    """Write the pages and the script into the site, each only when its content changed."""
    env = site_templates()
    themes = data.themes.set_index("id")["label"]
    sources = [{k: ("" if v != v else v) for k, v in row.items()} for row in data.sources.to_dict("records")]
    pages = {
        layout.methodology: env.get_template("verantwoording.html.j2").render(
            method=METHOD, kinds=KINDS, version=__version__, sources=sources,
            demo=f"{DEMO_TITLE}. Rijen met bron '{DEMO}' zijn gegenereerd om de verslagen per district te kunnen "
                 "maken; elke pagina die ze toont, zegt dat.",
            indicators=[{"label": row.label, "theme": themes[row.theme], "unit": UNITS[row.unit]}
                        for row in data.indicators.itertuples()],
        ),
        layout.statement: env.get_template("toegankelijkheidsverklaring.html.j2").render(
            results=_results(layout), gaps=GAPS, version=__version__,
        ),
        layout.search_page: env.get_template("zoeken.html.j2").render(version=__version__),
        layout.assets / SCRIPT.name: SCRIPT.read_text(encoding="utf-8"),
        layout.assets / STYLESHEET.name: STYLESHEET.read_text(encoding="utf-8"),
    }
    for path, page in pages.items():
        write_changed(path, page)


def _results(layout: Layout) -> dict | None:
    """The latest accessibility test results recorded in the build, if any."""
    try:
        return json.loads(layout.accessibility.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return None
