"""The Regionaal Veiligheidsbeeld chapter: the KPI table, its commentary, charts and audit (of the
table's printed realisations and of the claims in the report's text)."""

from __future__ import annotations

from html import escape
from typing import Any

import pandas as pd
from IPython.display import HTML, Markdown, display

from .. import formatting
from ..analysis import claims as written
from ..analysis.audit import audit
from ..analysis.targets import kpi_rows
from ..inputs.catalog import FOREWORD
from . import charts, commentary, tables
from .chapter import Chapter, markdown_html

HIGH_IMPACT_GROUP = "Misdrijven / High impact crime"


class Veiligheidsbeeld(Chapter):
    """The overview chapter; its theme is 'veiligheidsbeeld', whose indicators form the KPI table."""

    @property
    def kpi(self) -> pd.DataFrame:
        return kpi_rows(self.evaluation)

    # -- front matter: the report places these outputs after its contents (cells tagged front-matter) --

    def foreword(self) -> HTML:
        """The report's foreword (data/narratives/<year>/<region>/voorwoord.md); empty where none is written.

        Empty, not absent: the output still records that the file was read, so writing one renders this again.
        """
        content, read = self._read(FOREWORD)
        if content is None:
            return HTML("", metadata=read)
        return HTML(f'<h1 class="front-matter" id="voorwoord">Voorwoord</h1>\n{markdown_html(content)}', metadata=read)

    def at_a_glance(self) -> HTML:
        """The headline figures on one page: each KPI's figure, the year before, its streefwaarde and met or not."""
        kpi = self.kpi[self.kpi["current"].notna()]
        heading = (f'<h1 class="front-matter" id="in-een-oogopslag">In één oogopslag</h1>\n'
                   f'<p class="lead">{escape(self.region_name)}, {self.year}')
        if kpi.empty:
            return HTML(f"{heading}: voor dit jaar zijn geen cijfers van het veiligheidsbeeld vastgelegd.</p>")
        met = kpi["met"].dropna()
        if not met.empty:
            heading += f": <strong>{int(met.sum())} van {len(met)} streefwaarden gehaald</strong>"
        tiles = "".join(_tile(row, self.year) for row in kpi.itertuples())
        return HTML(f'{heading}.</p>\n<ul class="at-a-glance">{tiles}</ul>\n{GLANCE_STYLE}')

    # -- the chapter ----------------------------------------------------------------------------------

    def explanation(self) -> Markdown:
        """How to read the table, from what it holds: the year before and the streefwaarden only where they are."""
        kpi = self.kpi
        before = kpi["previous"].notna().any()
        targets = kpi["kind"].notna().any()
        shown = (f"zet de cijfers van {self.year} naast die van {self.year - 1}" if before
                 else f"toont de cijfers van {self.year}")
        text = f"De tabel {shown}" + (" en meet ze aan de streefwaarden uit het jaarplan." if targets else ".")
        if targets:
            text += (" De realisatie is het verschil met de streefwaarde: bij aantallen in procenten, bij percentages "
                     "in procentpunten.")
        if kpi["published_realisation"].notna().any():
            text += (f" De kolom *Gepubliceerd* geeft het realisatiecijfer zoals het jaarverslag {self.year} het afdrukte; "
                     "de controle in de bijlage rekent die cijfers na.")
        return Markdown(text)

    def kpi_table(self) -> HTML | Markdown:
        if self.kpi.empty:
            return self.missing(f"Geen veiligheidsbeeld: voor {self.region_name} zijn voor {self.year - 1} en {self.year} "
                                "geen cijfers vastgelegd.")
        no_targets = f"Voor {self.year} zijn voor {self.region_name} geen streefwaarden vastgelegd."
        return self.with_notes(tables.kpi_table(self.kpi, self.year, self.region_name), self.gaps(self.kpi, no_targets))

    def summary(self) -> Markdown | None:
        """How many KPI targets (streefwaarden) were met, in one line; nothing when none were set (the table says so)."""
        met = self.kpi["met"].dropna()
        if met.empty:
            return None
        return Markdown(f"**{int(met.sum())} van {len(met)} streefwaarden gehaald** in {self.year}.")

    def commentary(self) -> Markdown:
        text = commentary.bullets(self.kpi, self.year)
        if not text:
            return self.missing(f"Geen toelichting: voor {self.region_name} zijn voor {self.year} geen cijfers vastgelegd.")
        return Markdown(text)

    def key_figures(self) -> HTML | Markdown:
        """The chapter's figures outside the KPI table."""
        rows = self.evaluation[
            self.evaluation["kpi_group"].isna() & (self.evaluation["theme"] == "veiligheidsbeeld") & self.evaluation["current"].notna()
        ]
        if rows.empty:
            return self.missing(f"Geen kerncijfers: voor {self.region_name} zijn voor {self.year} geen cijfers vastgelegd.")
        table = tables.figures_table(rows, self.year, f"Kerncijfers {self.region_name}, {self.year}", "kerncijfers")
        return self.with_notes(table, self.gaps(rows, "Geen van deze kerncijfers heeft een streefwaarde."))

    def high_impact_chart(self) -> None:
        rows = self.kpi[(self.kpi["kpi_group"] == HIGH_IMPACT_GROUP) & self.kpi["current"].notna()]
        if rows.empty:
            return display(self.missing(f"Geen grafiek van de high impact crimes: voor {self.region_name} zijn voor "
                                        f"{self.year} geen cijfers vastgelegd."))
        if rows["previous"].isna().any():
            return display(self.missing(f"Geen grafiek van de high impact crimes: voor {self.year - 1} zijn voor "
                                        f"{self.region_name} geen cijfers vastgelegd, dus er valt niets te vergelijken."))
        charts.show(charts.years_side_by_side(rows, self.year, f"High impact crime, {self.year - 1} en {self.year}"))

    def norm_chart(self) -> None:
        """Percentages against their norm; the previous year is drawn where it is known."""
        rows = self.kpi[(self.kpi["unit"] == "percentage") & self.kpi["current"].notna()]
        if rows.empty:
            return display(self.missing(f"Geen grafiek van de normen: voor {self.region_name} zijn voor {self.year} geen "
                                        "percentages vastgelegd."))
        rows = rows.dropna(subset=["reference"])
        if rows.empty:
            return display(self.missing(f"Geen grafiek van de normen: voor {self.year} zijn voor {self.region_name} geen "
                                        "normen (streefwaarden voor percentages) vastgelegd."))
        points = {"current": str(self.year)}
        if rows["previous"].notna().any():
            points = {"previous": str(self.year - 1), **points}
        charts.show(charts.against_norm(rows, points, f"Percentages ten opzichte van de norm, {self.year}"))

    def audit(self) -> HTML | Markdown:
        audited = audit(self.evaluation, self.year)
        if audited.empty:
            return self.missing(f"Voor {self.region_name} zijn voor {self.year} geen gepubliceerde realisatiecijfers "
                                "vastgelegd: er is niets na te rekenen.")
        intro = ("<p>Het jaarverslag drukte de realisatie af zonder plus- of minteken en afgerond op de getoonde "
                 "decimalen. Hier rekenen we elk afgedrukt cijfer opnieuw uit met de onderliggende aantallen en de "
                 "streefwaarde. <em>Wijkt af</em> betekent dat het afgedrukte cijfer daar niet uit volgt.</p>")
        wrong = audited[~audited["agrees"]]
        verdict = (
            f"{len(audited) - len(wrong)} van {len(audited)} gepubliceerde realisatiecijfers volgen uit de data; "
            + (f"{len(wrong)} wijken af: {', '.join(wrong['label'])}." if len(wrong) else "geen enkel cijfer wijkt af.")
        )
        return HTML(intro + f"<p><strong>{escape(verdict)}</strong></p>" + tables.audit_table(audited, self.region_name).data)

    def claims(self) -> HTML | Markdown:
        """The claims of the source's text about this region and year, each checked against the data and the other claims."""
        checked = written.check(self.data, self.year, self.region)
        if checked.empty:
            return self.missing(f"Voor {self.region_name} zijn voor {self.year} geen beweringen uit de tekst van een "
                                "jaarverslag vastgelegd: er is niets te controleren.")
        margin = formatting.percent(written.MARGIN * 100, 0)
        intro = (f"<p>Ook de tekst van het jaarverslag {self.year} noemt cijfers en trekt conclusies. Hier staat elke "
                 "bewering die de data kan controleren of die een andere bewering kan tegenspreken: waar in het verslag "
                 "ze staat, wat de data zegt en ons oordeel. Een getal geldt als alles wat erop afrondt; "
                 f"<em>circa</em> en <em>ruim</em> laten {margin} ruimte. Spreken twee beweringen over hetzelfde cijfer "
                 "elkaar tegen en nam de data het cijfer van een van beide over, dan kan de data niet beslissen.</p>")
        summary = f"<p><strong>{escape(written.summary(checked))}</strong></p>"
        return HTML(intro + summary + tables.claims_table(checked, self.region_name, self.year).data)


def _tile(row: Any, year: int) -> str:
    """One KPI as a tile: what, how much, against what, and met or not (in words and a symbol, not colour alone)."""
    state = "none" if pd.isna(row.met) else "met" if row.met else "missed"
    qualifier = row.qualifier if isinstance(row.qualifier, str) else None
    facts = [] if pd.isna(row.previous) else [f"{year - 1}: {formatting.value(row.previous, row.unit)}"]
    if state != "none":
        facts.append(f"streefwaarde {formatting.target(row.kind, row.reference, row.unit, year)}")
    verdict = tables.MET[bool(row.met)] if state != "none" else "geen streefwaarde"
    return (f'<li class="{state}"><span class="group">{escape(tables.breakable(row.kpi_group))}</span>'
            f'<span class="label">{escape(tables.breakable(row.label))}</span>'
            f'<span class="figure">{formatting.value(row.current, row.unit, qualifier)}</span>'
            + "".join(f'<span class="fact">{escape(fact)}</span>' for fact in facts)
            + f'<span class="verdict">{verdict}</span></li>')


# Inline, as the tables' styles are: the same look in JupyterLab, on the site and in print.
GLANCE_STYLE = """<style>
.at-a-glance { list-style: none; padding: 0 !important; margin: 1rem 0 !important; display: grid; gap: 0.6rem;
               grid-template-columns: repeat(auto-fill, minmax(11rem, 1fr)); }
.at-a-glance li { min-width: 0; hyphens: manual; overflow-wrap: break-word; border: 1px solid #d4d4d4; border-top: 4px solid #a3a3a3;
                  padding: 0.5rem 0.7rem; display: flex; flex-direction: column; gap: 0.1rem; break-inside: avoid; }
.at-a-glance li.met { border-top-color: #15803d; }
.at-a-glance li.missed { border-top-color: #b91c1c; }
.at-a-glance .group { font-size: 0.75rem; text-transform: uppercase; letter-spacing: 0.04em; color: #525252; }
.at-a-glance .label { font-weight: 600; }
.at-a-glance .figure { font-size: 1.6rem; font-weight: 700; font-variant-numeric: tabular-nums; white-space: nowrap; }
.at-a-glance .fact { font-size: 0.9em; }
.at-a-glance .verdict { font-weight: 600; }
.at-a-glance .met .verdict { color: #14532d; }
.at-a-glance .missed .verdict { color: #7f1d1d; }
@media print {
  .at-a-glance { grid-template-columns: repeat(4, minmax(0, 1fr)); gap: 0.4rem; font-size: 8pt; }
  .at-a-glance .figure { font-size: 13pt; }
}
</style>"""
