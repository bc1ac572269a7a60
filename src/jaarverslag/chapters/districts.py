"""The districts compared: every district's KPI figures side by side, each one's share of the whole and
which streefwaarden each met, as tables and a chart. While district figures are demo data, the
chapter says so before anything else."""

from __future__ import annotations

from functools import cached_property

import pandas as pd
from IPython.display import HTML, Markdown, display

from .. import formatting
from ..analysis.districts import compare, whole
from ..formatting import literal
from ..inputs.sources import shows_demo_data
from . import charts, tables
from .chapter import Chapter

MARKS = {True: "\u00a0✔", False: "\u00a0✘"}  # the mark stays with its figure
NOTICE = ("**Demodata — geen echte cijfers.** De cijfers van de districten zijn gegenereerd om ze te kunnen "
          "vergelijken; ze zijn niet gemeten. Alleen de cijfers van de eenheid als geheel komen uit het jaarverslag.")


class Districten(Chapter):
    """Districts side by side: in the unit's report its districts, in a district's report its parent's."""

    @cached_property
    def compared(self) -> pd.DataFrame:
        return compare(self.data, self.year, self.region)

    @property
    def _names(self) -> list[str]:
        return list(dict.fromkeys(self.compared["name"]))

    def title(self) -> Markdown:
        """Chapter heading; the demo notice when this region's or any compared district's figures are demo data."""
        shown = {self.region, *self.compared["region"]}
        demo = any(shows_demo_data(self.data, self.year, r) for r in shown)
        return Markdown(f"# {literal(self.title_text)} {self.year}\n\n**{literal(self.region_name)}**"
                        + (f"\n\n> {NOTICE}" if demo else ""))

    def _none(self) -> Markdown:
        return self.missing(f"Geen vergelijking: voor de districten naast {self.region_name} zijn voor {self.year} "
                            "geen cijfers vastgelegd.")

    def introduction(self) -> Markdown:
        """What is compared, and the demo notice when any district's figures are demo data."""
        if self.compared.empty:
            return self._none()
        parent = self.data.region_name(whole(self.data, self.region))
        text = (f"De {len(self._names)} districten van {literal(parent)} naast elkaar in {self.year}: hun cijfers uit "
                "het veiligheidsbeeld, hun aandeel in het geheel en welke streefwaarden ze haalden. "
                "✔ betekent gehaald, ✘ niet gehaald.")
        if self.region != whole(self.data, self.region):
            text += f" Dit verslag gaat over **{literal(self.region_name)}**."
        return Markdown(text)

    def figures_table(self) -> HTML | Markdown:
        """Indicators down, districts across: the figure of the year, with ✔ or ✘ where there is a streefwaarde."""
        if self.compared.empty:
            return self._none()
        cells = self.compared.assign(
            cell=[formatting.value(v, u) + MARKS.get(m, "") for v, u, m in
                  zip(self.compared["current"], self.compared["unit"], self.compared["met"].astype(object))]
        )
        frame = self._wide(cells, "cell")
        return tables.styled(frame, "districten", f"Veiligheidsbeeld per district, {self.year}", self._widths(frame))

    def shares_table(self) -> HTML | Markdown:
        """Each district's share of the whole, for figures that add up (counts, amounts)."""
        rows = self.compared.dropna(subset=["share"])
        if rows.empty:
            return self.missing(f"Geen aandelen: voor {self.year} zijn er geen aantallen van de districten en het geheel "
                                "om te vergelijken.")
        cells = rows.assign(cell=[formatting.percent(s) for s in rows["share"]])
        frame = self._wide(cells, "cell")
        return tables.styled(frame, "aandelen", f"Aandeel van elk district in het geheel, {self.year}", self._widths(frame))

    def targets_table(self) -> HTML | Markdown:
        """Per district: how many streefwaarden it met, and which it missed."""
        judged = self.compared.dropna(subset=["met"])
        if judged.empty:
            return self.missing(f"Geen streefwaarden: voor de districten zijn voor {self.year} geen streefwaarden vastgelegd.")
        frame = pd.DataFrame([
            {"District": name, "Gehaald": f"{int(group['met'].sum())}\u00a0van\u00a0{len(group)}",  # one line: a count
             "Niet gehaald": ", ".join(group.loc[~group["met"].astype(bool), "label"]) or "–"}
            for name, group in judged.groupby("name", sort=False)
        ]).set_index("District")
        return tables.styled(frame, "districtdoelen", f"Gehaalde streefwaarden per district, {self.year}", (22, 14, 64),
                             text_columns=("Niet gehaald",))

    def targets_chart(self) -> None:
        judged = self.compared.dropna(subset=["met"])
        if judged.empty:
            return display(self.missing(f"Geen grafiek: voor de districten zijn voor {self.year} geen streefwaarden "
                                        "vastgelegd."))
        counts = pd.DataFrame([
            {"district": name, "gehaald": int(group["met"].sum()), "niet gehaald": int((~group["met"].astype(bool)).sum())}
            for name, group in judged.groupby("name", sort=False)
        ])
        charts.show(charts.met_per_region(counts, f"Gehaalde streefwaarden per district, {self.year}"))

    def _wide(self, cells: pd.DataFrame, column: str) -> pd.DataFrame:
        wide = cells.pivot_table(index=["kpi_order", "label"], columns="name", values=column, aggfunc="first")
        wide = wide.reindex(columns=[n for n in self._names if n in wide.columns]).fillna(formatting.MISSING)
        wide.index = wide.index.droplevel("kpi_order")
        wide.index.name, wide.columns.name = "Indicator", None
        return wide

    @staticmethod
    def _widths(frame: pd.DataFrame) -> tuple[int, ...]:
        column = min(12, 72 // len(frame.columns))  # room for "Rijnmond-" in print
        return (100 - column * len(frame.columns), *[column] * len(frame.columns))
