"""The Regionaal Veiligheidsbeeld chapter: the KPI table, its commentary, charts and audit."""

from __future__ import annotations

from html import escape

import pandas as pd
from IPython.display import HTML, Markdown, display

from ..analysis.audit import audit
from ..analysis.targets import kpi_rows
from . import charts, commentary, tables
from .chapter import Chapter

HIGH_IMPACT_GROUP = "Misdrijven / High impact crime"


class Veiligheidsbeeld(Chapter):
    """The overview chapter; its theme is 'veiligheidsbeeld', whose indicators form the KPI table."""

    @property
    def kpi(self) -> pd.DataFrame:
        return kpi_rows(self.evaluation)

    def kpi_table(self) -> HTML | Markdown:
        if self.kpi.empty:
            return self.no_data("het veiligheidsbeeld")
        return tables.kpi_table(self.kpi, self.year, self.region_name)

    def summary(self) -> Markdown:
        """How many targets were met, in one line."""
        met = self.kpi["met"].dropna()
        if met.empty:
            return self.no_data("de doelen")
        return Markdown(f"**{int(met.sum())} van {len(met)} doelen gehaald** in {self.year}.")

    def commentary(self) -> Markdown:
        text = commentary.bullets(self.kpi, self.year)
        return Markdown(text) if text else self.no_data("de toelichting")

    def key_figures(self) -> HTML | Markdown:
        """The chapter's figures outside the KPI table."""
        rows = self.evaluation[
            self.evaluation["kpi_group"].isna() & (self.evaluation["theme"] == "veiligheidsbeeld") & self.evaluation["current"].notna()
        ]
        if rows.empty:
            return self.no_data("de kerncijfers")
        return tables.figures_table(rows, self.year, f"Kerncijfers {self.region_name}, {self.year}", "kerncijfers")

    def high_impact_chart(self) -> None:
        rows = self.kpi[self.kpi["kpi_group"] == HIGH_IMPACT_GROUP].dropna(subset=["previous", "current"])
        if rows.empty:
            return display(self.no_data("de high impact crimes"))
        charts.show(*charts.years_side_by_side(rows, self.year, f"High impact crime, {self.year - 1} en {self.year}"))

    def norm_chart(self) -> None:
        rows = self.kpi[self.kpi["unit"] == "percentage"].dropna(subset=["previous", "current", "reference"])
        if rows.empty:
            return display(self.no_data("de normen"))
        points = {"previous": str(self.year - 1), "current": str(self.year)}
        charts.show(*charts.against_norm(rows, points, f"Percentages ten opzichte van de norm, {self.year}"))

    def audit(self) -> HTML | Markdown:
        audited = audit(self.evaluation, self.year)
        if audited.empty:
            return Markdown("*Voor deze regio en dit jaar zijn geen gepubliceerde realisatiecijfers vastgelegd.*")
        wrong = audited[~audited["agrees"]]
        verdict = (
            f"{len(audited) - len(wrong)} van {len(audited)} gepubliceerde realisatiecijfers volgen uit de data; "
            + (f"{len(wrong)} wijken af: {', '.join(wrong['label'])}." if len(wrong) else "geen enkel cijfer wijkt af.")
        )
        return HTML(f"<p><strong>{escape(verdict)}</strong></p>" + tables.audit_table(audited, self.region_name).data)
